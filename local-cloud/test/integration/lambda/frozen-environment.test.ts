/**
 * Environments frozen between invocations (runtime/freezer.ts), on real processes: what only the
 * OS shows. The process and what it started are stopped (`T` in /proc) once the environment has
 * answered, and run again with the next event; a frozen environment still has its memory read,
 * its next invocation timed out, and it is ended by the idle reaper, by `stop`, and by the local
 * cloud's exit (which thaws it, so that it ends with its channel). One killed from outside while
 * frozen, or one not frozen that a stray timer ends, fails the next invocation with its exit. What the freeze does to a
 * function's timers and writes is in the conformance suite (corpus-freeze.ts).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition, InvokeOutcome } from '../../../core/types';
import { type LambdaServiceOptions, LocalLambdaService } from '../../../lambda/lambda-service';
import { residentMemoryMb } from '../../../lambda/runtime/runtime-limits';
import { testFunction } from '../../support/function-definition';

let outdir: string;
const services: LocalLambdaService[] = [];

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'frozen-environment-test-'));
  // Readable by the unprivileged user environments run as when the tests run as root.
  chmodSync(outdir, 0o755);
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
  rmSync(outdir, { recursive: true, force: true });
});

function inlineFunction(name: string, source: string, settings: Partial<FunctionDefinition> = {}): FunctionDefinition {
  const codeDirectory = mkdtempSync(path.join(outdir, `${name}-`));
  writeFileSync(path.join(codeDirectory, 'index.js'), source);
  chmodSync(codeDirectory, 0o755);
  return testFunction(name, codeDirectory, settings);
}

function startService(definition: FunctionDefinition, options: Omit<LambdaServiceOptions, 'functions' | 'logSink'> = {}) {
  const service = new LocalLambdaService({ functions: [definition], logSink: () => undefined, ...options });
  services.push(service);
  const invoke = (event: unknown = {}) => service.invoke(definition.name, Buffer.from(JSON.stringify(event)));
  return { service, invoke };
}

/** The state letter of /proc/<pid>/stat (`T`: stopped), or `gone`. */
function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}

const json = (outcome: InvokeOutcome) => JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown>;

async function until(condition: () => boolean, limitMs = 5000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** A handler that starts a child process once, reports its own pid and the child's, and hangs when asked. */
const withChild = `const { spawn } = require('node:child_process');
let child;
exports.handler = async (event) => {
  child ??= spawn('sleep', ['30'], { stdio: 'ignore' });
  if (event.hang) await new Promise(() => {});
  return { pid: process.pid, child: child.pid, state: require('node:fs').readFileSync('/proc/self/stat', 'utf8').split(') ')[1][0] };
};`;

describe.runIf(process.platform === 'linux')('an environment frozen between invocations', () => {
  it('stops its process and what it started once it has answered, and runs them again with the next event', async () => {
    const { invoke } = startService(inlineFunction('Frozen', withChild));
    const first = json(await invoke());
    const [pid, child] = [Number(first.pid), Number(first.child)];

    expect(first.state).toBe('R');
    expect(await until(() => stateOf(pid) === 'T' && stateOf(child) === 'T')).toBe(true);
    const second = json(await invoke());
    expect(second).toMatchObject({ pid, child, state: 'R' });
    expect(await until(() => stateOf(pid) === 'T' && stateOf(child) === 'T')).toBe(true);
  });

  it('is not frozen when its next event is sent as it answers (an invocation waited for it), and is frozen when none is', async () => {
    // A function that listens for SIGCONT sees each thaw (FIDELITY.md): the count tells the freezes.
    const definition = inlineFunction(
      'FrozenHandover',
      `let thaws = 0;
process.on('SIGCONT', () => { thaws += 1; });
exports.handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { thaws };
};`,
    );
    // One environment: the second invocation waits for the first's, and gets it as it answers.
    const { invoke } = startService(definition, { maxEnvironments: 1 });
    const [first, second] = await Promise.all([invoke(), invoke()]);
    // Frozen after INIT, thawed by the first event; not frozen between the two.
    expect(json(first).thaws).toBe(1);
    expect(json(second).thaws).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Nothing waited when the second answered: frozen, and thawed by the third.
    expect(json(await invoke()).thaws).toBe(2);
  });

  it('leaves it running with freezeWhenIdle: false (npm start --no-freeze-when-idle)', async () => {
    const { invoke } = startService(inlineFunction('Thawed', withChild), { freezeWhenIdle: false });
    const first = json(await invoke());

    expect(stateOf(Number(first.pid))).not.toBe('T');
    expect(stateOf(Number(first.child))).not.toBe('T');
  });

  it('reads the memory of a frozen process, and times out its next invocation, ending it and its child', async () => {
    const { service, invoke } = startService(inlineFunction('FrozenTimeout', withChild, { timeoutSeconds: 1 }));
    const first = json(await invoke());
    const [pid, child] = [Number(first.pid), Number(first.child)];
    expect(await until(() => stateOf(pid) === 'T')).toBe(true);
    expect(residentMemoryMb(pid)?.peakMb).toBeGreaterThan(0);

    const timedOut = await invoke({ hang: true });
    expect(json(timedOut)).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(await until(() => stateOf(pid) === 'gone' && stateOf(child) === 'gone')).toBe(true);
    expect(service.environmentCount('FrozenTimeout')).toBe(0);
  });

  it('is ended, with what it started, by the idle reaper and by close', async () => {
    const reaped = startService(inlineFunction('FrozenReaped', withChild), { idleEnvironmentTtlMs: 1500 });
    const closed = startService(inlineFunction('FrozenClosed', withChild));
    const a = json(await reaped.invoke());
    expect(await until(() => stateOf(Number(a.pid)) === 'T')).toBe(true);
    const b = json(await closed.invoke());
    expect(await until(() => stateOf(Number(b.pid)) === 'T')).toBe(true);

    await closed.service.close();
    expect(await until(() => stateOf(Number(a.pid)) === 'gone' && stateOf(Number(a.child)) === 'gone')).toBe(true);
    expect(stateOf(Number(b.pid))).toBe('gone');
    expect(await until(() => stateOf(Number(b.child)) === 'gone')).toBe(true);
  });

  it('killed from outside while frozen, fails the next invocation with its signal, then is replaced', async () => {
    const { service, invoke } = startService(inlineFunction('FrozenKilled', withChild));
    const first = json(await invoke());
    const pid = Number(first.pid);
    expect(await until(() => stateOf(pid) === 'T')).toBe(true);
    process.kill(pid, 'SIGKILL');
    expect(await until(() => stateOf(pid) === 'gone')).toBe(true);

    const failed = await invoke();
    expect(json(failed)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${failed.requestId} Error: Runtime exited with error: signal: killed`,
    });
    const next = json(await invoke());
    expect(next.pid).not.toBe(pid);
    expect(service.environmentCount('FrozenKilled')).toBe(1);
  });

  it('with freezeWhenIdle: false, a process.exit left in a timer kills it while idle, and the next invocation fails with its exit', async () => {
    const source = `exports.handler = async (event) => {
  if (event.leave) setTimeout(() => process.exit(1), 50);
  return { pid: process.pid };
};`;
    const { invoke } = startService(inlineFunction('ThawedExit', source), { freezeWhenIdle: false });
    const pid = Number(json(await invoke({ leave: true })).pid);
    expect(await until(() => stateOf(pid) === 'gone')).toBe(true);

    const failed = await invoke();
    expect(json(failed)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${failed.requestId} Error: Runtime exited with error: exit status 1`,
    });
    expect(json(await invoke()).pid).not.toBe(pid);
  });

  it('is thawed when the local cloud exits without closing it, so that it ends with its channel', async () => {
    const definition = inlineFunction('FrozenOrphan', 'exports.handler = async () => ({ pid: process.pid });');
    const script = path.join(outdir, 'exit-while-frozen.mts');
    const service = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../lambda/lambda-service.ts');
    writeFileSync(
      script,
      `import { LocalLambdaService } from ${JSON.stringify(service)};
const service = new LocalLambdaService({ functions: [${JSON.stringify(definition)}], logSink: () => undefined });
const outcome = await service.invoke(${JSON.stringify(definition.name)}, Buffer.from('{}'));
console.log(outcome.payload.toString('utf8'));
process.exit(0);`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    await new Promise((resolve) => child.on('close', resolve));
    const { pid } = JSON.parse(output) as { pid: number };
    try {
      expect(await until(() => stateOf(pid) === 'gone')).toBe(true);
    } finally {
      if (stateOf(pid) !== 'gone') process.kill(pid, 'SIGKILL');
    }
  });
  it('is thawed with the child it started after the guard first heard of it, when the local cloud is killed with SIGKILL', async () => {
    // The guard is told an environment's processes at their first freeze and again only when they
    // change: the child started in the second invocation must be thawed too.
    const definition = inlineFunction(
      'FrozenKilled',
      `const { spawn } = require('node:child_process');
let child;
exports.handler = async (event) => {
  if (event.spawn) child ??= spawn('sleep', ['30'], { stdio: 'ignore' });
  return { pid: process.pid, child: child?.pid };
};`,
    );
    const script = path.join(outdir, 'killed-while-frozen.mts');
    const service = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../lambda/lambda-service.ts');
    writeFileSync(
      script,
      `import { LocalLambdaService } from ${JSON.stringify(service)};
const service = new LocalLambdaService({ functions: [${JSON.stringify(definition)}], logSink: () => undefined });
const invoke = (event) => service.invoke(${JSON.stringify(definition.name)}, Buffer.from(JSON.stringify(event)));
await invoke({});
await invoke({});
const outcome = await invoke({ spawn: true });
console.log(outcome.payload.toString('utf8'));
setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100);`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    await new Promise((resolve) => child.on('close', resolve));
    const { pid, child: grandchild } = JSON.parse(output) as { pid: number; child: number };
    try {
      expect(await until(() => stateOf(pid) === 'gone')).toBe(true);
      expect(await until(() => stateOf(grandchild) !== 'T')).toBe(true);
    } finally {
      for (const stray of [pid, grandchild]) if (stateOf(stray) !== 'gone') process.kill(stray, 'SIGKILL');
    }
  });
});
