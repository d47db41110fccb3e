/**
 * The execution environments of one function, each serving one invocation at a time, each with
 * its own INIT, as on Lambda. A warm idle environment is reused first (the most recently used, so
 * the fewest stay warm, as Lambda tends to). When every one is busy, the invocation waits, and the
 * pool decides from what it measured whether a new environment starts for it (start-or-wait.ts):
 * Lambda would always start one; here a start can cost more than the wait. Whatever is ready
 * first, an environment freed or one just started, serves the invocation that has waited longest.
 * New environments start within the local resource budget and through the init gate.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import type { FunctionDefinition } from '../core/types';
import type { Environment, EnvironmentFactory } from './environment';
import type { InitGate } from './init-gate';
import { type Lease, noteLimit, queueWaitOf, type Waiter } from './pool-waiter';
import type { EnvironmentBudget } from './resource-budget';
import { defaultParallelism, machineLoad, RecentTimes, startsWanted } from './start-or-wait';

export type { Lease } from './pool-waiter';

/** A start asked for: waiting for a budget slot or a turn at the init gate, or under way. */
interface Start {
  /** The waiter it is meant for, whose QUEUED line names the limit it waits for. */
  readonly target: Waiter | undefined;
  /**
   * With `environmentPerInvocation`, the target once the start holds a budget slot: it waits for
   * this environment whatever frees up meanwhile, as on Lambda the invocation that caused a start does.
   */
  bound?: Waiter;
  /** Gives up its place (and its slot, once it holds one). */
  cancel: () => void;
}

export interface EnvironmentPoolOptions {
  /** One environment per invocation in flight, as Lambda has: never wait for a busy one. @default false */
  readonly environmentPerInvocation?: boolean;
  /** Environments a function with short invocations keeps busy when it has waiters (start-or-wait.ts). @default {@link defaultParallelism} */
  readonly parallelism?: number;
  /** Runnable processes on the machine, on average: at `parallelism` or more it is saturated (start-or-wait.ts). @default the 1-minute load average */
  readonly machineLoad?: () => number;
}

export class EnvironmentPool {
  readonly environments = new Set<Environment>();
  /** Environments running code that {@link replace} replaced: stopped when their invocation ends. */
  private readonly retired = new WeakSet<Environment>();
  /** Most recently used last. */
  private readonly idle: Environment[] = [];
  /** Environments leased to an invocation of the current code, and since when (leased longest first). */
  private readonly busy = new Map<Environment, number>();
  /** The INIT of an environment that started and has served nobody yet: for its first lease. */
  private readonly unreportedInit = new Map<Environment, Pick<Lease, 'initDurationMs' | 'suppressedInitMs'>>();
  private readonly waiters: Waiter[] = [];
  /** Starts for no waiter in particular, not yet under way: given up when no longer wanted. */
  private readonly pending: Start[] = [];
  /** Starts bound to their waiter, not yet under way. */
  private readonly bound = new Set<Start>();
  /** Starts for no waiter in particular under way: past the gate, creating or running INIT. */
  private underWay = 0;
  private times = new RecentTimes();
  /** Looks again when a busy environment has run as long as a start takes, while some waiters have no start. */
  private recheckTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private closeReason: unknown;

  constructor(
    private current: FunctionDefinition,
    private readonly budget: EnvironmentBudget,
    private readonly initGate: InitGate,
    /** Makes a new, unstarted environment of the function's current definition. */
    private readonly createEnvironment: EnvironmentFactory,
    private readonly options: EnvironmentPoolOptions = {},
  ) {}

  get definition(): FunctionDefinition {
    return this.current;
  }

  /**
   * New code or configuration (watch mode): environments start from it from now on; idle ones
   * stop now, busy ones when their invocation ends. What was measured of the old code is forgotten.
   */
  replace(definition: FunctionDefinition): void {
    this.current = definition;
    for (const environment of this.environments) this.retired.add(environment);
    for (const environment of [...this.idle]) this.stop(environment);
    this.busy.clear();
    this.times = new RecentTimes();
    this.schedule();
  }

  /** When the least recently used idle environment was last used, if there is one. */
  get oldestIdleSince(): number | undefined {
    return this.idle[0]?.lastUsedAt;
  }

  /** An environment for one invocation: a warm one, or whichever is ready first, freed or new. */
  acquire(signal: AbortSignal | undefined): Promise<Lease> {
    for (let idle = this.idle.pop(); idle !== undefined; idle = this.idle.pop()) {
      // One that died while idle (a stray timer called process.exit, say) still takes the next
      // invocation, which fails with its exit, as on Lambda; its release then replaces it.
      if (idle.state === 'idle' || idle.diedIdle) return Promise.resolve(this.lease(idle, undefined));
      this.forget(idle);
    }
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, joinedAt: performance.now() };
      this.waiters.push(waiter);
      this.schedule();
      signal?.addEventListener(
        'abort',
        () => {
          if (!remove(this.waiters, waiter)) return;
          reject(signal.reason);
          this.schedule();
        },
        { once: true },
      );
    });
  }

  /** Takes back an environment after its invocation: it serves the next waiter, or stays warm, or stops. */
  release(environment: Environment): void {
    const leasedAt = this.busy.get(environment);
    if (leasedAt !== undefined) {
      this.busy.delete(environment);
      this.times.recordInvocation(performance.now() - leasedAt);
    }
    if (environment.state !== 'idle' || this.closed || this.retired.has(environment)) this.stop(environment);
    else this.offer(environment);
    this.schedule();
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
    this.closeReason = reason;
    clearTimeout(this.recheckTimer);
    for (const start of [...this.pending, ...this.bound]) {
      start.cancel();
      start.bound?.reject(reason);
    }
    for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
    const exits = [...this.environments].map((environment) => {
      const exited = environment.whenExited();
      environment.stop();
      return exited;
    });
    await Promise.all(exits);
  }

  /**
   * Starts what the waiters warrant and gives up pending starts they no longer do; run on every
   * change (an invocation joins, leaves or ends, a start ends), and again when a busy environment
   * has run as long as a start takes.
   */
  private schedule(): void {
    if (this.closed) return;
    const now = performance.now();
    const startMs = this.times.startMs;
    // Leased longest first: those busy for longer than a start takes lead, and are not counted on.
    let stale = 0;
    let nextStale: number | undefined;
    for (const leasedAt of this.busy.values()) {
      if (startMs === undefined || now - leasedAt < startMs) {
        nextStale = startMs === undefined ? undefined : leasedAt + startMs;
        break;
      }
      stale += 1;
    }
    const parallelism = this.options.parallelism ?? defaultParallelism();
    const wanted = startsWanted({
      waiting: this.waiters.length,
      busy: this.busy.size - stale,
      overdue: stale,
      invocationMs: this.times.invocationMs,
      startMs,
      environmentPerInvocation: this.options.environmentPerInvocation ?? false,
      parallelism,
      saturated: (this.options.machineLoad ?? machineLoad)() >= parallelism,
    });
    // Bound starts take their waiters out of the queue: what is left compares with what is left.
    for (const target of this.waiters.slice(this.underWay + this.pending.length, wanted)) this.requestStart(target);
    let starting = this.underWay + this.pending.length;
    while (starting > Math.min(wanted, this.waiters.length) && this.pending.length > 0) {
      this.pending.at(-1)?.cancel();
      starting -= 1;
    }
    clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    // Waiters no start covers: look again when the next busy environment has run as long as a start takes.
    if (nextStale !== undefined && starting < this.waiters.length) {
      this.recheckTimer = setTimeout(() => this.schedule(), Math.max(0, nextStale - now));
    }
  }

  /** A start for `target`: a budget slot (or its turn for one), then a turn at the init gate. */
  private requestStart(target: Waiter | undefined): void {
    const start: Start = { target, cancel: () => undefined };
    this.pending.push(start);
    if (this.budget.tryTake()) {
      this.enterGate(start);
      return;
    }
    const ticket = this.budget.wait(() => this.enterGate(start));
    noteLimit(target, ticket.queuedAtJoin, `Local budget: ${this.budget.maxEnvironments} environments (--max-environments)`);
    start.cancel = () => {
      ticket.cancel();
      remove(this.pending, start);
    };
  }

  /** The start holds a budget slot: it waits its turn at the init gate, then runs. */
  private enterGate(start: Start): void {
    const entry = this.initGate.enter();
    if (entry.waiting) {
      noteLimit(start.target, entry.queued, `Starting at once: ${this.initGate.limit} environments (--max-concurrent-inits)`);
    }
    if (this.options.environmentPerInvocation && start.target !== undefined && remove(this.waiters, start.target)) {
      start.bound = start.target;
      remove(this.pending, start);
      this.bound.add(start);
    }
    start.cancel = () => {
      entry.release();
      this.budget.give();
      remove(this.pending, start);
      this.bound.delete(start);
    };
    void entry.granted.then(() => {
      const free = start.bound === undefined;
      if (!(free ? remove(this.pending, start) : this.bound.delete(start))) return;
      if (free) this.underWay += 1;
      void this.startEnvironment(entry.release, start).finally(() => {
        if (free) this.underWay -= 1;
        this.schedule();
      });
    });
  }

  /** Creates and starts an environment; when ready it serves its bound waiter, or the longest waiter, or waits warm. */
  private async startEnvironment(leaveGate: (startMs?: number) => void, { target, bound }: Start): Promise<void> {
    let environment: Environment;
    try {
      if (this.closed) throw new Error('The local Lambda service is closed.');
      environment = this.createEnvironment(this.current);
    } catch (error) {
      // Refused before any process started (the staged code changed, say): the slot and the
      // turn go back, and an invocation that waited gets the error rather than waiting forever.
      leaveGate();
      this.budget.give();
      const waiter = bound ?? (target !== undefined && remove(this.waiters, target) ? target : this.waiters.shift());
      waiter?.reject(error);
      return;
    }
    this.environments.add(environment);
    let init: Awaited<ReturnType<Environment['start']>>;
    try {
      init = await environment.start();
    } catch (error) {
      leaveGate();
      this.stop(environment);
      (bound ?? this.waiters.shift())?.reject(error);
      return;
    }
    leaveGate(init.initDurationMs);
    if (this.closed) {
      this.stop(environment);
      bound?.reject(this.closeReason);
    } else if (init.kind === 'init-error') {
      // As on Lambda, an invocation waiting for a start gets its INIT error.
      const waiter = bound ?? this.waiters.shift();
      if (waiter === undefined) this.stop(environment);
      else waiter.resolve({ environment, initDurationMs: init.initDurationMs, initError: init.error, ...queueWaitOf(waiter) });
    } else {
      // A suppressed INIT (past Lambda's 10 s) runs again inside the first invocation, which bills it:
      // that REPORT has no Init Duration, and the log has the attempt's INIT_REPORT.
      this.times.recordStart(init.initDurationMs);
      const { initDurationMs } = init;
      this.unreportedInit.set(environment, init.kind === 'suppressed' ? { suppressedInitMs: initDurationMs } : { initDurationMs });
      if (bound === undefined) this.offer(environment);
      else bound.resolve(this.lease(environment, bound));
    }
  }

  /** A healthy environment free now: to the longest waiter, else kept warm, or stopped when another function needs the room. */
  private offer(environment: Environment): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.resolve(this.lease(environment, waiter));
    else if (this.budget.waiting > 0) this.stop(environment);
    else this.idle.push(environment);
  }

  private lease(environment: Environment, waiter: Waiter | undefined): Lease {
    this.busy.set(environment, performance.now());
    const init = this.unreportedInit.get(environment);
    this.unreportedInit.delete(environment);
    return { environment, ...init, ...(waiter === undefined ? {} : queueWaitOf(waiter)) };
  }

  private stop(environment: Environment): void {
    environment.stop();
    remove(this.idle, environment);
    this.forget(environment);
  }

  /** Its slot goes back to the budget once, whatever ended it. */
  private forget(environment: Environment): void {
    this.busy.delete(environment);
    this.unreportedInit.delete(environment);
    if (this.environments.delete(environment)) this.budget.give();
  }
}

function remove<T>(list: T[], item: T): boolean {
  const index = list.indexOf(item);
  if (index < 0) return false;
  list.splice(index, 1);
  return true;
}
