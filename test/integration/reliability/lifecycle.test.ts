/**
 * `npm start` as IDEs and process managers run it: stopped by a signal to npm or to node, or by
 * npm dying outright, it leaves no process, no bound port and no state file; two stacks in one
 * folder keep a state file each, and `npm run square` (its command, in process) says which to choose.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type LocalStackEndpoints, readRunningLocalStack, signedFetch } from '@multi-square/local-cloud';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { privateRoot, RUNTIME_DIRECTORY_VARIABLE } from '../../../local-cloud/lambda/runtime/private-root';
import { CodeStage, STAGING_DIRECTORY_PREFIX } from '../../../local-cloud/lambda/runtime/task-root';
import { STACKS_DIRECTORY_VARIABLE } from '../../../local-cloud/stack/local-stack-state';
import { squareInProcess } from '../../support/square-in-process';
import { projectDirectory } from './support/local-square-api';

// State files of their own, so that other suites' `npm run square` never finds these stacks.
const stacksDirectory = mkdtempSync(path.join(os.tmpdir(), 'lifecycle-stacks-'));
process.env[STACKS_DIRECTORY_VARIABLE] = stacksDirectory;
// A private root of their own (LOCAL_CLOUD_RUNTIME_DIR) for their staged code: every local stack
// that other suites start meanwhile removes the abandoned stages it finds in its own, and would
// race this file's checks of what a killed stack leaves. Inside the shared private root, so that no
// folder above it is writable by another user; searchable by the users functions run as.
const temporaryDirectory = mkdtempSync(path.join(privateRoot(), 'lifecycle-tmp-'));
chmodSync(temporaryDirectory, 0o711);
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(stacksDirectory, { recursive: true, force: true });
  rmSync(temporaryDirectory, { recursive: true, force: true });
});

interface RunningStart {
  readonly npm: ChildProcess;
  readonly endpoints: LocalStackEndpoints;
  readonly stateFile: string;
  readonly output: () => string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stateFiles(): string[] {
  return existsSync(stacksDirectory) ? readdirSync(stacksDirectory).filter((name) => name.endsWith('.json')) : [];
}

/** `npm start` on free ports, serving the assembly the test run synthesized; resolves once its state file is written. */
async function npmStart(): Promise<RunningStart> {
  const before = new Set(stateFiles());
  const npm = spawn('npm', ['start', '--silent', '--', '--http-port', '0', '--lambda-port', '0', '--assembly', inject('cdkOut')], {
    cwd: projectDirectory,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', [RUNTIME_DIRECTORY_VARIABLE]: temporaryDirectory },
  });
  started.push(npm);
  let output = '';
  npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  for (let waited = 0; waited < 60_000; waited += 100) {
    const fresh = stateFiles().find((name) => !before.has(name));
    if (fresh !== undefined && output.includes('Local cloud ready')) {
      const stateFile = path.join(stacksDirectory, fresh);
      return { npm, endpoints: JSON.parse(readFileSync(stateFile, 'utf8')) as LocalStackEndpoints, stateFile, output: () => output };
    }
    if (npm.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`npm start did not come up:\n${output}`);
}

/** The process IDs of every descendant of `pid` (the execution environments, for a stack). */
function descendantsOf(pid: number): number[] {
  const table = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of table.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const walk = (current: number) => {
    for (const child of children.get(current) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** The staged code directories of the stack served by `pid`. */
function stagesOf(pid: number): string[] {
  return readdirSync(temporaryDirectory).filter((name) => name.startsWith(`${STAGING_DIRECTORY_PREFIX}${pid}-`));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** One squaring through the stack, so that environments (coordinator and squarer) exist. */
async function squareOnce(endpoints: LocalStackEndpoints): Promise<void> {
  const response = await signedFetch(
    `${endpoints.httpApiUrl}/square`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"numbers":[3]}' },
    { region: endpoints.region, ...(endpoints.credentials ? { credentials: endpoints.credentials } : {}) },
  );
  expect(response.status).toBe(200);
}

/** Waits until the stack's node, its environments, its ports and its state file are all gone. */
async function expectNothingLeft(stack: RunningStart, environments: readonly number[]): Promise<void> {
  const { endpoints } = stack;
  const ports = [new URL(endpoints.httpApiUrl ?? endpoints.lambdaUrl).port, new URL(endpoints.lambdaUrl).port].map(Number);
  let left: string[] = [];
  for (let waited = 0; waited < 15_000; waited += 100) {
    left = [
      ...(isAlive(endpoints.pid) ? [`node ${endpoints.pid}`] : []),
      ...environments.filter(isAlive).map((pid) => `environment ${pid}`),
      ...(await Promise.all(ports.map(async (port) => ((await portIsFree(port)) ? [] : [`port ${port}`])))).flat(),
      ...(existsSync(stack.stateFile) ? [stack.stateFile] : []),
      ...stagesOf(endpoints.pid),
    ];
    if (left.length === 0) return;
    await sleep(100);
  }
  throw new Error(`left behind: ${left.join(', ')}\n${stack.output()}`);
}

describe('stopping npm start', () => {
  it.each([
    ['SIGTERM to npm', 'npm', 'SIGTERM'],
    ['SIGKILL to npm', 'npm', 'SIGKILL'],
    ['SIGINT to node', 'node', 'SIGINT'],
    ['SIGHUP to node', 'node', 'SIGHUP'],
  ] as const)('%s leaves no process, port or state file', async (_name, target, signal) => {
    const stack = await npmStart();
    // Nothing between npm and node: node is npm's own child.
    expect(descendantsOf(stack.npm.pid ?? 0)[0]).toBe(stack.endpoints.pid);
    await squareOnce(stack.endpoints);
    const environments = descendantsOf(stack.endpoints.pid);
    expect(environments.length).toBeGreaterThanOrEqual(2);
    expect(stagesOf(stack.endpoints.pid)).toHaveLength(1);
    process.kill(target === 'npm' ? (stack.npm.pid ?? 0) : stack.endpoints.pid, signal);
    await expectNothingLeft(stack, environments);
  });

  it('SIGKILL to node: its environments exit with it, and its state file is cleared by the next reader', async () => {
    const stack = await npmStart();
    await squareOnce(stack.endpoints);
    const environments = descendantsOf(stack.endpoints.pid);
    process.kill(stack.endpoints.pid, 'SIGKILL');
    for (let waited = 0; waited < 10_000 && environments.some(isAlive); waited += 100) await sleep(100);
    expect(environments.filter(isAlive)).toEqual([]);
    expect(existsSync(stack.stateFile)).toBe(true);
    expect(await readRunningLocalStack(projectDirectory, String(stack.endpoints.pid)).catch(() => undefined)).toBeUndefined();
    expect(existsSync(stack.stateFile)).toBe(false);
    // Its staged code could not be removed by a killed process: the next stack to start removes it.
    expect(stagesOf(stack.endpoints.pid)).toHaveLength(1);
    new CodeStage(temporaryDirectory).remove();
    expect(stagesOf(stack.endpoints.pid)).toEqual([]);
  });
});

describe('two stacks in one folder', () => {
  it('each keeps its own state file; npm run square says which to choose, and uses the one left', async () => {
    const first = await npmStart();
    const second = await npmStart();
    expect(first.stateFile).not.toBe(second.stateFile);
    expect(existsSync(first.stateFile) && existsSync(second.stateFile)).toBe(true);

    const ambiguous = await squareInProcess(['2'], { LOCAL_CLOUD_STACK: '' });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(`LOCAL_CLOUD_STACK=${first.endpoints.pid}`);
    expect(ambiguous.stderr).toContain(`LOCAL_CLOUD_STACK=${second.endpoints.pid}`);

    const chosen = await squareInProcess(['--json', '2'], { LOCAL_CLOUD_STACK: String(second.endpoints.pid) });
    expect(chosen.code).toBe(0);
    expect(JSON.parse(chosen.stdout)).toMatchObject({ results: [{ number: 2, result: 4 }] });

    process.kill(first.endpoints.pid, 'SIGTERM');
    await expectNothingLeft(first, []);
    expect(existsSync(second.stateFile)).toBe(true);
    const remaining = await readRunningLocalStack(projectDirectory, '');
    expect(remaining?.pid).toBe(second.endpoints.pid);

    process.kill(second.endpoints.pid, 'SIGTERM');
    await expectNothingLeft(second, []);
  });
});
