/**
 * The environment scheduler's one decision: when every environment of a function is busy, does an
 * invocation wait for one of them to free up, or does a new one start? Lambda always starts one
 * (an environment per invocation in flight); here a start is a process on a machine of a few
 * cores, which can cost more than the wait. So the pool waits when this function's recent
 * invocations end sooner than a start would take, and starts when they do not: the outcome of
 * every invocation is the same either way; only the number of environments and of cold starts
 * differs (FIDELITY.md). Before anything is measured, it starts one environment and learns from it.
 */

import os from 'node:os';

/** The 1-minute load average, read at most once a second (the kernel updates it every 5 s): schedule() runs on every invocation. */
let loadRead = { at: -Infinity, load: 0 };
export function machineLoad(): number {
  const now = performance.now();
  if (now - loadRead.at >= 1000) loadRead = { at: now, load: os.loadavg()[0] ?? 0 };
  return loadRead.load;
}

/**
 * Two environments per core: measured on 2 cores, the repeated request of 1000 numbers took 1.6 ×
 * as long with 2 squarer environments as with 4 or 8, and longer again with 16 (bench/findings.md); pools use it unless told otherwise.
 */
export function defaultParallelism(cores = os.availableParallelism()): number {
  return 2 * cores;
}

/** How much each new figure weighs in a running average: recent invocations count most. */
const RECENT_WEIGHT = 0.3;

/** A function's recent invocation and start times, as running averages. */
export class RecentTimes {
  private invocation: number | undefined;
  private start: number | undefined;

  /** How long an environment stayed leased to one invocation (ms). */
  recordInvocation(ms: number): void {
    this.invocation = average(this.invocation, ms);
  }

  /** How long an environment took to start, INIT included (ms). */
  recordStart(ms: number): void {
    this.start = average(this.start, ms);
  }

  get invocationMs(): number | undefined {
    return this.invocation;
  }

  get startMs(): number | undefined {
    return this.start;
  }
}

function average(previous: number | undefined, next: number): number {
  return previous === undefined ? next : previous + RECENT_WEIGHT * (next - previous);
}

export interface Demand {
  /** Invocations waiting for an environment of the function. */
  readonly waiting: number;
  /**
   * Environments busy with an invocation that will serve a waiter when it ends, and has run for
   * less than a start takes: one busy longer (hung, or slower than measured) is not counted on.
   */
  readonly busy: number;
  /** Busy environments that have run longer than a start takes: a sign that this function's invocations outlast a start. */
  readonly overdue: number;
  readonly invocationMs: number | undefined;
  readonly startMs: number | undefined;
  /** One environment per invocation in flight, as Lambda has (`--environment-per-invocation`). */
  readonly environmentPerInvocation: boolean;
  /**
   * Environments a function with short invocations keeps busy when it has waiters, whatever its
   * figures: its invocations then overlap with the local cloud's own work on them, and the queue
   * drains at the machine's pace (two per core: environment-pool.ts).
   */
  readonly parallelism: number;
  /**
   * The machine has more work than cores (its load average is at least `parallelism`): a start
   * would take CPU from the invocations it is meant to serve, whose measured times are then
   * inflated by the same contention, so short invocations get no more than `parallelism` environments.
   */
  readonly saturated: boolean;
}

/**
 * How many environments should be starting for the waiters.
 * - Nothing measured yet (no invocation of the function has ended, none has run longer than a
 *   start): one start, then the waiters wait for the invocation it serves, which tells how long
 *   invocations take. A burst on a fresh stack would otherwise start an environment per waiter,
 *   a process each, for invocations that may take a millisecond.
 * - Invocations that outlast a start (measured, or one running longer than a start took): one for
 *   each waiter, as Lambda.
 * - Invocations that end sooner than a start takes: environments up to `parallelism`, and beyond
 *   that one for each waiter the busy environments would not serve within a start's time (each
 *   serves one every `invocationMs`), but no more starts at once than environments leased (so at
 *   most doubling per start's time), since every start takes CPU from the invocations it is for
 *   and the figures are measured anew as it ends. On a saturated machine, up to `parallelism`
 *   environments that serve waiters (one hung past a start's time serves none and is not counted).
 */
export function startsWanted(demand: Demand): number {
  const { waiting, busy, overdue, invocationMs, startMs } = demand;
  if (demand.environmentPerInvocation) return waiting;
  if (invocationMs === undefined && overdue === 0) return busy > 0 ? 0 : Math.min(waiting, 1);
  if (invocationMs === undefined || startMs === undefined || invocationMs >= startMs) return waiting;
  const leased = busy + overdue;
  // Counted against the cap: the environments that will serve a waiter. One hung past a start's
  // time serves none, and invocations behind it would otherwise wait for it until their deadline.
  if (demand.saturated) return Math.min(waiting, Math.max(0, demand.parallelism - busy));
  const servedWithinAStart = Math.floor((busy * startMs) / Math.max(invocationMs, Number.MIN_VALUE));
  const unserved = Math.max(0, waiting - servedWithinAStart);
  return Math.min(waiting, Math.max(demand.parallelism - leased, Math.min(unserved, Math.max(1, leased))));
}
