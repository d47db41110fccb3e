/**
 * Load, end to end: many signed requests at once, each fanning out to its own squarer invocations.
 * The stage's throttling (10 requests a second, bursts of 20, by default) is raised on the running
 * stack for this file (as `cdk synth -c throttleRateLimit=… -c throttleBurstLimit=…` would, without
 * synthesizing again), so that the load reaches the coordinators rather than the stage's token bucket.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  bodyOf,
  checkEveryIndexOnce,
  distinctIntegers,
  parseSquareResponse,
  type SquareApi,
  startedRequestIds,
  startSquareApi,
  UNTHROTTLED,
} from './support/local-square-api';

let api: SquareApi;
beforeAll(async () => {
  // 50 requests × maxConcurrency 100 would be 5000 invocations in flight, past an account's 1000:
  // as on AWS, the excess would be throttled and some numbers given up. The account's limit is
  // raised out of the way, as the stage's throttling is, so that the load reaches the functions.
  // A budget of 64 environments (room for the 50 coordinators and 14 squarers): every invocation
  // in flight would otherwise start a process of its own, thousands at once, which a busy 2-core
  // machine cannot start within the coordinators' deadline; the rest wait their turn.
  api = await startSquareApi(inject('cdkOut'), () => ({
    httpApiThrottling: UNTHROTTLED,
    lambda: { concurrencyLimit: 10_000, maxEnvironments: 64 },
  }));
});
afterAll(async () => {
  await api?.close();
});

describe('load', () => {
  it('50 concurrent requests of 100 numbers: all 5000 squared, each exactly once', async () => {
    const requests = Array.from({ length: 50 }, (_, r) => distinctIntegers(100, BigInt(r) * 1_000n));

    // A first wave of empty requests starts the 50 coordinator environments (one per request in
    // flight, as on Lambda): 50 cold starts on a busy 2-core machine, outside the measured wave.
    await Promise.all(requests.map(() => api.post('{"numbers": []}')));
    const startedAt = performance.now();
    const responses = await Promise.all(requests.map((numbers) => api.post(bodyOf(numbers))));
    const elapsedMs = performance.now() - startedAt;

    let squared = 0;
    let invocations = 0;
    let retries = 0;
    let throttles = 0;
    responses.forEach((response, r) => {
      expect(response.status, response.text.slice(0, 300)).toBe(200);
      const answer = parseSquareResponse(response);
      squared += checkEveryIndexOnce(answer, requests[r] ?? []).succeeded;
      invocations += answer.stats.invocations;
      retries += answer.stats.retries;
      throttles += answer.stats.throttles;
    });
    expect(squared).toBe(5000);
    // Every square came from its own squarer invocation, and no invocation was lost or doubled.
    const processNames = responses.flatMap((response) =>
      parseSquareResponse(response).results.map((item) => ('processName' in item ? item.processName : '')),
    );
    expect(new Set(processNames).size).toBe(5000);
    // Each square's invocation started once; the retried ones that never started were refused
    // (429) or never connected: 5000 sockets opened at once can overflow a listen backlog (the
    // Invoke API asks for 4096; the kernel may cap it lower), and a client whose connection is not
    // accepted within 3 s retries.
    const started = startedRequestIds(api.logs, api.squarer.name);
    for (const name of processNames) expect(started).toContain(name);
    expect(started.length).toBeGreaterThanOrEqual(5000);
    expect(started.length).toBeLessThanOrEqual(invocations - throttles);
    console.log(
      `[reliability] load: ${JSON.stringify({ requests: 50, squared, invocations, retries, throttles, elapsedMs: Math.round(elapsedMs) })}`,
    );
  });
});
