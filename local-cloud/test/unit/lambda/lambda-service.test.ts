import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatLogRecord } from '../../../core/log-record';
import type { FunctionDefinition, InvokeOutcome } from '../../../core/types';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import type { LambdaServiceOptions } from '../../../lambda/lambda-service-options';
import { exit, FakeEnvironments, type FakeScript, functionError, hang, success } from '../../support/fake-environment';
import { testFunction } from '../../support/function-definition';

const echo = testFunction('Echo', '/nowhere', { timeoutSeconds: 3 });

function startService(
  scripts: Record<string, FakeScript> = {},
  options: Partial<LambdaServiceOptions> = {},
  functions: FunctionDefinition[] = [echo],
) {
  const fakes = new FakeEnvironments((definition) => scripts[definition.name] ?? {});
  const lines: string[] = [];
  const service = new LocalLambdaService({
    functions,
    logSink: (record) => lines.push(formatLogRecord(record)),
    createEnvironment: fakes.factory,
    ...options,
  });
  return { service, fakes, lines };
}

/** Runs the fake clock, 50 ms at a time (the service's reaper is an interval), until the promise has settled. */
async function settle<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let elapsed = 0; !settled && elapsed < 120_000; elapsed += 50) await vi.advanceTimersByTimeAsync(50);
  return watched;
}

const payloadOf = (value: unknown) => Buffer.from(JSON.stringify(value));
const documentOf = (outcome: InvokeOutcome) => JSON.parse(outcome.payload.toString('utf8')) as { errorType: string; errorMessage: string };
const reportsOf = (lines: readonly string[]) => lines.filter((line) => line.startsWith('[Echo] REPORT'));

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LocalLambdaService on fake environments', () => {
  it('answers the handler’s result, with START, its lines, END and REPORT in order', async () => {
    const { service, lines } = startService({
      Echo: { answer: () => ({ lines: ['hello'], result: { kind: 'success', payload: '{"ok":true}' } }) },
    });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(outcome.functionError).toBeUndefined();
    expect(outcome.payload.toString()).toBe('{"ok":true}');
    expect(lines.map((line) => line.split(/[ \t]/)[1])).toEqual(['INIT_START', 'START', 'hello', 'END', 'REPORT']);
  });

  it('reuses the warm environment: one INIT_START, and Init Duration on the cold start’s REPORT only', async () => {
    const { service, fakes, lines } = startService({ Echo: { initMs: 250 } });

    await settle(service.invoke('Echo', payloadOf({})));
    await settle(service.invoke('Echo', payloadOf({})));

    expect(fakes.created).toHaveLength(1);
    expect(lines.filter((line) => line.includes('INIT_START'))).toHaveLength(1);
    const [cold, warm] = reportsOf(lines);
    expect(cold).toContain('Init Duration: 250.00 ms');
    expect(warm).not.toContain('Init Duration');
  });

  it('maps a function error to Unhandled with the runtime’s document, and keeps the environment', async () => {
    const { service, fakes } = startService({ Echo: { answer: () => functionError('RangeError', 'too big') } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(outcome.functionError).toBe('Unhandled');
    expect(documentOf(outcome)).toEqual({ errorType: 'RangeError', errorMessage: 'too big', trace: [] });
    expect(service.environmentCount('Echo')).toBe(1);
    expect(fakes.created[0]?.state).toBe('idle');
  });

  it('ends an invocation at the function timeout with Sandbox.Timedout, and replaces the environment', async () => {
    const { service, fakes, lines } = startService({ Echo: { answer: () => hang() } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(documentOf(outcome)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${outcome.requestId} Error: Task timed out after 3.00 seconds`,
    });
    expect(lines.some((line) => line.endsWith(`${outcome.requestId} Task timed out after 3.00 seconds`))).toBe(true);
    expect(service.environmentCount('Echo')).toBe(0);
    await settle(service.invoke('Echo', payloadOf({})));
    expect(fakes.created).toHaveLength(2);
  });

  it('times out at the function’s own timeout, not before', async () => {
    const { service } = startService({ Echo: { answer: () => success('"late"', 2999) } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(outcome.payload.toString()).toBe('"late"');
  });

  it('answers Runtime.ExitError when the process exits mid-invocation, and starts afresh next time', async () => {
    const { service, fakes, lines } = startService({ Echo: { answer: () => exit('exit status 3') } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    const message = `RequestId: ${outcome.requestId} Error: Runtime exited with error: exit status 3`;
    expect(documentOf(outcome)).toEqual({ errorType: 'Runtime.ExitError', errorMessage: message });
    expect(lines).toContain(`[Echo] ${message}`);
    expect(lines).toContain('[Echo] Runtime.ExitError');
    await settle(service.invoke('Echo', payloadOf({})));
    expect(fakes.created).toHaveLength(2);
  });

  it('fails the next invocation of an environment that died while idle with its exit, then cold-starts a new one', async () => {
    const { service, fakes, lines } = startService();
    await settle(service.invoke('Echo', payloadOf({})));
    fakes.created[0]?.exitNow('exit status 1');

    const failed = await settle(service.invoke('Echo', payloadOf({})));

    const message = `RequestId: ${failed.requestId} Error: Runtime exited with error: exit status 1`;
    expect(documentOf(failed)).toEqual({ errorType: 'Runtime.ExitError', errorMessage: message });
    expect(lines).toContain(`[Echo] ${message}`);
    expect(fakes.created).toHaveLength(1);
    const next = await settle(service.invoke('Echo', payloadOf({ n: 2 })));
    expect(next.functionError).toBeUndefined();
    expect(fakes.created).toHaveLength(2);
  });

  // Lambda's troubleshooting page: "your function exits before all Promises are settled".
  it('answers Runtime.NodeJsExit when the process exits with status 0 before answering', async () => {
    const { service, lines } = startService({ Echo: { answer: () => exit('exit status 0') } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    const message = `RequestId: ${outcome.requestId} Error: Runtime exited with error: exit status 0`;
    expect(documentOf(outcome)).toEqual({ errorType: 'Runtime.NodeJsExit', errorMessage: message });
    expect(lines).toContain('[Echo] Runtime.NodeJsExit');
  });

  it('answers Runtime.OutOfMemory for an environment ended over its memory size', async () => {
    const { service } = startService({ Echo: { answer: () => ({ result: { kind: 'out-of-memory', description: 'signal: killed' } }) } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(documentOf(outcome).errorType).toBe('Runtime.OutOfMemory');
  });

  it('answers an INIT error as the invocation’s error, bills its Init Duration, and drops that environment', async () => {
    const error = { errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module 'index'", trace: [] };
    const { service, lines } = startService({ Echo: { initMs: 120, initError: error } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(outcome.functionError).toBe('Unhandled');
    expect(documentOf(outcome)).toEqual(error);
    expect(reportsOf(lines)[0]).toContain('Init Duration: 120.00 ms');
    expect(service.environmentCount('Echo')).toBe(0);
  });

  it('answers Runtime.ExitError when the process dies during INIT', async () => {
    const { service } = startService({ Echo: { initExit: 'exit status 1' } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(documentOf(outcome)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: 'Runtime exited with error: exit status 1',
      trace: [],
    });
  });

  it('suppresses an INIT past 10 s: INIT_REPORT says timeout, and INIT runs again inside the first invocation, which succeeds', async () => {
    const slow = testFunction('Echo', '/nowhere', { timeoutSeconds: 30 });
    const { service, fakes, lines } = startService({ Echo: { initMs: 12_000 } }, {}, [slow]);

    const outcome = await settle(service.invoke('Echo', payloadOf({ n: 1 })));

    expect(outcome.functionError).toBeUndefined();
    expect(outcome.payload.toString()).toBe('{"n":1}');
    expect(fakes.created).toHaveLength(1);
    expect(lines.map((line) => line.split(/[ \t]/)[1])).toEqual(['INIT_START', 'INIT_REPORT', 'START', 'END', 'REPORT']);
    expect(lines[1]).toBe('[Echo] INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout');
    // The INIT run again is the invocation's: in its Duration, and no Init Duration.
    const [report] = reportsOf(lines);
    expect(report).toMatch(/\tDuration: 1200\d\.\d\d ms\tBilled Duration: 1200\d ms/);
    expect(report).not.toContain('Init Duration');
    expect(service.environmentCount('Echo')).toBe(1);
  });

  it('times out the first invocation when the INIT it runs again does not fit the function’s timeout', async () => {
    const { service, lines } = startService({ Echo: { initMs: 60_000 } });

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(documentOf(outcome).errorType).toBe('Sandbox.Timedout');
    expect(lines.some((line) => line.includes('INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout'))).toBe(true);
    expect(service.environmentCount('Echo')).toBe(0);
  });

  it('answers the error of an INIT run again that fails, and drops that environment', async () => {
    const error = { errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module 'index'", trace: [] };
    const slow = testFunction('Echo', '/nowhere', { timeoutSeconds: 30 });
    const { service } = startService({ Echo: { initMs: 12_000, initError: error } }, {}, [slow]);

    const outcome = await settle(service.invoke('Echo', payloadOf({})));

    expect(documentOf(outcome)).toEqual(error);
    expect(service.environmentCount('Echo')).toBe(0);
  });

  it('writes the suppressed INIT as a platform.initReport record with the JSON log format', async () => {
    const slow = testFunction('Echo', '/nowhere', { timeoutSeconds: 30, loggingConfig: { logFormat: 'JSON' } });
    const { service, lines } = startService({ Echo: { initMs: 11_000 } }, {}, [slow]);

    await settle(service.invoke('Echo', payloadOf({})));

    const initReport = lines.find((line) => line.includes('platform.initReport')) ?? '';
    expect(JSON.parse(initReport.slice(initReport.indexOf('{')))).toMatchObject({
      type: 'platform.initReport',
      record: { initializationType: 'on-demand', phase: 'init', status: 'timeout', metrics: { durationMs: 10_000 } },
    });
  });

  it('throttles beyond a function’s reserved concurrency with 429 and its reason', async () => {
    const limited = testFunction('Limited', '/nowhere', { reservedConcurrency: 1 });
    const { service } = startService({ Limited: { answer: () => success('1', 100) } }, {}, [limited]);
    const first = service.invoke('Limited', payloadOf({}));

    await expect(service.invoke('Limited', payloadOf({}))).rejects.toMatchObject({
      statusCode: 429,
      code: 'TooManyRequestsException',
      extra: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });
    await settle(first);
  });

  it('throttles beyond the account concurrency with ConcurrentInvocationLimitExceeded, and admits again once one ends', async () => {
    const { service } = startService({ Echo: { answer: () => success('1', 100) } }, { concurrencyLimit: 2 });
    const running = [service.invoke('Echo', payloadOf({})), service.invoke('Echo', payloadOf({}))];

    await expect(service.invoke('Echo', payloadOf({}))).rejects.toMatchObject({ extra: { Reason: 'ConcurrentInvocationLimitExceeded' } });
    await settle(Promise.all(running));
    await expect(settle(service.invoke('Echo', payloadOf({})))).resolves.toBeDefined();
  });

  it('keeps counting an abandoned invocation against concurrency until the function ends', async () => {
    const limited = testFunction('Limited', '/nowhere', { reservedConcurrency: 1 });
    const { service } = startService({ Limited: { answer: () => success('1', 1000) } }, {}, [limited]);
    const abort = new AbortController();
    const abandoned = service.invoke('Limited', payloadOf({}), { signal: abort.signal });
    await vi.advanceTimersByTimeAsync(10);
    abort.abort(new Error('caller gave up'));
    await expect(abandoned).rejects.toThrow('caller gave up');

    await expect(service.invoke('Limited', payloadOf({}))).rejects.toMatchObject({ statusCode: 429 });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(settle(service.invoke('Limited', payloadOf({})))).resolves.toBeDefined();
  });

  it('queues invocations beyond the local budget, warns once, and writes QUEUED after the waiter’s REPORT', async () => {
    const { service, fakes, lines } = startService({ Echo: { answer: () => success('1', 100) } }, { maxEnvironments: 1 });

    await settle(Promise.all([service.invoke('Echo', payloadOf({})), service.invoke('Echo', payloadOf({}))]));

    expect(fakes.created).toHaveLength(1);
    expect(lines.filter((line) => line.includes('all 1 execution environments of the local resource budget are in use'))).toHaveLength(1);
    const queued = lines.findIndex((line) => line.startsWith('[Echo] QUEUED'));
    expect(queued).toBe(lines.findLastIndex((line) => line.startsWith('[Echo] REPORT')) + 1);
  });

  it('stops an idle environment of another function to make room for a waiter', async () => {
    const other = testFunction('Other', '/nowhere');
    const { service, fakes } = startService({}, { maxEnvironments: 1 }, [echo, other]);
    await settle(service.invoke('Other', payloadOf({})));

    await settle(service.invoke('Echo', payloadOf({})));

    expect(fakes.created.map((environment) => [environment.definition.name, environment.state])).toEqual([
      ['Other', 'dead'],
      ['Echo', 'idle'],
    ]);
  });

  it('stops idle environments after the idle TTL', async () => {
    const { service } = startService({}, { idleEnvironmentTtlMs: 1000 });
    await settle(service.invoke('Echo', payloadOf({})));
    expect(service.environmentCount('Echo')).toBe(1);

    await vi.advanceTimersByTimeAsync(2000);

    expect(service.environmentCount('Echo')).toBe(0);
  });
});
