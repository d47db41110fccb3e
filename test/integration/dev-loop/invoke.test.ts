/**
 * `npm run invoke`: one function of the real app's assembly (synthesized once for the run), with
 * its event from a file, from stdin, or built as the HTTP API's payload 2.0 event (`--http`).
 * Each call starts a stack for itself and stops it: in process (`runInvoke(argv, io)`, its streams
 * captured), and once as the real process `npm run invoke` is, with its event on stdin. Its usage
 * errors, which start nothing, are unit tests (local-cloud/test/unit/cli/invoke-command.test.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runInvoke } from '../../../local-cloud/cli/invoke-command';
import { projectDirectory } from './support/processes';

// Each step starts a stack (and its functions' processes) on a machine the whole suite shares.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

/** `npm run invoke -- --assembly <cdkOut> ...args` in process: its exit status and what it wrote. */
async function invoke(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runInvoke(['--assembly', cdkOut, ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    readStdin: () => '',
    cwd: projectDirectory,
  });
  return { code, stdout, stderr };
}
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
    const { code, stdout, stderr } = await invoke('Squarer', '--event', event);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { number: number; result: number; processName: string };
    expect(result).toMatchObject({ number: 7, result: 49 });
    // The process name is the invocation's request ID, the one its log shows.
    expect(stderr).toContain(`START RequestId: ${result.processName}`);
    expect(stderr).toContain(`END RequestId: ${result.processName}`);
    expect(stderr).toMatch(new RegExp(`REPORT RequestId: ${result.processName}\\tDuration: [0-9.]+ ms`));
  });

  it('reads the event from stdin with --event -, as a real process', async () => {
    const { code, stdout } = await invokeWithStdin(['squarer', '--event', '-'], '{"number":"123456789012345678901234567890"}');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ result: (123456789012345678901234567890n ** 2n).toString() });
  });

  it('builds the payload 2.0 event of an HTTP request with --http and --body', async () => {
    const { stdout, stderr } = await invoke('Coordinator', '--http', 'POST /square', '--body', '{"numbers":[2,3]}');
    const response = JSON.parse(stdout) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect((JSON.parse(response.body) as { results: { result: number }[] }).results.map((r) => r.result)).toEqual([4, 9]);
    expect(stderr).toMatch(/REPORT RequestId: \S+\tDuration/);
  });

  it('says which routes a function has when --http names another', async () => {
    const failure = await invoke('Coordinator', '--http', 'GET /nowhere');
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('GET /nowhere matches no route of') });
  });

  it('exits 2 listing the functions when the name matches none', async () => {
    const failure = await invoke('Cuber');
    expect(failure).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/No function matches "Cuber"\. The functions are:\n\s+MultiSquare-/),
    });
  });
});
