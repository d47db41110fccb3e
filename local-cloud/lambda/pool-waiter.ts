/**
 * An environment leased to an invocation by its function's pool (environment-pool.ts), an
 * invocation waiting for one, and what its QUEUED line says: the local limits that held the start meant for it, and how long it waited.
 */
import type { Environment, RuntimeErrorDocument } from './environment';
import type { QueueWait } from './invocation-log';

/** An environment leased to one invocation. */
export interface Lease {
  readonly environment: Environment;
  /** Set on an environment's first invocation: its INIT (the cold start's `Init Duration`). */
  readonly initDurationMs?: number;
  readonly initError?: RuntimeErrorDocument;
  /** Set when INIT ran past its limit (that attempt's duration): it runs again inside this invocation. */
  readonly suppressedInitMs?: number;
  /** Set when the invocation waited for a local limit (the budget, the init gate). */
  readonly queueWait?: QueueWait;
}

export interface Waiter {
  readonly resolve: (lease: Lease) => void;
  readonly reject: (reason: unknown) => void;
  readonly joinedAt: number;
  /** The local limits that made the start meant for it wait. */
  wait?: QueueWait;
}

/** Says in the waiter's QUEUED line which local limit held the start meant for it. */
export function noteLimit(waiter: Waiter | undefined, queued: number, limit: string): void {
  if (waiter === undefined) return;
  waiter.wait = {
    waitedMs: 0,
    queued: Math.max(waiter.wait?.queued ?? 0, queued),
    limits: [...(waiter.wait?.limits ?? []), limit],
  };
}

/** The QUEUED record of a waiter a local limit held, if one did. */
export function queueWaitOf(waiter: Waiter): { queueWait?: QueueWait } {
  if (waiter.wait === undefined) return {};
  return { queueWait: { ...waiter.wait, waitedMs: performance.now() - waiter.joinedAt } };
}
