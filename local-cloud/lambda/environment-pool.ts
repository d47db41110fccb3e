/**
 * The execution environments of one function: every invocation in flight has one of its own, as
 * on Lambda. A warm idle environment is reused first (the most recently used, so the fewest stay
 * warm, as Lambda tends to); otherwise a new one starts, within the local resource budget. When
 * the budget binds, the invocation waits for whichever comes first: an environment of this
 * function that finishes, or a slot of the budget.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import type { FunctionDefinition } from '../core/types';
import type { Environment, EnvironmentFactory, RuntimeErrorDocument } from './environment';
import type { QueueWait } from './invocation-log';
import type { BudgetTicket, EnvironmentBudget, InitGate } from './resource-budget';

export interface Lease {
  readonly environment: Environment;
  /** Set when the environment was started for this invocation (a cold start). */
  readonly initDurationMs?: number;
  readonly initError?: RuntimeErrorDocument;
  /** Set when INIT ran past its limit (that attempt's duration): it runs again inside this invocation. */
  readonly suppressedInitMs?: number;
  /** Set when the invocation waited for the local resource budget. */
  readonly queueWait?: QueueWait;
}

/**
 * An invocation waiting for the local resource budget: an environment of this function that
 * frees up first serves it.
 */
interface Waiter {
  readonly resolve: (lease: Lease) => void;
  readonly reject: (reason: unknown) => void;
  readonly joinedAt: number;
  /** What it waits for, once a local limit makes it wait. */
  wait?: QueueWait;
  /** Gives up its place in the budget's queue. */
  cancel: () => void;
}

export class EnvironmentPool {
  readonly environments = new Set<Environment>();
  /** Environments running code that {@link replace} replaced: stopped when their invocation ends. */
  private readonly retired = new WeakSet<Environment>();
  /** Most recently used last. */
  private readonly idle: Environment[] = [];
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(
    private current: FunctionDefinition,
    private readonly budget: EnvironmentBudget,
    private readonly initGate: InitGate,
    /** Makes a new, unstarted environment of the function's current definition. */
    private readonly createEnvironment: EnvironmentFactory,
  ) {}

  get definition(): FunctionDefinition {
    return this.current;
  }

  /**
   * New code or configuration (watch mode): environments start from it from now on; idle ones
   * stop now, busy ones when their invocation ends.
   */
  replace(definition: FunctionDefinition): void {
    this.current = definition;
    for (const environment of this.environments) this.retired.add(environment);
    for (const environment of [...this.idle]) this.stop(environment);
  }

  /** When the least recently used idle environment was last used, if there is one. */
  get oldestIdleSince(): number | undefined {
    return this.idle[0]?.lastUsedAt;
  }

  /** An environment for one invocation: warm, new, or the first of this function to free up. */
  acquire(signal: AbortSignal | undefined): Promise<Lease> {
    for (let idle = this.idle.pop(); idle !== undefined; idle = this.idle.pop()) {
      if (idle.state === 'idle') return Promise.resolve({ environment: idle });
      // It died while idle (a stray timer called process.exit, say): forget it.
      this.forget(idle);
    }
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, joinedAt: performance.now(), cancel: () => undefined };
      this.waiters.push(waiter);
      if (this.budget.tryTake()) {
        this.startFor(waiter);
      } else {
        const ticket: BudgetTicket = this.budget.wait(() => this.startFor(waiter));
        waiter.wait = {
          waitedMs: 0,
          queued: ticket.queuedAtJoin,
          limits: [`Local budget: ${this.budget.maxEnvironments} environments (--max-environments)`],
        };
        waiter.cancel = () => ticket.cancel();
      }
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.removeWaiter(waiter)) return;
          waiter.cancel();
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Hands a healthy environment to a waiter of this function, or keeps it warm, or frees its slot. */
  release(environment: Environment): void {
    if (environment.state !== 'idle' || this.closed || this.retired.has(environment)) {
      this.stop(environment);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.cancel();
      waiter.resolve({ environment, ...this.queueWaitOf(waiter) });
      return;
    }
    // Another function is waiting for room: a warm environment nobody here needs now is the room.
    if (this.budget.waiting > 0) {
      this.stop(environment);
      return;
    }
    this.idle.push(environment);
  }

  /** Stops the least recently used idle environment; false when there is none. */
  stopOldestIdle(): boolean {
    const oldest = this.idle.shift();
    if (oldest === undefined) return false;
    this.stop(oldest);
    return true;
  }

  /** Stops idle environments unused for `ttlMs`, as Lambda recycles them. */
  stopIdleOlderThan(ttlMs: number, now = Date.now()): void {
    for (const environment of [...this.idle]) {
      if (now - environment.lastUsedAt >= ttlMs) this.stop(environment);
    }
  }

  /** Refuses the waiters and stops every environment; resolves when the processes have exited. */
  async close(reason: unknown): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.cancel();
      waiter.reject(reason);
    }
    const exits = [...this.environments].map((environment) => {
      const exited = environment.whenExited();
      environment.stop();
      return exited;
    });
    await Promise.all(exits);
  }

  /**
   * The waiter holds a budget slot: it takes its turn at the init gate, then starts its own
   * environment and waits for it, as on Lambda, where the invocation that caused a cold start
   * waits for that environment's INIT, whatever frees up meanwhile.
   */
  private startFor(waiter: Waiter): void {
    this.removeWaiter(waiter);
    const entry = this.initGate.enter();
    if (entry.waiting) {
      const limit = `Starting at once: ${this.initGate.limit} environments (--max-concurrent-inits)`;
      waiter.wait = {
        waitedMs: 0,
        queued: Math.max(waiter.wait?.queued ?? 0, entry.queued),
        limits: [...(waiter.wait?.limits ?? []), limit],
      };
    }
    void entry.granted.then(async () => {
      if (this.closed) {
        entry.release();
        this.budget.give();
        waiter.reject(new Error('The local Lambda service is closed.'));
        return;
      }
      let environment: Environment;
      try {
        environment = this.createEnvironment(this.current);
      } catch (error) {
        // Refused before any process started (the staged code changed, say): the slot and the
        // turn go back, and the invocation that asked gets the error rather than waiting forever.
        entry.release();
        this.budget.give();
        waiter.reject(error);
        return;
      }
      this.environments.add(environment);
      try {
        const init = await environment.start().finally(() => entry.release());
        const queueWait = this.queueWaitOf(waiter);
        // A suppressed INIT is billed inside the invocation that runs it again: REPORT has no Init Duration then.
        if (init.kind === 'suppressed') waiter.resolve({ environment, suppressedInitMs: init.initDurationMs, ...queueWait });
        else {
          const lease = { environment, initDurationMs: init.initDurationMs, ...queueWait };
          waiter.resolve(init.kind === 'init-error' ? { ...lease, initError: init.error } : lease);
        }
      } catch (error) {
        this.stop(environment);
        waiter.reject(error);
      }
    });
  }

  private queueWaitOf(waiter: Waiter): { queueWait?: QueueWait } {
    if (waiter.wait === undefined) return {};
    return { queueWait: { ...waiter.wait, waitedMs: performance.now() - waiter.joinedAt } };
  }

  private stop(environment: Environment): void {
    environment.stop();
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    this.forget(environment);
  }

  /** Its slot goes back to the budget once, whatever ended it. */
  private forget(environment: Environment): void {
    if (this.environments.delete(environment)) this.budget.give();
  }

  private removeWaiter(waiter: Waiter): boolean {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return false;
    this.waiters.splice(index, 1);
    return true;
  }
}
