import { describe, expect, it } from 'vitest';
import { defaultMaxEnvironments, EnvironmentBudget } from '../../../lambda/resource-budget';

const GiB = 2 ** 30;

function budgetOf(max: number) {
  const binds: number[] = [];
  let reclaims = 0;
  const budget = new EnvironmentBudget(max, {
    onBind: (waiting) => binds.push(waiting),
    reclaimIdle: () => {
      reclaims += 1;
    },
  });
  return { budget, binds, reclaims: () => reclaims };
}

describe('the default budget', () => {
  it('is half the machine’s memory at 48 MB an environment', () => {
    expect(defaultMaxEnvironments(24 * GiB)).toBe(256);
    expect(defaultMaxEnvironments(16 * GiB)).toBe(170);
    expect(defaultMaxEnvironments(8 * GiB)).toBe(85);
  });

  it('is at least one environment, however small the machine', () => {
    expect(defaultMaxEnvironments(10 * 2 ** 20)).toBe(1);
  });
});

describe('EnvironmentBudget', () => {
  it('hands out slots up to its size, then none', () => {
    const { budget } = budgetOf(2);

    expect([budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([true, true, false]);
    expect(budget.inUse).toBe(2);
  });

  it('takes a slot back when an environment ends and nobody waits', () => {
    const { budget } = budgetOf(1);
    budget.tryTake();

    budget.give();

    expect(budget.inUse).toBe(0);
    expect(budget.tryTake()).toBe(true);
  });

  it('never counts below zero', () => {
    const { budget } = budgetOf(1);

    budget.give();

    expect(budget.inUse).toBe(0);
  });

  it('grants freed slots to waiters first come, first served', () => {
    const { budget } = budgetOf(1);
    budget.tryTake();
    const order: string[] = [];
    budget.wait(() => order.push('a'));
    budget.wait(() => order.push('b'));

    budget.give();
    budget.give();

    expect(order).toEqual(['a', 'b']);
    expect(budget.inUse).toBe(1);
  });

  it('lets nobody jump the queue: no slot is taken while someone waits', () => {
    const { budget } = budgetOf(1);
    budget.tryTake();
    budget.wait(() => undefined);
    budget.give();
    budget.wait(() => undefined);

    expect(budget.tryTake()).toBe(false);
  });

  it('says how many waited when a waiter joined, and forgets a waiter that cancels', () => {
    const { budget } = budgetOf(1);
    budget.tryTake();
    const first = budget.wait(() => undefined);
    const second = budget.wait(() => undefined);
    expect([first.queuedAtJoin, second.queuedAtJoin]).toEqual([1, 2]);

    first.cancel();

    expect(budget.waiting).toBe(1);
  });

  it('warns once as it begins to bind, not for every waiter', () => {
    const { budget, binds } = budgetOf(1);
    budget.tryTake();
    budget.wait(() => undefined);
    budget.wait(() => undefined);

    expect(binds).toEqual([1]);
  });

  it('asks for an idle environment to be stopped for each waiter, after the waiter holds its ticket', async () => {
    const { budget, reclaims } = budgetOf(1);
    budget.tryTake();
    budget.wait(() => undefined);
    expect(reclaims()).toBe(0);

    await Promise.resolve();

    expect(reclaims()).toBe(1);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => budgetOf(0)).toThrow('maxEnvironments must be a positive integer, got 0');
    expect(() => budgetOf(1.5)).toThrow('positive integer');
  });
});
