/**
 * The environment scheduler (environment-pool.ts, start-or-wait.ts): when every environment of a
 * function is busy, an invocation waits for one when the function's invocations end sooner than a
 * start takes, and starts one when they do not; on the fake environment, with fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnvironmentPool, type Lease } from '../../../lambda/environment-pool';
import { InitGate } from '../../../lambda/init-gate';
import { EnvironmentBudget } from '../../../lambda/resource-budget';
import { FakeEnvironments, hang, success } from '../../support/fake-environment';
import { testFunction } from '../../support/function-definition';

const definition = testFunction('Scheduled', '/nowhere', { timeoutSeconds: 60 });

interface Setup {
  /** How long INIT takes. */
  readonly initMs: number;
  /** How long an invocation takes; the payload `"hang"` never answers. */
  readonly invocationMs: number;
  readonly environmentPerInvocation?: boolean;
  /** Starts at once. @default 1000 */
  readonly inits?: number;
  /** Paced from `inits` by the starts' measured time, as by default. @default false */
  readonly paced?: boolean;
  /** Environments kept busy whatever the figures. @default 1, so that the other rules show alone */
  readonly parallelism?: number;
  /** The machine's load average. @default 0 */
  readonly load?: number;
}

function setUp({ initMs, invocationMs, environmentPerInvocation = false, inits = 1000, paced = false, parallelism = 1, load = 0 }: Setup) {
  const fakes = new FakeEnvironments(() => ({
    initMs,
    answer: (request) => (request.payload === '"hang"' ? hang() : success(request.payload, invocationMs)),
  }));
  const budget = new EnvironmentBudget(1000, { onBind: () => undefined, reclaimIdle: () => undefined });
  const pool = new EnvironmentPool(definition, budget, new InitGate(inits, paced), fakes.factory, {
    environmentPerInvocation,
    parallelism,
    machineLoad: () => load,
  });
  /** One invocation as the service runs it: an environment from the pool, the handler, the environment back. */
  const invoke = async (payload = '{}'): Promise<Lease> => {
    const lease = await pool.acquire(undefined);
    await lease.environment.invoke({
      requestId: 'r',
      payload,
      invokedFunctionArn: definition.arn,
      timeoutMs: 60_000,
      onOutputLine: () => undefined,
    });
    pool.release(lease.environment);
    return lease;
  };
  return { fakes, pool, invoke };
}

/** A warm environment, and the function's start and invocation times measured once. */
async function warmUp(invoke: () => Promise<Lease>): Promise<void> {
  const first = invoke();
  await vi.runAllTimersAsync();
  await first;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the environment scheduler', () => {
  it('waits for a busy environment when this function’s invocations end sooner than a start takes', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 10 });
    await warmUp(invoke);

    const burst = Promise.all(Array.from({ length: 5 }, () => invoke()));
    await vi.advanceTimersByTimeAsync(50);

    expect((await burst).map((lease) => lease.environment)).toEqual(Array(5).fill(fakes.created[0]));
    expect(fakes.created).toHaveLength(1);
  });

  it('starts an environment for every invocation in flight when invocations outlast a start: 100 × 1 s within 1.5 s', async () => {
    const { fakes, invoke } = setUp({ initMs: 200, invocationMs: 1000 });
    await warmUp(invoke);
    let done = 0;

    const burst = Array.from({ length: 100 }, () => invoke().then(() => (done += 1)));
    await vi.advanceTimersByTimeAsync(1500);

    expect(done).toBe(100);
    await Promise.all(burst);
    expect(fakes.created).toHaveLength(100);
  });

  it('starts environments for the waiters the busy ones would not serve within a start’s time, no more at once than are leased', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 10 });
    await warmUp(invoke);

    // One takes the warm environment; it serves the next 10 waiters within a start's 100 ms, not
    // the other 50; but one start at a time while one environment is leased, then two, ...
    const burst = Promise.all(Array.from({ length: 61 }, () => invoke()));
    await vi.advanceTimersByTimeAsync(0);
    expect(fakes.created).toHaveLength(1 + 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(fakes.created).toHaveLength(1 + 1 + 2);

    await vi.runAllTimersAsync();
    await burst;
    expect(fakes.created.length).toBeLessThan(1 + 50);
  });

  it('gives up the starts still waiting at the init gate once a freed environment makes them needless', async () => {
    const { fakes, pool, invoke } = setUp({ initMs: 100, invocationMs: 10, inits: 1, parallelism: 4 });
    await warmUp(invoke);
    const held = await pool.acquire(undefined);

    // Three waiters and one leased environment, of the four kept busy: three starts, one runs, two wait at the gate.
    const burst = Promise.all([invoke(), invoke(), invoke()]);
    await vi.advanceTimersByTimeAsync(10);
    pool.release(held.environment);
    await vi.runAllTimersAsync();
    await burst;

    expect(fakes.created).toHaveLength(2);
  });

  it('starts one after all when the busy environment has run longer than a start takes (a hung invocation)', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 10 });
    await warmUp(invoke);
    void invoke('"hang"');
    const waiting = invoke();

    await vi.advanceTimersByTimeAsync(99);
    expect(fakes.created).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1 + 100 + 10);

    expect((await waiting).environment).toBe(fakes.created[1]);
  });

  it('with --environment-per-invocation, gives every invocation in flight an environment of its own, however short, as Lambda', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 10, environmentPerInvocation: true });
    await warmUp(invoke);

    // The warm one frees up after 10 ms; each of the other four waits for the start it caused.
    const burst = Promise.all(Array.from({ length: 5 }, () => invoke()));
    await vi.runAllTimersAsync();

    expect(new Set((await burst).map((lease) => lease.environment)).size).toBe(5);
    expect(fakes.created).toHaveLength(5);
  });

  it('reports a new environment’s INIT on its first invocation, when a freed one served the invocation it started for', async () => {
    const { fakes, pool, invoke } = setUp({ initMs: 100, invocationMs: 10, parallelism: 2 });
    await warmUp(invoke);
    const held = await pool.acquire(undefined);
    const second = pool.acquire(undefined);

    await vi.advanceTimersByTimeAsync(50);
    pool.release(held.environment);
    const servedByTheFreedOne = await second;
    await vi.advanceTimersByTimeAsync(50);
    const third = await pool.acquire(undefined);

    expect(servedByTheFreedOne).toEqual({ environment: fakes.created[0] });
    expect(third).toEqual({ environment: fakes.created[1], initDurationMs: 100 });
  });

  it('starts a burst as fast as the machine does: the init gate lets more through while starts are measured fast', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 1000, inits: 2, paced: true });

    const burst = Promise.all(Array.from({ length: 64 }, () => invoke()));
    await vi.advanceTimersByTimeAsync(700);

    // Two at a time, as the gate began, would have started 14 by now.
    expect(fakes.created.filter((environment) => environment.state === 'busy')).toHaveLength(64);
    await vi.runAllTimersAsync();
    await burst;
  });

  it('on a fresh pool, starts one environment for a burst and waits for its first invocation before starting more', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 1 });
    let done = 0;

    const burst = Array.from({ length: 100 }, () => invoke().then(() => (done += 1)));
    await vi.advanceTimersByTimeAsync(0);
    expect(fakes.created).toHaveLength(1);

    // Its first invocation ends after 1 ms: it serves the other 99 sooner than a start would take.
    await vi.advanceTimersByTimeAsync(100 + 100);
    expect(done).toBe(100);
    await Promise.all(burst);
    expect(fakes.created).toHaveLength(1);
  });

  it('on a fresh pool, gives every waiter an environment once the first invocation runs longer than a start took', async () => {
    const { fakes, invoke } = setUp({ initMs: 200, invocationMs: 1000 });
    let done = 0;

    const burst = Array.from({ length: 100 }, () => invoke().then(() => (done += 1)));
    await vi.advanceTimersByTimeAsync(200 + 199);
    expect(fakes.created).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fakes.created).toHaveLength(100);

    // The first ends at 1.2 s; the others, started at 0.4 s, at 1.6 s.
    await vi.advanceTimersByTimeAsync(1200);
    expect(done).toBe(100);
    await Promise.all(burst);
  });

  it('keeps `parallelism` environments busy while invocations wait, however short they are', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 10, parallelism: 4 });
    await warmUp(invoke);

    // The warm one would serve all four others within a start's time; three start anyway.
    const burst = Promise.all(Array.from({ length: 5 }, () => invoke()));
    await vi.advanceTimersByTimeAsync(0);
    expect(fakes.created).toHaveLength(4);

    await vi.runAllTimersAsync();
    await burst;
    expect(fakes.created).toHaveLength(4);
  });

  it('on a saturated machine, gives a function with short invocations no more than `parallelism` environments', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 50, parallelism: 4, load: 4 });
    await warmUp(invoke);

    // Unsaturated, 60 waiters of 50 ms invocations would get a start each round for those the
    // leased ones would not serve within a start's 100 ms, up to dozens.
    const burst = Promise.all(Array.from({ length: 61 }, () => invoke()));
    await vi.runAllTimersAsync();
    await burst;

    expect(fakes.created).toHaveLength(4);
  });

  it('on a saturated machine, does not count environments hung past a start toward that cap: the others are served', async () => {
    const { fakes, invoke } = setUp({ initMs: 100, invocationMs: 50, parallelism: 4, load: 4 });
    await warmUp(invoke);
    const hung = Array.from({ length: 4 }, () => invoke('"hang"'));
    await vi.advanceTimersByTimeAsync(500);

    // Four environments never answer and have run past a start's 100 ms: they serve no waiter, so
    // the invocations behind them get environments of their own, as on Lambda.
    let served = 0;
    const burst = Promise.all(Array.from({ length: 10 }, () => invoke().then(() => (served += 1))));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(served).toBe(10);
    await burst;
    expect(fakes.created.length).toBeGreaterThan(4);
    void hung;
  });
});
