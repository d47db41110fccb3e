/**
 * The local resource budget: how many execution environments (OS processes) this machine keeps
 * alive at once, across every function. Lambda has no such bound below the account's
 * concurrency; a laptop does. It is the only local bound, and it shows when it binds: a warning,
 * a QUEUED line next to the invocation's REPORT, and the figure in `npm start`'s banner.
 *
 * A slot is held by an environment from its start to its end (starting, busy or idle). When none
 * is free, an invocation waits in one first-come queue; an idle environment of another function is
 * stopped to make room, and a waiter is handed the first slot that frees.
 */
import os from 'node:os';

/**
 * What one environment is allowed, for the default budget: the resident set measured for the
 * squarer (about 48 MB on Node 24, of which about 35 MB are pages of the node binary shared with
 * every other environment; proportional set about 13 MB). Counting the whole resident set keeps
 * the default on the safe side for heavier functions. Measured by `npm run bench` (environments).
 */
const ENVIRONMENT_ALLOWANCE_MB = 48;

/** The share of the machine's memory the default budget gives to environments. */
const BUDGET_SHARE_OF_MEMORY = 0.5;

/** Half the machine's memory at 48 MB an environment: 256 with 24 GiB, 170 with 16 GiB, 85 with 8 GiB. */
export function defaultMaxEnvironments(totalMemoryBytes = os.totalmem()): number {
  return Math.max(1, Math.floor(((totalMemoryBytes / 2 ** 20) * BUDGET_SHARE_OF_MEMORY) / ENVIRONMENT_ALLOWANCE_MB));
}

/** A place in the budget's queue. */
export interface BudgetTicket {
  /** How many were waiting when this one joined, itself included. */
  readonly queuedAtJoin: number;
  /** Leaves the queue (the waiter got an environment another way, or gave up). */
  cancel(): void;
}

interface QueueEntry {
  readonly grant: () => void;
}

interface EnvironmentBudgetHooks {
  /** The budget has just begun to bind: an invocation waits. */
  readonly onBind: (waiting: number) => void;
  /** Stop one idle environment somewhere, if there is one, so its slot goes to the queue. */
  readonly reclaimIdle: () => void;
}

export class EnvironmentBudget {
  private inUseValue = 0;
  private readonly queue: QueueEntry[] = [];

  constructor(
    readonly maxEnvironments: number,
    private readonly hooks: EnvironmentBudgetHooks,
  ) {
    if (!Number.isInteger(maxEnvironments) || maxEnvironments < 1)
      throw new Error(`maxEnvironments must be a positive integer, got ${maxEnvironments}`);
  }

  /** Environments alive (or starting) now. */
  get inUse(): number {
    return this.inUseValue;
  }

  /** Invocations waiting for a slot now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Takes a slot if one is free and nobody is ahead in the queue. */
  tryTake(): boolean {
    if (this.queue.length > 0 || this.inUseValue >= this.maxEnvironments) return false;
    this.inUseValue += 1;
    return true;
  }

  /** Joins the queue; `grant` runs with a slot taken for the caller. */
  wait(grant: () => void): BudgetTicket {
    const entry: QueueEntry = { grant };
    this.queue.push(entry);
    const queuedAtJoin = this.queue.length;
    if (queuedAtJoin === 1) this.hooks.onBind(queuedAtJoin);
    // After the caller holds its ticket: a reclaimed slot may be granted at once.
    queueMicrotask(() => this.hooks.reclaimIdle());
    return {
      queuedAtJoin,
      cancel: () => {
        const index = this.queue.indexOf(entry);
        if (index >= 0) this.queue.splice(index, 1);
      },
    };
  }

  /** An environment has ended: its slot goes to the first waiter, else back to the budget. */
  give(): void {
    const next = this.queue.shift();
    if (next !== undefined) next.grant();
    else this.inUseValue = Math.max(0, this.inUseValue - 1);
  }
}
