/**
 * The environment scheduler's one decision: when every environment of a function is busy, does an
 * invocation wait for one of them to free up, or does a new one start? Lambda always starts one
 * (an environment per invocation in flight); here a start is a process on a machine of a few
 * cores, which can cost more than the wait. So the pool waits when this function's recent
 * invocations end sooner than a start would take, and starts when they do not: the outcome of
 * every invocation is the same either way; only the number of environments and of cold starts
 * differs (FIDELITY.md).
 */

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
  readonly invocationMs: number | undefined;
  readonly startMs: number | undefined;
  /** One environment per invocation in flight, as Lambda has (`--environment-per-invocation`). */
  readonly environmentPerInvocation: boolean;
}

/**
 * How many environments should be starting for the waiters: one for each, unless this function's
 * invocations end sooner than a start takes; then one for each waiter the busy environments would
 * not serve within a start's time (each serves one every `invocationMs`).
 */
export function startsWanted(demand: Demand): number {
  const { waiting, busy, invocationMs, startMs } = demand;
  if (demand.environmentPerInvocation || busy === 0) return waiting;
  if (invocationMs === undefined || startMs === undefined || invocationMs >= startMs) return waiting;
  const servedWithinAStart = Math.floor((busy * startMs) / Math.max(invocationMs, Number.MIN_VALUE));
  return Math.max(0, waiting - servedWithinAStart);
}
