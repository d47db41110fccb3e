/**
 * `InvocationType: Event` through the real Invoke API, the real SDK and real environments: an event
 * still throttled at its maximum age, the events still waiting when the service stops, and the
 * queue's one local bound, the bytes it holds (429 beyond it, so that nothing accepted is dropped),
 * each ending in a success or in one log line naming its request ID, the attempts made and why.
 * The retry delays (Lambda's: 1 and 2 minutes, backoff from 1 s) are shortened here so that the
 * tests run in seconds. The queue's rules themselves (retries, backoff, maximum age, a function's
 * own EventInvokeConfig, watch mode, every event run once past the concurrency limit) are unit
 * tests on fake environments and fake timers: test/unit/lambda/async-invocation-queue.test.ts and
 * lambda-service-requests.test.ts.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { EVENT_RECORD_BYTES } from '../../../lambda/async-invocation-queue';
import { useFixtureInvokeApi } from '../../support/fixture-invoke-api';

const { nameOf, start } = useFixtureInvokeApi();

const quickRetries = { retryDelaysMs: [50, 100], throttleBackoffInitialMs: 20, throttleBackoffMaxMs: 200 };

/** Sends an Event invocation; returns the request ID of the 202. */
async function sendEvent(client: LambdaClient, functionName: string, payload: unknown): Promise<string> {
  const output = await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  expect(output.StatusCode).toBe(202);
  return output.$metadata.requestId ?? '';
}

function linesOf(logs: readonly string[], functionName: string, kind: string): string[] {
  return logs.filter((line) => line.startsWith(`[${functionName}] ${kind} RequestId: `));
}

describe('Event invocations', () => {
  it('gives up an event still throttled at its maximum event age, in one line', async () => {
    const { api, client, logs } = await start({ asyncInvocation: { ...quickRetries, maxEventAgeMs: 600 } });
    const limited = nameOf('Limited');
    // Limited has a reservation of 1: a synchronous invocation holds it for 2 s.
    const holding = client.send(new InvokeCommand({ FunctionName: limited, Payload: Buffer.from('{"ms":2000}') }));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const requestId = await sendEvent(client, limited, { ms: 0 });
    await api.service.whenEventsSettled();

    const discarded = linesOf(logs, limited, 'EVENT DISCARDED');
    expect(discarded).toHaveLength(1);
    expect(discarded[0]).toContain(`RequestId: ${requestId}\tAttempts: 0\t`);
    expect(discarded[0]).toMatch(/\tRefused: [1-9]\d*\t/);
    expect(discarded[0]).toContain('maximum event age of 0.6 s');
    expect(discarded[0]).toContain('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(linesOf(logs, limited, 'START').filter((line) => line.includes(requestId))).toEqual([]);
    expect((await holding).FunctionError).toBeUndefined();
  });

  it('gives up the events still waiting when the service stops, each in one line', async () => {
    const { api, client, logs } = await start({ asyncInvocation: { retryDelaysMs: [60_000] } });
    const fail = nameOf('Fail');
    const requestIds = await Promise.all([1, 2, 3].map(() => sendEvent(client, fail, {})));
    // Each fails once and waits a minute for its retry.
    while (linesOf(logs, fail, 'END').length < 3) await new Promise((resolve) => setTimeout(resolve, 20));

    await api.close();

    const discarded = linesOf(logs, fail, 'EVENT DISCARDED');
    expect(discarded).toHaveLength(3);
    for (const requestId of requestIds) {
      expect(discarded.find((line) => line.includes(requestId))).toMatch(
        /\tAttempts: 1\tRefused: 0\t.*\tReason: the local Lambda service stopped before the next attempt$/,
      );
    }
  });
});

describe('the Event queue’s cap on the bytes it holds', () => {
  const MB = 1024 * 1024;

  it('answers 429 TooManyRequestsException naming the flag past the cap, never holds more, runs each accepted event once, and takes events again once drained', async () => {
    const cap = 2 * MB;
    const { api, client, logs } = await start({ asyncInvocation: { ...quickRetries, maxQueuedBytes: cap } });
    const limited = nameOf('Limited');
    // Limited has a reservation of 1: each event holds it 400 ms while the others wait, throttled.
    const payload = Buffer.from(JSON.stringify({ ms: 400, pad: 'x'.repeat(300_000) }));
    const fits = Math.floor(cap / (payload.length + EVENT_RECORD_BYTES));
    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, api.service.queuedEventBytes);
    }, 5);
    const send = () => client.send(new InvokeCommand({ FunctionName: limited, InvocationType: 'Event', Payload: payload }));

    const accepted: string[] = [];
    const refusals: unknown[] = [];
    try {
      while (refusals.length < 2 && accepted.length <= fits) {
        try {
          const output = await send();
          expect(output.StatusCode).toBe(202);
          accepted.push(output.$metadata.requestId ?? '');
        } catch (error) {
          refusals.push(error);
        }
        peak = Math.max(peak, api.service.queuedEventBytes);
      }
      expect(accepted).toHaveLength(fits);
      expect(api.service.pendingEvents).toBe(fits);
      expect(api.service.queuedEventBytes).toBe(fits * (payload.length + EVENT_RECORD_BYTES));
      for (const refusal of refusals) {
        expect(refusal).toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
        expect((refusal as Error).message).toMatch(
          /^The local Lambda service holds \d+ bytes of queued Event invocations; this one, of \d+ bytes, would take it past its cap of 2097152 \(--max-queued-event-mb\); retry later\.$/,
        );
      }
      // Two refusals in a row, one warning: at most one a second.
      const warnings = logs.filter((line) => line.startsWith('[local-lambda] warning:') && line.includes('--max-queued-event-mb'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`the cap is ${cap}`);

      await api.service.whenEventsSettled();
    } finally {
      clearInterval(sample);
    }

    expect(peak).toBeLessThanOrEqual(cap);
    expect(peak).toBeGreaterThan(cap - payload.length - EVENT_RECORD_BYTES);
    expect(api.service.queuedEventBytes).toBe(0);
    const started = linesOf(logs, limited, 'START').map((line) => /RequestId: (\S+)/.exec(line)?.[1]);
    expect(started.sort()).toEqual([...accepted].sort());
    expect(linesOf(logs, limited, 'EVENT DISCARDED')).toEqual([]);

    // Drained: an event of the same size is taken again, and runs.
    const again = await send();
    expect(again.StatusCode).toBe(202);
    await api.service.whenEventsSettled();
    expect(linesOf(logs, limited, 'START').filter((line) => line.includes(again.$metadata.requestId ?? '?'))).toHaveLength(1);
  });
});
