import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AsyncInvokeConfig } from '../../../core/types';
import {
  AsyncInvocationQueue,
  type AsyncInvocationSettings,
  type AttemptOutcome,
  EVENT_RECORD_BYTES,
  MAX_ASYNC_PAYLOAD_BYTES,
  type QueuedEvent,
} from '../../../lambda/async-invocation-queue';

const MB = 1024 * 1024;

/** A queue whose attempts answer from `outcomes` in turn (the last one repeats), with its log and attempt times. */
function queueOf(outcomes: AttemptOutcome[], settings: AsyncInvocationSettings = {}, config?: AsyncInvokeConfig) {
  const lines: string[] = [];
  const attempts: { readonly requestId: string; readonly at: number }[] = [];
  let next = 0;
  const queue = new AsyncInvocationQueue(
    settings,
    async (event: QueuedEvent) => {
      attempts.push({ requestId: event.requestId, at: Date.now() });
      const outcome = outcomes[Math.min(next, outcomes.length - 1)] ?? { kind: 'success' };
      next += 1;
      return outcome;
    },
    (functionName, line) => lines.push(`[${functionName}] ${line}`),
    () => config,
    () => 0.5,
  );
  return { queue, lines, attempts };
}

const failed: AttemptOutcome = { kind: 'function-error', detail: 'Error: boom' };
const throttled: AttemptOutcome = { kind: 'throttled', detail: 'TooManyRequestsException' };

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('AsyncInvocationQueue', () => {
  it('runs an accepted event at once and ends it on success, without a line', async () => {
    const { queue, lines, attempts } = queueOf([{ kind: 'success' }]);

    expect(queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'))).toBe(true);
    await queue.whenSettled();

    expect(attempts).toHaveLength(1);
    expect(lines).toEqual([]);
    expect(queue.pending).toBe(0);
  });

  it('retries a function error one minute, then two minutes later, as Lambda does', async () => {
    const { queue, attempts } = queueOf([failed, failed, { kind: 'success' }]);
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    expect(attempts.map((attempt) => attempt.at)).toEqual([0, 60_000, 180_000]);
  });

  it('gives an event up after its retries, with one line naming its request ID, attempts and reason', async () => {
    const { queue, lines } = queueOf([failed]);
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[Fn\] EVENT DISCARDED RequestId: r1\tAttempts: 3\tRefused: 0\tAge: 180\.000 s\tReason: the function failed on every attempt \(2 retries\): Error: boom$/,
    );
  });

  it('makes no retry with maxRetryAttempts 0', async () => {
    const { queue, attempts, lines } = queueOf([failed], { maxRetryAttempts: 0 });
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    expect(attempts).toHaveLength(1);
    expect(lines[0]).toContain('(0 retries)');
  });

  it('lets the function’s own EventInvokeConfig win over the service-wide retries', async () => {
    const { queue, attempts } = queueOf([failed], { maxRetryAttempts: 2 }, { maximumRetryAttempts: 1 });
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    expect(attempts).toHaveLength(2);
  });

  it('backs off exponentially after throttles, with jitter, up to the maximum', async () => {
    const { queue, attempts } = queueOf([throttled, throttled, throttled, throttled, { kind: 'success' }], {
      throttleBackoffInitialMs: 1000,
      throttleBackoffMaxMs: 4000,
    });
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    // A random of 0.5 waits three quarters of each ceiling: 1 s, 2 s, 4 s, then 4 s (the maximum).
    const gaps = attempts.slice(1).map((attempt, index) => attempt.at - (attempts[index]?.at ?? 0));
    expect(gaps).toEqual([750, 1500, 3000, 3000]);
  });

  it('counts refusals apart from attempts that ran the function', async () => {
    const { queue, lines } = queueOf([throttled, failed], { maxRetryAttempts: 0 });
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    expect(lines[0]).toContain('Attempts: 1\tRefused: 1');
  });

  it('discards an event whose next attempt would come after the maximum event age', async () => {
    const { queue, attempts, lines } = queueOf([failed], { maxEventAgeMs: 90_000 });
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    expect(attempts).toHaveLength(2);
    expect(lines[0]).toContain('its next attempt would come after the maximum event age of 90 s');
  });

  it('takes the maximum event age from the function’s own EventInvokeConfig', async () => {
    const { queue, attempts } = queueOf([failed], { maxEventAgeMs: 6 * 3600_000 }, { maximumEventAgeSeconds: 60 });
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    expect(attempts).toHaveLength(2);
  });

  it('gives up at once an attempt that cannot succeed on retry', async () => {
    const { queue, attempts, lines } = queueOf([{ kind: 'rejected', detail: 'no function Gone' }]);
    queue.tryEnqueue('Gone', 'r1', Buffer.from('{}'));

    await vi.runAllTimersAsync();

    expect(attempts).toHaveLength(1);
    expect(lines[0]).toContain('Reason: no function Gone');
  });

  it('counts each event’s payload and record against the byte cap, and refuses one past it', () => {
    const { queue } = queueOf([failed], { maxQueuedBytes: MAX_ASYNC_PAYLOAD_BYTES + EVENT_RECORD_BYTES });

    expect(queue.tryEnqueue('Fn', 'r1', Buffer.alloc(MAX_ASYNC_PAYLOAD_BYTES))).toBe(true);
    expect(queue.bytes).toBe(MAX_ASYNC_PAYLOAD_BYTES + EVENT_RECORD_BYTES);
    expect(queue.tryEnqueue('Fn', 'r2', Buffer.alloc(0))).toBe(false);
    expect(queue.pending).toBe(1);
  });

  it('makes room again as events end', async () => {
    const { queue } = queueOf([{ kind: 'success' }], { maxQueuedBytes: 2 * MB });
    queue.tryEnqueue('Fn', 'r1', Buffer.alloc(MB));
    await queue.whenSettled();

    expect(queue.bytes).toBe(0);
    expect(queue.tryEnqueue('Fn', 'r2', Buffer.alloc(MB))).toBe(true);
  });

  it('attempts events in the order they were accepted', async () => {
    const { queue, attempts } = queueOf([{ kind: 'success' }]);
    for (const id of ['a', 'b', 'c']) queue.tryEnqueue('Fn', id, Buffer.from('{}'));

    await queue.whenSettled();

    expect(attempts.map((attempt) => attempt.requestId)).toEqual(['a', 'b', 'c']);
  });

  it('on close gives up each event waiting for a retry, with its line', async () => {
    const { queue, lines } = queueOf([failed]);
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));
    await vi.advanceTimersByTimeAsync(0);

    await queue.close();

    expect(lines[0]).toContain('Reason: the local Lambda service stopped before the next attempt');
    expect(queue.pending).toBe(0);
  });

  it('turns an attempt that throws into a rejection rather than losing the event', async () => {
    const queue = new AsyncInvocationQueue(
      {},
      async () => {
        throw new Error('exploded');
      },
      () => undefined,
      () => undefined,
    );
    queue.tryEnqueue('Fn', 'r1', Buffer.from('{}'));

    await queue.whenSettled();

    expect(queue.pending).toBe(0);
  });

  it('refuses settings Lambda would refuse', () => {
    const build = (settings: AsyncInvocationSettings) => () => queueOf([], settings);

    expect(build({ maxRetryAttempts: 3 })).toThrow('maxRetryAttempts must be 0, 1 or 2 as on Lambda, got 3');
    expect(build({ maxEventAgeMs: 0 })).toThrow('the maximum event age must be positive');
    expect(build({ maxQueuedBytes: MB })).toThrow('maxQueuedBytes must hold one event of the largest payload');
  });
});
