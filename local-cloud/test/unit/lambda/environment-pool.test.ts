import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Environment } from '../../../lambda/environment';
import { EnvironmentPool, type Lease } from '../../../lambda/environment-pool';
import { InitGate } from '../../../lambda/init-gate';
import { EnvironmentBudget } from '../../../lambda/resource-budget';
import { FakeEnvironments, type FakeScript } from '../../support/fake-environment';
import { testFunction } from '../../support/function-definition';

const definition = testFunction('Pooled', '/nowhere');

function setUp(options: { maxEnvironments?: number; inits?: number; script?: FakeScript; environmentPerInvocation?: boolean } = {}) {
  const fakes = new FakeEnvironments(() => options.script ?? {});
  const reclaims: number[] = [];
  const budget = new EnvironmentBudget(options.maxEnvironments ?? 10, { onBind: () => undefined, reclaimIdle: () => reclaims.push(1) });
  const gate = new InitGate(options.inits ?? 10);
  const pool = new EnvironmentPool(definition, budget, gate, fakes.factory, {
    environmentPerInvocation: options.environmentPerInvocation ?? false,
    machineLoad: () => 0,
  });
  return { fakes, budget, gate, pool, reclaims };
}

/** Runs an invocation on a lease to its end, so the environment is idle again. */
async function use(lease: Lease): Promise<Environment> {
  const pending = lease.environment.invoke({
    requestId: 'r',
    payload: '{}',
    invokedFunctionArn: definition.arn,
    timeoutMs: 1000,
    onOutputLine: () => undefined,
  });
  await vi.runAllTimersAsync();
  await pending;
  return lease.environment;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EnvironmentPool', () => {
  it('starts an environment for the first invocation, with its Init Duration', async () => {
    const { pool, fakes } = setUp({ script: { initMs: 250 } });
    const leasing = pool.acquire(undefined);
    await vi.advanceTimersByTimeAsync(250);
    const lease = await leasing;

    expect(fakes.created).toHaveLength(1);
    expect(lease.initDurationMs).toBe(250);
    expect(lease.environment.state).toBe('idle');
  });

  it('reuses a warm environment, without a new INIT', async () => {
    const { pool, fakes } = setUp();
    const first = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    const environment = await use(await first);
    pool.release(environment);

    const second = await pool.acquire(undefined);

    expect(second.environment).toBe(environment);
    expect(second.initDurationMs).toBeUndefined();
    expect(fakes.created).toHaveLength(1);
  });

  it('gives each invocation in flight an environment of its own', async () => {
    const { pool, fakes } = setUp();
    const leases = Promise.all([pool.acquire(undefined), pool.acquire(undefined), pool.acquire(undefined)]);
    await vi.runAllTimersAsync();

    expect(new Set((await leases).map((lease) => lease.environment)).size).toBe(3);
    expect(fakes.created).toHaveLength(3);
    expect(pool.environments.size).toBe(3);
  });

  it('reuses the most recently used idle environment first', async () => {
    const { pool } = setUp();
    const both = Promise.all([pool.acquire(undefined), pool.acquire(undefined)]);
    await vi.runAllTimersAsync();
    const [a, b] = await both;
    if (a === undefined || b === undefined) throw new Error('two leases expected');
    pool.release(a.environment);
    pool.release(b.environment);

    expect((await pool.acquire(undefined)).environment).toBe(b.environment);
    expect((await pool.acquire(undefined)).environment).toBe(a.environment);
  });

  it('hands an environment that died while idle to the next invocation, which fails with its exit; then replaces it', async () => {
    const { pool, fakes, budget } = setUp({ maxEnvironments: 1 });
    const first = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    const environment = (await first).environment;
    pool.release(environment);
    fakes.created[0]?.exitNow('exit status 3');

    const dead = await pool.acquire(undefined);
    expect(dead.environment).toBe(environment);
    expect(dead.initDurationMs).toBeUndefined();
    const result = await dead.environment.invoke({
      requestId: 'r',
      payload: '{}',
      invokedFunctionArn: definition.arn,
      timeoutMs: 1000,
      onOutputLine: () => undefined,
    });
    expect(result).toEqual({ kind: 'exit', description: 'exit status 3' });
    pool.release(dead.environment);

    const next = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    expect((await next).environment).not.toBe(environment);
    expect(fakes.created).toHaveLength(2);
    expect(budget.inUse).toBe(1);
  });

  it('stops an environment released dead (a timeout or crash) and gives its slot back', async () => {
    const { pool, budget } = setUp();
    const first = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    const lease = await first;
    lease.environment.stop();
    pool.release(lease.environment);

    expect(pool.environments.size).toBe(0);
    expect(budget.inUse).toBe(0);
  });

  it('hands a lease with the INIT error when INIT fails, and stops that environment on release', async () => {
    const error = { errorType: 'Runtime.ImportModuleError', errorMessage: 'no module', trace: [] };
    const { pool } = setUp({ script: { initError: error, initMs: 40 } });
    const leasing = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    const lease = await leasing;

    expect(lease.initError).toEqual(error);
    expect(lease.initDurationMs).toBe(40);
    pool.release(lease.environment);
    expect(pool.environments.size).toBe(0);
  });

  it('in watch mode stops idle environments at once and busy ones when their invocation ends', async () => {
    const { pool, fakes } = setUp();
    const both = Promise.all([pool.acquire(undefined), pool.acquire(undefined)]);
    await vi.runAllTimersAsync();
    const [idle, busy] = await both;
    if (idle === undefined || busy === undefined) throw new Error('two leases expected');
    pool.release(idle.environment);

    const replaced = { ...definition, timeoutSeconds: 3 };
    pool.replace(replaced);

    expect(idle.environment.state).toBe('dead');
    expect(busy.environment.state).toBe('idle');
    pool.release(busy.environment);
    expect(busy.environment.state).toBe('dead');
    const next = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    await next;
    expect(fakes.created.at(-1)?.definition).toEqual(replaced);
    expect(pool.definition).toBe(replaced);
  });

  it('stops idle environments unused for the TTL, and keeps younger ones', async () => {
    const { pool } = setUp();
    const both = Promise.all([pool.acquire(undefined), pool.acquire(undefined)]);
    await vi.runAllTimersAsync();
    const [old, young] = await both;
    if (old === undefined || young === undefined) throw new Error('two leases expected');
    pool.release(old.environment);
    vi.advanceTimersByTime(60_000);
    await use(young);
    pool.release(young.environment);

    pool.stopIdleOlderThan(30_000);

    expect(old.environment.state).toBe('dead');
    expect(young.environment.state).toBe('idle');
    expect(pool.oldestIdleSince).toBe(young.environment.lastUsedAt);
  });

  it('within the budget, a waiter takes the first environment of its function to free up, with a QUEUED record', async () => {
    const { pool, fakes } = setUp({ maxEnvironments: 1 });
    const first = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    const lease = await first;
    const waiting = pool.acquire(undefined);
    await vi.advanceTimersByTimeAsync(500);
    pool.release(lease.environment);

    const second = await waiting;

    expect(second.environment).toBe(lease.environment);
    expect(second.queueWait?.queued).toBe(1);
    expect(second.queueWait?.limits).toEqual(['Local budget: 1 environments (--max-environments)']);
    expect(fakes.created).toHaveLength(1);
  });

  it('stops a released environment rather than keep it idle while another function waits for the budget', async () => {
    const { pool, budget } = setUp({ maxEnvironments: 1 });
    const first = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    const lease = await first;
    let granted = false;
    budget.wait(() => {
      granted = true;
    });

    pool.release(lease.environment);

    expect(lease.environment.state).toBe('dead');
    expect(granted).toBe(true);
  });

  it('waits at the init gate beyond its limit, and says so in the QUEUED record', async () => {
    // One environment per invocation: a fresh pool otherwise starts one and waits for it (environment-scheduler.test.ts).
    const { pool, fakes } = setUp({ inits: 1, script: { initMs: 100 }, environmentPerInvocation: true });
    const first = pool.acquire(undefined);
    const second = pool.acquire(undefined);
    await vi.advanceTimersByTimeAsync(100);
    expect(fakes.created).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);

    expect((await first).queueWait).toBeUndefined();
    expect((await second).queueWait?.limits).toEqual(['Starting at once: 1 environments (--max-concurrent-inits)']);
  });

  it('gives up a waiter whose caller aborts, leaving the budget queue', async () => {
    const { pool, budget } = setUp({ maxEnvironments: 1 });
    const first = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    await first;
    const abort = new AbortController();
    const waiting = pool.acquire(abort.signal);
    expect(budget.waiting).toBe(1);

    abort.abort(new Error('caller gave up'));

    await expect(waiting).rejects.toThrow('caller gave up');
    expect(budget.waiting).toBe(0);
  });

  it('rejects the invocation, and frees the slot and the gate, when the factory refuses', async () => {
    const { budget, gate } = setUp();
    const pool = new EnvironmentPool(definition, budget, gate, () => {
      throw new Error('staged code changed');
    });

    await expect(pool.acquire(undefined)).rejects.toThrow('staged code changed');
    expect(budget.inUse).toBe(0);
    expect(gate.enter().waiting).toBe(false);
  });

  it('on close refuses its waiters and stops every environment, resolving once they have exited', async () => {
    const { pool } = setUp({ maxEnvironments: 1 });
    const first = pool.acquire(undefined);
    await vi.runAllTimersAsync();
    const lease = await first;
    const waiting = pool.acquire(undefined);
    const rejected = expect(waiting).rejects.toThrow('closed');

    await pool.close(new Error('closed'));

    await rejected;
    expect(lease.environment.state).toBe('dead');
  });

  it('on close refuses every waiter, one whose start waits at the init gate too, and ends the INIT under way', async () => {
    const { pool, fakes, gate } = setUp({ inits: 1, script: { initMs: 100 } });
    const first = pool.acquire(undefined);
    const second = pool.acquire(undefined);
    await vi.advanceTimersByTimeAsync(10);
    const refused = Promise.all([expect(first).rejects.toThrow('closed'), expect(second).rejects.toThrow('closed')]);

    const closing = pool.close(new Error('closed'));
    await vi.runAllTimersAsync();
    await closing;

    await refused;
    expect(fakes.created.map((environment) => environment.state)).toEqual(['dead']);
    expect(gate.enter().waiting).toBe(false);
  });
});
