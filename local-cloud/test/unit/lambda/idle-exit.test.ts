/**
 * Work a handler leaves running after its answer that ends the process (a timer's `process.exit`,
 * a promise rejected late), on fake environments. Frozen between invocations (the default, as on
 * Lambda), it runs only when the next event thaws the environment, and that invocation fails with
 * the exit. An environment that dies while idle (not frozen, or frozen and killed from outside)
 * still takes the next invocation routed to it, which fails with its exit (`Environment.diedIdle`);
 * either way it is then replaced.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatLogRecord } from '../../../core/log-record';
import type { InvokeOutcome } from '../../../core/types';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { FakeEnvironments, type FakeScript, success } from '../../support/fake-environment';
import { testFunction } from '../../support/function-definition';

const echo = testFunction('Echo', '/nowhere', { timeoutSeconds: 3 });

/** The first invocation answers and leaves a timer that exits the process 50 ms later; the others take 100 ms. */
const leavesAnExit = (freezeWhenIdle?: boolean): FakeScript => ({
  ...(freezeWhenIdle === undefined ? {} : { freezeWhenIdle }),
  answer: (request, environment) =>
    environment.invocationCount === 1
      ? { result: { kind: 'success', payload: '"answered"' }, exitAfterAnswer: { afterMs: 50, description: 'exit status 1' } }
      : success(request.payload, 100),
});

function startService(script: FakeScript) {
  const fakes = new FakeEnvironments(() => script);
  const lines: string[] = [];
  const service = new LocalLambdaService({
    functions: [echo],
    logSink: (record) => lines.push(formatLogRecord(record)),
    createEnvironment: fakes.factory,
  });
  const invoke = (n: number) => settle(service.invoke('Echo', Buffer.from(JSON.stringify({ n }))));
  return { service, fakes, lines, invoke };
}

/** Runs the fake clock, 10 ms at a time, until the promise has settled. */
async function settle<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  for (let elapsed = 0; !settled && elapsed < 60_000; elapsed += 10) await vi.advanceTimersByTimeAsync(10);
  return watched;
}

const exitDocument = (outcome: InvokeOutcome) => ({
  errorType: 'Runtime.ExitError',
  errorMessage: `RequestId: ${outcome.requestId} Error: Runtime exited with error: exit status 1`,
});

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('an exit left running after the answer', () => {
  it('frozen, does not run while idle: the next invocation thaws it and fails with Runtime.ExitError; a new environment serves the one after', async () => {
    const { fakes, lines, invoke } = startService(leavesAnExit());
    expect((await invoke(1)).payload.toString()).toBe('"answered"');
    await vi.advanceTimersByTimeAsync(5000);
    expect(fakes.created[0]?.state).toBe('idle');
    expect(fakes.created[0]?.diedIdle).toBe(false);

    const failed = await invoke(2);

    expect(JSON.parse(failed.payload.toString())).toEqual(exitDocument(failed));
    expect(lines).toContain(`[Echo] RequestId: ${failed.requestId} Error: Runtime exited with error: exit status 1`);
    const next = await invoke(3);
    expect(next.functionError).toBeUndefined();
    expect(fakes.created).toHaveLength(2);
  });

  it('not frozen (--no-freeze-when-idle), kills the idle environment: the next invocation routed to it fails with the exit at once, then it is replaced', async () => {
    const { fakes, invoke } = startService(leavesAnExit(false));
    await invoke(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(fakes.created[0]?.state).toBe('dead');
    expect(fakes.created[0]?.diedIdle).toBe(true);

    const failed = await invoke(2);

    expect(JSON.parse(failed.payload.toString())).toEqual(exitDocument(failed));
    expect(fakes.created[0]?.invocations).toHaveLength(2);
    expect(fakes.created[0]?.diedIdle).toBe(false);
    const next = await invoke(3);
    expect(next.functionError).toBeUndefined();
    expect(fakes.created).toHaveLength(2);
  });
});

describe('a frozen environment killed from outside while idle', () => {
  it('fails the next invocation routed to it with its signal, then is replaced', async () => {
    const { fakes, invoke } = startService({});
    await invoke(1);
    fakes.created[0]?.exitNow('signal: killed');
    expect(fakes.created[0]?.diedIdle).toBe(true);

    const failed = await invoke(2);

    expect(JSON.parse(failed.payload.toString())).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${failed.requestId} Error: Runtime exited with error: signal: killed`,
    });
    const next = await invoke(3);
    expect(next.functionError).toBeUndefined();
    expect(fakes.created).toHaveLength(2);
  });
});
