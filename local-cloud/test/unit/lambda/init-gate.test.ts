/**
 * The init gate (init-gate.ts): a first-come gate for environment starts, fixed by
 * --max-concurrent-inits or, by default, paced by the starts' measured time.
 */
import { describe, expect, it } from 'vitest';
import { defaultMaxConcurrentInits, InitGate, pacedLimit } from '../../../lambda/init-gate';

describe('InitGate, fixed', () => {
  it('lets `limit` starts through at once and queues the rest', async () => {
    const gate = new InitGate(2);
    const entries = [gate.enter(), gate.enter(), gate.enter()];

    expect(entries.map((entry) => entry.waiting)).toEqual([false, false, true]);
    expect(entries[2]?.queued).toBe(1);
  });

  it('passes a released place to the first in line', async () => {
    const gate = new InitGate(1);
    const first = gate.enter();
    const second = gate.enter();
    const third = gate.enter();
    const granted: string[] = [];
    void second.granted.then(() => granted.push('second'));
    void third.granted.then(() => granted.push('third'));

    first.release();
    await Promise.resolve();

    expect(granted).toEqual(['second']);
    second.release();
    await Promise.resolve();
    expect(granted).toEqual(['second', 'third']);
  });

  it('forgets a start that leaves the queue before its turn', async () => {
    const gate = new InitGate(1);
    const first = gate.enter();
    const leaving = gate.enter();
    const next = gate.enter();
    let nextGranted = false;
    void next.granted.then(() => {
      nextGranted = true;
    });

    leaving.release();
    first.release();
    await Promise.resolve();

    expect(nextGranted).toBe(true);
  });

  it('gives a place back once, however often it is released', () => {
    const gate = new InitGate(1);
    const first = gate.enter();
    first.release();
    first.release();
    gate.enter();

    expect(gate.enter().waiting).toBe(true);
  });

  it('queues behind waiters even when a place is free', () => {
    const gate = new InitGate(1);
    const first = gate.enter();
    gate.enter();
    first.release();

    expect(gate.enter().queued).toBe(1);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new InitGate(0)).toThrow('maxConcurrentInits must be a positive integer, got 0');
  });
});

describe('InitGate, paced', () => {
  it('begins at four starts a core at once, and at least two', () => {
    expect(defaultMaxConcurrentInits(2)).toBe(8);
    expect(defaultMaxConcurrentInits(8)).toBe(32);
    expect(defaultMaxConcurrentInits(0)).toBe(2);
  });

  it('lets more through at once as soon as a start is measured fast (an idle machine)', async () => {
    const gate = new InitGate(2, true);
    const entries = Array.from({ length: 6 }, () => gate.enter());
    let granted = 0;
    for (const entry of entries) void entry.granted.then(() => (granted += 1));
    await Promise.resolve();
    expect(granted).toBe(2);

    entries[0]?.release(100);
    await Promise.resolve();

    expect(gate.limit).toBe(4);
    expect(granted).toBe(2 + 3);
  });

  it('grows at most to twice the starts it saw at once, and to what keeps a start within a quarter of INIT’s 10 s', () => {
    expect(pacedLimit(8, { atOnce: 8, latencyMs: 100 })).toBe(16);
    expect(pacedLimit(8, { atOnce: 8, latencyMs: 1600 })).toBe(12);
  });

  it('shrinks in proportion when starts take longer than that (a loaded machine), down to two', () => {
    expect(pacedLimit(16, { atOnce: 16, latencyMs: 5000 })).toBe(8);
    expect(pacedLimit(16, { atOnce: 16, latencyMs: 60_000 })).toBe(2);
  });

  it('does not shrink because few ran at once, however fast', () => {
    expect(pacedLimit(64, { atOnce: 1, latencyMs: 100 })).toBe(64);
  });

  it('stays fixed without pacing, whatever a start measured', () => {
    const gate = new InitGate(2);
    gate.enter().release(100);

    expect(gate.limit).toBe(2);
  });
});
