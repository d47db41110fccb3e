import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatLogRecord } from '../../../core/log-record';
import type { FunctionDefinition } from '../../../core/types';
import { LocalLambdaService, MAX_SYNC_PAYLOAD_BYTES } from '../../../lambda/lambda-service';
import type { LambdaServiceOptions } from '../../../lambda/lambda-service-options';
import { FakeEnvironments, type FakeScript, functionError, success } from '../../support/fake-environment';
import { testFunction } from '../../support/function-definition';

const echo = testFunction('Echo', '/nowhere', { timeoutSeconds: 3 });
const MB = 1024 * 1024;

function startService(script: FakeScript = {}, options: Partial<LambdaServiceOptions> = {}, functions: FunctionDefinition[] = [echo]) {
  const fakes = new FakeEnvironments(() => script);
  const lines: string[] = [];
  const service = new LocalLambdaService({
    functions,
    logSink: (record) => lines.push(formatLogRecord(record)),
    createEnvironment: fakes.factory,
    ...options,
  });
  return { service, fakes, lines };
}

/** Runs the fake clock a step at a time (the service's reaper is an interval) until the promise has settled. */
async function settle<T>(promise: Promise<T>, stepMs = 50): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let elapsed = 0; !settled && elapsed < 600_000; elapsed += stepMs) await vi.advanceTimersByTimeAsync(stepMs);
  return watched;
}

const payloadOf = (value: unknown) => Buffer.from(JSON.stringify(value));

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('which function an Invoke names', () => {
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:Echo';

  it.each([['Echo'], ['Echo:$LATEST'], ['000000000000:function:Echo'], [arn], [`${arn}:$LATEST`]])(
    'finds the function by %s',
    async (name) => {
      const { service } = startService();

      await expect(settle(service.invoke(name, payloadOf({})))).resolves.toMatchObject({ executedVersion: '$LATEST' });
    },
  );

  it.each([
    ['Missing', 'arn:aws:lambda:us-east-1:000000000000:function:Missing'],
    ['Echo:2', 'arn:aws:lambda:us-east-1:000000000000:function:Echo:2'],
    ['arn:aws:lambda:eu-west-1:000000000000:function:Echo', 'arn:aws:lambda:eu-west-1:000000000000:function:Echo'],
    ['111111111111:function:Echo', 'arn:aws:lambda:us-east-1:111111111111:function:Echo'],
  ])('answers 404 ResourceNotFoundException for %s', async (name, shown) => {
    const { service } = startService();

    await expect(service.invoke(name, payloadOf({}))).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFoundException',
      message: `Function not found: ${shown}`,
    });
  });
});

describe('what an Invoke carries', () => {
  it('refuses a payload that is not JSON with 400 InvalidRequestContentException', async () => {
    const { service, fakes } = startService();

    await expect(service.invoke('Echo', Buffer.from('{nope'))).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidRequestContentException',
    });
    expect(fakes.created).toHaveLength(0);
  });

  it('refuses a synchronous payload over 6 MB, and an Event one over 1 MB, with 413', async () => {
    const { service } = startService();
    const quoted = (bytes: number) => Buffer.from(`"${'x'.repeat(bytes - 2)}"`);

    await expect(service.invoke('Echo', quoted(MAX_SYNC_PAYLOAD_BYTES + 1))).rejects.toMatchObject({
      statusCode: 413,
      message: `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
    });
    await expect(service.invoke('Echo', quoted(MB + 1), { invocationType: 'Event' })).rejects.toMatchObject({
      statusCode: 413,
      message: `Request must be smaller than ${MB} bytes for the InvokeAsync operation`,
    });
  });

  it('gives the handler an empty payload as an empty string, and the function’s ARN and timeout', async () => {
    const { service, fakes } = startService();

    await settle(service.invoke('Echo', Buffer.alloc(0)));

    expect(fakes.created[0]?.invocations[0]).toMatchObject({ payload: '', invokedFunctionArn: echo.arn, timeoutMs: 3000 });
  });

  it('runs nothing for a DryRun', async () => {
    const { service, fakes } = startService();

    const outcome = await service.invoke('Echo', payloadOf({}), { invocationType: 'DryRun' });

    expect(outcome.payload.length).toBe(0);
    expect(fakes.created).toHaveLength(0);
  });

  it('refuses a runtime other than Node.js with 502 InvalidRuntimeException', async () => {
    const python = testFunction('Py', '/nowhere', { runtime: 'python3.13' });
    const { service } = startService({}, {}, [python]);

    await expect(service.invoke('Py', payloadOf({}))).rejects.toMatchObject({ statusCode: 502, code: 'InvalidRuntimeException' });
  });

  it('returns the invocation’s log lines with LogType Tail', async () => {
    const { service } = startService({ answer: () => ({ lines: ['tail me'], result: { kind: 'success', payload: '1' } }) });

    const outcome = await settle(service.invoke('Echo', payloadOf({}), { logType: 'Tail' }));

    const tail = Buffer.from(outcome.logTail ?? '', 'base64').toString('utf8');
    expect(tail).toContain('tail me');
    expect(tail).toContain('REPORT RequestId');
  });

  it('passes the client context to the handler', async () => {
    const { service, fakes } = startService();

    await settle(service.invoke('Echo', payloadOf({}), { clientContext: '{"custom":{"a":1}}' }));

    expect(fakes.created[0]?.invocations[0]?.clientContext).toBe('{"custom":{"a":1}}');
  });
});

describe('Event invocations', () => {
  it('are accepted at once and run in the background', async () => {
    const { service, fakes } = startService({ answer: () => success('1', 500) });

    const outcome = await service.invoke('Echo', payloadOf({}), { invocationType: 'Event' });

    expect(outcome.payload.length).toBe(0);
    expect(service.pendingEvents).toBe(1);
    await settle(service.whenEventsSettled());
    expect(fakes.created[0]?.invocationCount).toBe(1);
  });

  it('are retried after a function error, and given up with a line after the retries', async () => {
    const { service, fakes, lines } = startService({ answer: () => functionError('Error', 'always') });

    await service.invoke('Echo', payloadOf({}), { invocationType: 'Event' });
    await settle(service.whenEventsSettled(), 1000);

    expect(fakes.created[0]?.invocationCount).toBe(3);
    expect(lines.find((line) => line.includes('EVENT DISCARDED'))).toContain('Error: always');
  });

  it('are answered 429 past the queue’s byte cap, with a warning, and nothing is taken', async () => {
    const cap = MB + 1024;
    const { service, lines } = startService({ answer: () => success('1', 60_000) }, { asyncInvocation: { maxQueuedBytes: cap } });
    await service.invoke('Echo', Buffer.from(`"${'x'.repeat(MB - 2)}"`), { invocationType: 'Event' });

    await expect(service.invoke('Echo', payloadOf({}), { invocationType: 'Event' })).rejects.toMatchObject({
      statusCode: 429,
      code: 'TooManyRequestsException',
    });
    expect(service.pendingEvents).toBe(1);
    expect(lines.some((line) => line.includes('the queued Event invocations hold'))).toBe(true);
  });

  it('are retried with backoff when throttled by reserved concurrency', async () => {
    const limited = testFunction('Limited', '/nowhere', { reservedConcurrency: 1 });
    const { service, fakes } = startService({ answer: () => success('1', 200) }, {}, [limited]);
    const held = service.invoke('Limited', payloadOf({}));

    await service.invoke('Limited', payloadOf({}), { invocationType: 'Event' });
    await settle(Promise.all([held, service.whenEventsSettled()]));

    expect(fakes.created.reduce((sum, environment) => sum + environment.invocationCount, 0)).toBe(2);
  });
  it('lose none of many events sent past the concurrency limit: each runs exactly once', async () => {
    const limited = testFunction('Limited', '/nowhere', { reservedConcurrency: 2 });
    const { service, fakes } = startService({ answer: () => success('1', 300) }, {}, [limited]);

    for (let index = 0; index < 30; index += 1) await service.invoke('Limited', payloadOf({ index }), { invocationType: 'Event' });
    await settle(service.whenEventsSettled(), 250);

    const payloads = fakes.created.flatMap((environment) => environment.invocations.map((request) => request.payload));
    expect(payloads.sort()).toEqual(Array.from({ length: 30 }, (_, index) => JSON.stringify({ index })).sort());
    expect(fakes.created.length).toBeLessThanOrEqual(2);
  });

  it('follow the retries of a definition replaced in watch mode, for an event already queued', async () => {
    const { service, fakes } = startService({ answer: () => functionError('Error', 'always') });
    await service.invoke('Echo', payloadOf({}), { invocationType: 'Event' });
    await vi.advanceTimersByTimeAsync(10);

    service.replaceFunction({ ...echo, asyncInvokeConfig: { maximumRetryAttempts: 0 } });
    await settle(service.whenEventsSettled(), 1000);

    // The first attempt failed under 2 retries; the second, under the replaced 0, is the last.
    expect(fakes.created.reduce((sum, environment) => sum + environment.invocationCount, 0)).toBe(2);
  });
});

describe('faults, watch mode and close', () => {
  it('injects a crash as Runtime.ExitError and a timeout as Sandbox.Timedout', async () => {
    const crash = startService({}, { faultInjection: { faults: { crash: 1 } } });
    const timeout = startService({}, { faultInjection: { faults: { timeout: 1 } } });

    const crashed = await settle(crash.service.invoke('Echo', payloadOf({})));
    const timedOut = await settle(timeout.service.invoke('Echo', payloadOf({})));

    expect(crashed.payload.toString()).toContain('Runtime.ExitError');
    expect(timedOut.payload.toString()).toContain('Sandbox.Timedout');
  });

  it('injects throttles and service errors without running the function', async () => {
    const throttle = startService({}, { faultInjection: { faults: { throttle: 1 } } });
    const failing = startService({}, { faultInjection: { faults: { serviceError: 1 } } });

    await expect(throttle.service.invoke('Echo', payloadOf({}))).rejects.toMatchObject({ statusCode: 429 });
    await expect(failing.service.invoke('Echo', payloadOf({}))).rejects.toMatchObject({ statusCode: 500, code: 'ServiceException' });
    expect([...throttle.fakes.created, ...failing.fakes.created]).toHaveLength(0);
  });

  it('draws the same faults for the same seed', async () => {
    const faults = { throttle: 0.25, serviceError: 0.25, crash: 0.25, timeout: 0.25 };
    const run = async (seed: number) => {
      const { service } = startService({}, { faultInjection: { seed, faults } });
      const kinds: string[] = [];
      for (let index = 0; index < 8; index += 1) {
        const outcome = await settle(service.invoke('Echo', payloadOf({})).catch((error: { code: string }) => error.code));
        kinds.push(typeof outcome === 'string' ? outcome : JSON.parse(outcome.payload.toString()).errorType);
      }
      return kinds;
    };

    const first = await run(7);

    expect(await run(7)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['TooManyRequestsException', 'ServiceException', 'Runtime.ExitError', 'Sandbox.Timedout']));
  });

  it('adds injected latency inside the environment, before the handler', async () => {
    const { service, fakes } = startService({}, { faultInjection: { latencyMs: 700 } });

    await settle(service.invoke('Echo', payloadOf({})));

    expect(fakes.created[0]?.invocations[0]?.extraLatencyMs).toBe(700);
  });

  it('runs new invocations on a replaced definition, the one in flight on its own', async () => {
    const { service, fakes } = startService({ answer: () => success('1', 100) });
    const inFlight = service.invoke('Echo', payloadOf({}));
    await vi.advanceTimersByTimeAsync(10);

    service.replaceFunction({ ...echo, timeoutSeconds: 7 });
    await settle(inFlight);
    await settle(service.invoke('Echo', payloadOf({})));

    expect(fakes.created.map((environment) => environment.definition.timeoutSeconds)).toEqual([3, 7]);
    expect(fakes.created[0]?.state).toBe('dead');
  });

  it('stops waiting for an environment when the caller aborts, and runs nothing for it', async () => {
    const { service, fakes } = startService({ answer: () => success('1', 1000) }, { maxEnvironments: 1 });
    const running = service.invoke('Echo', payloadOf({}));
    await vi.advanceTimersByTimeAsync(10);
    const abort = new AbortController();
    const waiting = service.invoke('Echo', payloadOf({}), { signal: abort.signal });
    await vi.advanceTimersByTimeAsync(10);

    abort.abort(new Error('caller gave up'));

    await expect(waiting).rejects.toThrow('caller gave up');
    expect(service.queuedInvocations).toBe(0);
    await settle(running);
    expect(fakes.created[0]?.invocationCount).toBe(1);
  });

  it('stops every environment on close and refuses invocations after it', async () => {
    const { service, fakes } = startService();
    await settle(service.invoke('Echo', payloadOf({})));

    await settle(service.close());

    expect(fakes.created[0]?.state).toBe('dead');
    await expect(service.invoke('Echo', payloadOf({}))).rejects.toMatchObject({ statusCode: 500, code: 'ServiceException' });
  });
});
