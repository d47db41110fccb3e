/**
 * Faults injected into the local Lambda service, end to end: signed request → local HTTP API →
 * coordinator process → real AWS SDK → local Invoke API → squarer processes. Whatever fails, every
 * number comes back exactly once: squared exactly, or as an error item that says why.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  bodyOf,
  checkEveryIndexOnce,
  distinctIntegers,
  endedRequestIds,
  parseSquareResponse,
  type SquareApi,
  startedRequestIds,
  startSquareApi,
} from './support/local-square-api';

const cdkOut = inject('cdkOut');

let api: SquareApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Figures for the README section, printed once per scenario. */
function report(scenario: string, figures: object): void {
  console.log(`[reliability] ${scenario}: ${JSON.stringify(figures)}`);
}

describe('faults', () => {
  it('throttle storm: an account limit of 10 (the coordinator holds one) and 200 numbers: all 200 squared', async () => {
    // Each squarer holds its slot 20 ms, about a real invocation's round trip, so that the
    // coordinator's first 100 concurrent Invokes meet the 9 slots left, however fast this machine is.
    api = await startSquareApi(cdkOut, ({ squarer }) => ({
      lambda: {
        concurrencyLimit: 10,
        functionOverrides: { [squarer.name]: { latencyMs: 20 } },
      },
    }));
    const numbers = distinctIntegers(200);

    const response = await api.post(bodyOf(numbers));

    expect(response.status).toBe(200);
    const answer = parseSquareResponse(response);
    checkEveryIndexOnce(answer, numbers);
    expect(answer.stats.throttles).toBeGreaterThan(0);
    expect(answer.stats.retries).toBe(answer.stats.invocations - numbers.length);
    // Each throttled Invoke was refused before it ran: only the successful ones started a squarer.
    expect(startedRequestIds(api.logs, api.squarer.name)).toHaveLength(numbers.length);
    report('throttle storm', answer.stats);
  });

  it('crashes: 10% of squarer invocations kill their process; all squared, each crash retried once more', async () => {
    api = await startSquareApi(cdkOut, ({ squarer }) => ({
      lambda: {
        functionOverrides: { [squarer.name]: { faults: { crash: 0.1 } } },
        faultInjection: { seed: 11 },
      },
    }));
    const numbers = distinctIntegers(200);

    const response = await api.post(bodyOf(numbers));

    expect(response.status).toBe(200);
    const answer = parseSquareResponse(response);
    checkEveryIndexOnce(answer, numbers);
    expect(answer.stats.retries).toBeGreaterThan(0);
    expect(answer.stats.retries).toBe(answer.stats.invocations - numbers.length);
    // The logs agree: one squarer START per invocation, one Runtime.ExitError per retry.
    expect(startedRequestIds(api.logs, api.squarer.name)).toHaveLength(answer.stats.invocations);
    const crashes = api.logs.filter((line) => line.startsWith(`[${api?.squarer.name}] Runtime.ExitError`)).length;
    expect(crashes).toBe(answer.stats.retries);
    report('crashes', { crashes, ...answer.stats });
  });

  it('hangs: squarers that never finish are DeadlineExceeded, the rest squared, answered 502 before any timeout', async () => {
    // Long enough for the 40 squarer environments (one per invocation in flight) to start on a
    // busy 2-core machine, so that only the hanging ones run into the deadline.
    const coordinatorTimeoutMs = 10_000;
    api = await startSquareApi(cdkOut, ({ squarer, coordinator }) => ({
      lambda: {
        functionOverrides: {
          [squarer.name]: { faults: { timeout: 0.1 }, timeoutSeconds: 120 },
          [coordinator.name]: { timeoutSeconds: coordinatorTimeoutMs / 1000 },
        },
        faultInjection: { seed: 5 },
      },
    }));
    // A first request with no numbers warms the coordinator: its timeout runs from its invocation, not its cold start.
    expect((await api.post('{"numbers": []}')).status).toBe(200);
    const numbers = distinctIntegers(40);

    const startedAt = performance.now();
    const response = await api.post(bodyOf(numbers));
    const elapsedMs = performance.now() - startedAt;

    expect(response.status).toBe(502);
    const answer = parseSquareResponse(response);
    const { errors } = checkEveryIndexOnce(answer, numbers, (type) => type === 'DeadlineExceeded');
    // Exactly the squarers still hanging (started, never ended) are the DeadlineExceeded items.
    const ended = new Set(endedRequestIds(api.logs, api.squarer.name));
    const hanging = startedRequestIds(api.logs, api.squarer.name).filter((id) => !ended.has(id));
    expect(hanging.length).toBeGreaterThan(0);
    expect(errors).toHaveLength(hanging.length);
    // Before the coordinator's timeout (its deadline is 1 s earlier), so long before the integration's 30 s.
    expect(elapsedMs).toBeLessThan(coordinatorTimeoutMs);
    report('hangs', { hanging: hanging.length, elapsedMs: Math.round(elapsedMs), ...answer.stats });
  });

  it('service errors and throttles injected (10% each): retried, all squared', async () => {
    api = await startSquareApi(cdkOut, ({ squarer }) => ({
      lambda: {
        functionOverrides: { [squarer.name]: { faults: { serviceError: 0.1, throttle: 0.1 } } },
        faultInjection: { seed: 23 },
      },
    }));
    const numbers = distinctIntegers(200);

    const response = await api.post(bodyOf(numbers));

    expect(response.status).toBe(200);
    const answer = parseSquareResponse(response);
    checkEveryIndexOnce(answer, numbers);
    expect(answer.stats.throttles).toBeGreaterThan(0);
    expect(answer.stats.retries).toBeGreaterThan(answer.stats.throttles);
    expect(answer.stats.retries).toBe(answer.stats.invocations - numbers.length);
    // Refused by the service, so never run: as many squarer STARTs as numbers.
    expect(startedRequestIds(api.logs, api.squarer.name)).toHaveLength(numbers.length);
    report('service errors and throttles', answer.stats);
  });
});
