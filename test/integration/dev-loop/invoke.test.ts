/**
 * `npm run invoke`: one function of the real app's assembly (synthesized once for the run), with
 * its event from a file, from stdin, or built as the HTTP API's payload 2.0 event (`--http`).
 * Each call is a real process that starts a stack for itself and stops it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { projectDirectory } from './support/processes';

// Each step starts real processes (and may synthesize) on a machine the whole suite shares.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const run = promisify(execFile);
let cdkOut: string;
let scratch: string;

beforeAll(() => {
  cdkOut = inject('cdkOut');
  scratch = mkdtempSync(path.join(tmpdir(), 'invoke-test-'));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const invokeArgs = (...args: string[]) => ['--import', 'tsx', 'local-cloud/cli/invoke.ts', '--assembly', cdkOut, ...args];

/** Runs `npm run invoke -- ...args` with `stdin` as its input; resolves with its exit code and output. */
function invokeWithStdin(args: readonly string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, invokeArgs(...args), { cwd: projectDirectory });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('npm run invoke', () => {
  it('invokes a function by part of its name with an event file, printing the result, its log and its REPORT line', async () => {
    const event = path.join(scratch, 'event.json');
    writeFileSync(event, JSON.stringify({ number: 7 }));
    const { stdout, stderr } = await run(process.execPath, invokeArgs('Squarer', '--event', event), { cwd: projectDirectory });
    const result = JSON.parse(stdout) as { number: number; result: number; processName: string };
    expect(result).toMatchObject({ number: 7, result: 49 });
    // The process name is the invocation's request ID, the one its log shows.
    expect(stderr).toContain(`START RequestId: ${result.processName}`);
    expect(stderr).toContain(`END RequestId: ${result.processName}`);
    expect(stderr).toMatch(new RegExp(`REPORT RequestId: ${result.processName}\\tDuration: [0-9.]+ ms`));
  });

  it('reads the event from stdin with --event -', async () => {
    const { code, stdout } = await invokeWithStdin(['squarer', '--event', '-'], '{"number":"123456789012345678901234567890"}');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ result: (123456789012345678901234567890n ** 2n).toString() });
  });

  it('builds the payload 2.0 event of an HTTP request with --http and --body', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      invokeArgs('Coordinator', '--http', 'POST /square', '--body', '{"numbers":[2,3]}'),
      { cwd: projectDirectory },
    );
    const response = JSON.parse(stdout) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect((JSON.parse(response.body) as { results: { result: number }[] }).results.map((r) => r.result)).toEqual([4, 9]);
    expect(stderr).toMatch(/REPORT RequestId: \S+\tDuration/);
  });

  it('says which routes a function has when --http names another', async () => {
    const failure = run(process.execPath, invokeArgs('Coordinator', '--http', 'GET /nowhere'), { cwd: projectDirectory });
    await expect(failure).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('GET /nowhere matches no route of') });
  });

  it('exits 2 listing the functions when the name matches none', async () => {
    const failure = run(process.execPath, invokeArgs('Cuber'), { cwd: projectDirectory });
    await expect(failure).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/No function matches "Cuber"\. The functions are:\n\s+MultiSquare-/),
    });
  });

  it('exits 2 on an event that is not JSON, before starting anything', async () => {
    const { code, stderr } = await invokeWithStdin(['Squarer', '--event', '-'], '{number: 3');
    expect(code).toBe(2);
    expect(stderr).toContain('--event - (stdin): not JSON');
    expect(stderr).not.toContain('Starting the local stack');
  });
});
