/**
 * The execution environments of one function: every invocation in flight has one of its own, as
 * on Lambda. A warm idle environment is reused first (the most recently used, so the fewest stay
 * warm, as Lambda tends to); otherwise a new one starts, within the local resource budget. When
 * the budget binds, the invocation waits for whichever comes first: an environment of this
 * function that finishes, or a slot of the budget.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import type { FunctionDefinition } from '../types';
import type { ExecutionEnvironment, RuntimeErrorDocument } from './execution-environment';
import type { QueueWait } from './invocation-log';
import type { BudgetTicket, EnvironmentBudget, InitGate } from './resource-budget';

export interface Lease {
  readonly environment: ExecutionEnvironment;
  /** Set when the environment was started for this invocation (a cold start). */
  readonly initDurationMs?: number;
  readonly initError?: RuntimeErrorDocument;
  /** Set when the invocation waited for the local resource budget. */
  readonly queueWait?: QueueWait;
}

interface Waiter {
  readonly resolve: (lease: Lease) => void;
  readonly reject: (reason: unknown) => void;
  readonly joinedAt: number;
  ticket?: BudgetTicket;
}

export class EnvironmentPool {
  readonly environments = new Set<ExecutionEnvironment>();
  /** Environments running code that {@link replace} replaced: stopped when their invocation ends. */
  private readonly retired = new WeakSet<ExecutionEnvironment>();
  /** Most recently used last. */
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(
    private current: FunctionDefinition,
    private readonly budget: EnvironmentBudget,
    private readonly initGate: InitGate,
    /** A new, unstarted environment of this function. */
    private createEnvironment: () => ExecutionEnvironment,
  ) {}

  get definition(): FunctionDefinition {
    return this.current;
  }

  /**
   * New code or configuration (watch mode): environments start from it from now on; idle ones
   * stop now, busy ones when their invocation ends.
   */
  replace(definition: FunctionDefinition, createEnvironment: () => ExecutionEnvironment): void {
    this.current = definition;
    this.createEnvironment = createEnvironment;
    for (const environment of this.environments) this.retired.add(environment);
    for (const environment of [...this.idle]) this.stop(environment);
  }

  /** When the least recently used idle environment was last used, if there is one. */
  get oldestIdleSince(): number | undefined {
    return this.idle[0]?.lastUsedAt;
  }

  /** An environment for one invocation: warm, new, or the first to free up. */
  acquire(signal: AbortSignal | undefined): Promise<Lease> {
    for (let idle = this.idle.pop(); idle !== undefined; idle = this.idle.pop()) {
      if (idle.state === 'idle') return Promise.resolve({ environment: idle });
      // It died while idle (a stray timer called process.exit, say): forget it.
      this.forget(idle);
    }
    if (this.budget.tryTake()) return this.start(undefined);
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, joinedAt: performance.now() };
      this.waiters.push(waiter);
      waiter.ticket = this.budget.wait(() => {
        this.removeWaiter(waiter);
        this.start(this.waitOf(waiter)).then(resolve, reject);
      });
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.removeWaiter(waiter)) return;
          waiter.ticket?.cancel();
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Hands a healthy environment to a waiter of this function, or keeps it warm, or frees its slot. */
  release(environment: ExecutionEnvironment): void {
    if (environment.state !== 'idle' || this.closed || this.retired.has(environment)) {
      this.stop(environment);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.ticket?.cancel();
      waiter.resolve({ environment, queueWait: this.waitOf(waiter) });
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
      waiter.ticket?.cancel();
      waiter.reject(reason);
    }
    const exits = [...this.environments].map((environment) => {
      const exited = environment.whenExited();
      environment.kill();
      return exited;
    });
    await Promise.all(exits);
  }

  private async start(budgetWait: QueueWait | undefined): Promise<Lease> {
    const gate = await this.initGate.enter();
    let environment: ExecutionEnvironment;
    let init: Awaited<ReturnType<ExecutionEnvironment['start']>>;
    try {
      if (this.closed) throw new Error('The local Lambda service is closed.');
      environment = this.createEnvironment();
      this.environments.add(environment);
      init = await environment.start();
    } finally {
      this.initGate.leave();
    }
    const queueWait = gate.waitedMs === 0 ? budgetWait : combine(budgetWait, {
      waitedMs: gate.waitedMs,
      queued: gate.queued,
      limits: [`Starting at once: ${this.initGate.limit} environments (--max-concurrent-inits)`],
    });
    const wait = queueWait === undefined ? {} : { queueWait };
    if (init.kind === 'init-error') return { environment, initDurationMs: init.initDurationMs, initError: init.error, ...wait };
    return { environment, initDurationMs: init.initDurationMs, ...wait };
  }

  private stop(environment: ExecutionEnvironment): void {
    environment.kill();
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    this.forget(environment);
  }

  /** Its slot goes back to the budget once, whatever ended it. */
  private forget(environment: ExecutionEnvironment): void {
    if (this.environments.delete(environment)) this.budget.give();
  }

  private removeWaiter(waiter: Waiter): boolean {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return false;
    this.waiters.splice(index, 1);
    return true;
  }

  private waitOf(waiter: Waiter): QueueWait {
    return {
      waitedMs: performance.now() - waiter.joinedAt,
      queued: waiter.ticket?.queuedAtJoin ?? 1,
      limits: [`Local budget: ${this.budget.maxEnvironments} environments (--max-environments)`],
    };
  }
}

function combine(first: QueueWait | undefined, second: QueueWait): QueueWait {
  if (first === undefined) return second;
  return { waitedMs: first.waitedMs + second.waitedMs, queued: Math.max(first.queued, second.queued), limits: [...first.limits, ...second.limits] };
}
