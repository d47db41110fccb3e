import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type ClassifiedError, type FanOutOptions, fanOut } from '../../../functions/commons/fan-out';

class Throttled extends Error {}
class Crashed extends Error {}

const classify = (error: unknown): ClassifiedError => {
  if (error instanceof Throttled) return { type: 'Throttled', message: 'slow down', retry: 'throttle' };
  if (error instanceof Crashed) return { type: 'Crashed', message: 'crashed', retry: 'transient' };
  return { type: 'Final', message: String(error), retry: 'final' };
};

function options(overrides: Partial<FanOutOptions<number, number>> = {}): FanOutOptions<number, number> {
  return {
    maxConcurrency: 10,
    deadline: Date.now() + 10_000,
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, budget: 1000 },
    classify,
    ...overrides,
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('fanOut', () => {
  it('returns results in input order and reports them in completion order', async () => {
    const settled: number[] = [];
    const { outcomes, stats } = await fanOut(
      [30, 10, 20],
      async (delay) => {
        await sleep(delay);
        return delay * 2;
      },
      options({ onSettled: (index) => settled.push(index) }),
    );
    expect(outcomes.map((o) => (o.ok ? o.value : null))).toEqual([60, 20, 40]);
    expect(settled).toEqual([1, 2, 0]);
    expect(stats).toMatchObject({ invocations: 3, retries: 0, peakConcurrency: 3 });
  });

  it('never has more tasks in flight than the cap', async () => {
    let inFlight = 0;
    let peak = 0;
    await fanOut(
      range(50),
      async (n) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await sleep(2);
        inFlight -= 1;
        return n;
      },
      options({ maxConcurrency: 7 }),
    );
    expect(peak).toBe(7);
  });

  it('retries transient failures and counts the retries', async () => {
    const failures = new Set([3, 7]);
    const { outcomes, stats } = await fanOut(
      range(10),
      async (n) => {
        if (failures.delete(n)) throw new Crashed();
        return n * n;
      },
      options(),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(stats).toMatchObject({ invocations: 12, retries: 2 });
  });

  it('does not retry a final failure and keeps the item in place with its error', async () => {
    const { outcomes, stats } = await fanOut(
      range(3),
      async (n) => {
        if (n === 1) throw new Error('bad input');
        return n;
      },
      options(),
    );
    expect(outcomes[1]).toEqual({ ok: false, item: 1, error: { type: 'Final', message: 'Error: bad input' } });
    expect(outcomes[2]).toEqual({ ok: true, item: 2, value: 2 });
    expect(stats.retries).toBe(0);
  });

  it('stops retrying when the attempts or the budget run out', async () => {
    const always = () => Promise.reject(new Crashed());
    const perItem = await fanOut(range(2), always, options());
    expect(perItem.stats).toMatchObject({ invocations: 8, retries: 6 });
    const budgeted = await fanOut(range(10), always, options({ retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, budget: 3 } }));
    expect(budgeted.stats.retries).toBe(3);
    expect(budgeted.outcomes.every((o) => !o.ok && o.error.type === 'Crashed')).toBe(true);
  });

  it('halves its concurrency when throttled and still finishes everything', async () => {
    let inFlight = 0;
    const accountLimit = 3;
    const { outcomes, stats } = await fanOut(
      range(40),
      async (n) => {
        inFlight += 1;
        try {
          if (inFlight > accountLimit) throw new Throttled();
          await sleep(3);
          return n;
        } finally {
          inFlight -= 1;
        }
      },
      options({ maxConcurrency: 20, retry: { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 20, budget: 1000 } }),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(stats.throttles).toBeGreaterThan(0);
    // Without the decrease, each wave of 20 would meet 17 throttles: far more than 40 in all.
    expect(stats.throttles).toBeLessThan(40);
  });

  it('marks unfinished items DeadlineExceeded at the deadline, aborting them, and answers then', async () => {
    const aborted: number[] = [];
    const startedAt = Date.now();
    const { outcomes } = await fanOut(
      range(4),
      (n, _index, signal) =>
        n % 2 === 0
          ? Promise.resolve(n)
          : new Promise<number>((_, reject) =>
              signal.addEventListener('abort', () => {
                aborted.push(n);
                reject(new Error('aborted'));
              }),
            ),
      options({ deadline: Date.now() + 100 }),
    );
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(outcomes.map((o) => (o.ok ? o.value : o.error.type))).toEqual([0, 'DeadlineExceeded', 2, 'DeadlineExceeded']);
    expect(aborted).toEqual([1, 3]);
  });

  it('answers at once for no items', async () => {
    const { outcomes, stats } = await fanOut([], () => Promise.resolve(0), options());
    expect(outcomes).toEqual([]);
    expect(stats.invocations).toBe(0);
  });
});
