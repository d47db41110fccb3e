/**
 * A suppressed init on real processes: an INIT past its limit (shortened here from Lambda's 10 s
 * with `initTimeoutMs`) ends that process without failing, and the first invocation runs INIT again
 * in a new one, under its own timeout. The service's lines for it (INIT_REPORT, REPORT) are unit
 * tested on the fake environment (test/unit/lambda/lambda-service.test.ts).
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../core/types';
import { lambdaEnvironmentVariables } from '../../../lambda/environment-variables';
import { ExecutionEnvironment } from '../../../lambda/execution-environment';
import { resolveNodeBinary } from '../../../lambda/runtime/node-binary';
import { testFunction } from '../../support/function-definition';

let outdir: string;
const environments: ExecutionEnvironment[] = [];

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'suppressed-init-test-'));
  chmodSync(outdir, 0o755);
});

afterAll(async () => {
  await Promise.all(
    environments.map((environment) => {
      environment.stop();
      return environment.whenExited();
    }),
  );
  rmSync(outdir, { recursive: true, force: true });
});

/** A handler whose module takes `initMs` to load, saying so (with its pid) each time it loads. */
function slowInit(name: string, initMs: number, settings: Partial<FunctionDefinition> = {}): FunctionDefinition {
  const codeDirectory = mkdtempSync(path.join(outdir, `${name}-`));
  writeFileSync(
    path.join(codeDirectory, 'index.js'),
    `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${initMs});
console.log('init ran in', process.pid);
exports.handler = async () => ({ pid: process.pid });`,
  );
  chmodSync(codeDirectory, 0o755);
  return testFunction(name, codeDirectory, settings);
}

function environmentOf(definition: FunctionDefinition, idleLines: string[]) {
  const nodeBinary = resolveNodeBinary('nodejs24.x', () => {});
  const environment = new ExecutionEnvironment({
    definition,
    nodeBinary,
    environment: lambdaEnvironmentVariables({
      definition,
      region: 'us-east-1',
      logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
      credentials: { accessKeyId: 'TEST', secretAccessKey: 'test' },
      nodeBinary,
      runtimeModuleDirectories: [],
    }),
    onIdleOutputLine: (line) => idleLines.push(line),
    initTimeoutMs: 300,
  });
  environments.push(environment);
  return environment;
}

const invocation = (lines: string[], timeoutMs = 5000) => ({
  requestId: 'request-1',
  payload: '{}',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Slow',
  timeoutMs,
  onOutputLine: (line: string) => lines.push(line),
});

describe('an INIT past its limit', () => {
  it('is suppressed, not failed: the first invocation runs INIT again in a new process and succeeds', async () => {
    const idleLines: string[] = [];
    const environment = environmentOf(slowInit('Slow', 800), idleLines);

    const init = await environment.start();
    expect(init.kind).toBe('suppressed');
    expect(init.initDurationMs).toBeGreaterThanOrEqual(300);
    expect(init.initDurationMs).toBeLessThan(800);
    expect(environment.state).toBe('idle');
    expect(environment.pid).toBeUndefined();

    const lines: string[] = [];
    const result = await environment.invoke(invocation(lines));
    expect(result.kind).toBe('success');
    const { pid } = JSON.parse(result.kind === 'success' ? result.payload : '{}') as { pid: number };
    expect(lines.some((line) => line.includes(`init ran in ${pid}`))).toBe(true);
    expect(idleLines.some((line) => line.includes(`init ran in ${pid}`))).toBe(false);
    expect(environment.state).toBe('idle');
    // Warm from now on: INIT does not run a third time.
    const warm: string[] = [];
    expect((await environment.invoke({ ...invocation(warm), requestId: 'request-2' })).kind).toBe('success');
    expect(warm.some((line) => line.includes('init ran'))).toBe(false);
  });

  it('times the invocation out when the INIT it runs again does not fit its timeout', async () => {
    const environment = environmentOf(slowInit('TooSlow', 1500), []);

    expect((await environment.start()).kind).toBe('suppressed');
    const result = await environment.invoke(invocation([], 700));

    expect(result.kind).toBe('timeout');
    expect(await environment.whenExited()).toBe('signal: killed');
  });

  it('ends when stopped before any invocation, with no process to kill', async () => {
    const environment = environmentOf(slowInit('NeverInvoked', 800), []);

    expect((await environment.start()).kind).toBe('suppressed');
    environment.stop();

    expect(await environment.whenExited()).toBe('signal: killed');
    expect(environment.state).toBe('dead');
  });
});
