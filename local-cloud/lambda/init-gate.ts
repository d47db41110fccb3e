/**
 * The init gate: how many environments start (INIT) at once, machine-wide. A start costs a
 * process about 30 ms of CPU; a hundred at once on two busy cores share them so thinly that some
 * pass INIT's 10 s timeout and are killed, which Lambda, starting each on a host of its own, would
 * not do; on an idle machine the same hundred start in well under a second. So by default the
 * gate is paced by what it measures: each start says how long it took and how many ran beside
 * it, and the number at once grows (at most doubling what it saw) while starts take under a
 * quarter of INIT's 10 s, and shrinks in proportion when they take longer. `--max-concurrent-inits`
 * fixes it instead. Beyond it a start waits its turn (shown in the QUEUED line).
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
 */
import os from 'node:os';

/** What a paced gate aims a start at: a quarter of INIT's 10 s, so a start four times slower than those measured still passes. */
export const PACED_START_TARGET_MS = 2500;
/** The fewest starts at once a paced gate allows, however slow they are. */
const PACED_MIN = 2;
/** The most starts at once a paced gate allows, however fast they are: Lambda's default account concurrency. */
const PACED_MAX = 1000;

/** Where a paced gate begins, before it has measured a start: four per core, and at least two. */
export function defaultMaxConcurrentInits(cores = os.availableParallelism()): number {
  return Math.max(PACED_MIN, 4 * cores);
}

/** One start as the gate measured it. */
export interface StartSample {
  /** Starts under way beside it, itself included: the more of those when it was let through and when it ended. */
  readonly atOnce: number;
  /** How long it took, INIT included. */
  readonly latencyMs: number;
}

/**
 * The next limit of a paced gate after a start: down in proportion when it took longer than the
 * target, up towards what the target allows when it took less, but at most twice the starts seen
 * at once (nothing is known of more), and never down only because few ran at once.
 */
export function pacedLimit(current: number, { atOnce, latencyMs }: StartSample): number {
  const allowed = Math.floor((atOnce * PACED_START_TARGET_MS) / Math.max(latencyMs, 1));
  const next = latencyMs > PACED_START_TARGET_MS ? Math.min(current, allowed) : Math.max(current, Math.min(allowed, 2 * atOnce));
  return Math.min(PACED_MAX, Math.max(PACED_MIN, next));
}

/** A place at the {@link InitGate}. */
interface GateEntry {
  /** Resolves when the place is the caller's, with how long it waited and behind how many. */
  readonly granted: Promise<{ readonly waitedMs: number; readonly queued: number }>;
  /** Whether the caller had to queue, and behind how many (itself included). */
  readonly waiting: boolean;
  readonly queued: number;
  /**
   * Leaves the queue, or gives back the place once granted: the start is over (with how long it
   * took, `startMs`, which paces the gate) or not needed.
   */
  release(startMs?: number): void;
}

/** A first-come gate for environment starts: `limit` places, fixed or paced. */
export class InitGate {
  private running = 0;
  private limitValue: number;
  private readonly queue: (() => void)[] = [];

  /** A fixed `limit`; or, with `paced`, `limit` until the first start is measured. */
  constructor(
    limit: number,
    readonly paced = false,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`maxConcurrentInits must be a positive integer, got ${limit}`);
    this.limitValue = limit;
  }

  /** Places now. */
  get limit(): number {
    return this.limitValue;
  }

  enter(): GateEntry {
    const joinedAt = performance.now();
    const queued = this.queue.length + 1;
    let state: 'queued' | 'granted' | 'released' = 'queued';
    let atOnce = 0;
    let resolveGranted: (value: { waitedMs: number; queued: number }) => void = () => undefined;
    const granted = new Promise<{ waitedMs: number; queued: number }>((resolve) => {
      resolveGranted = resolve;
    });
    const grant = () => {
      state = 'granted';
      atOnce = this.running;
      resolveGranted({ waitedMs: performance.now() - joinedAt, queued });
    };
    const waiting = this.running >= this.limitValue || this.queue.length > 0;
    if (waiting) this.queue.push(grant);
    else {
      this.running += 1;
      grant();
    }
    return {
      granted,
      waiting,
      queued,
      release: (startMs) => {
        if (state === 'queued') {
          const index = this.queue.indexOf(grant);
          if (index >= 0) this.queue.splice(index, 1);
        } else if (state === 'granted') {
          if (this.paced && startMs !== undefined) {
            this.limitValue = pacedLimit(this.limitValue, { atOnce: Math.max(atOnce, this.running), latencyMs: startMs });
          }
          this.running -= 1;
          this.admit();
        }
        state = 'released';
      },
    };
  }

  /** Places go to those in line, as many as the limit now allows. */
  private admit(): void {
    while (this.running < this.limitValue) {
      const next = this.queue.shift();
      if (next === undefined) return;
      this.running += 1;
      next();
    }
  }
}
