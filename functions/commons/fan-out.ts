/**
 * Runs one task per item in parallel, with a cap on tasks in flight, retries with capped
 * exponential backoff and full jitter, additive-increase/multiplicative-decrease of the cap when
 * throttled, a retry budget per fan-out, and a deadline. Every item ends with exactly one outcome.
 *
 * Backoff and jitter as in "Exponential Backoff And Jitter" (AWS Architecture Blog):
 * delay = random(0, min(maxDelay, base × 2^attempt)).
 */

/** How a failure is to be treated. */
export type RetryClass = 'throttle' | 'transient' | 'final';

/** A failure as the fan-out reports it on an item. */
export interface ItemError {
  /** e.g. `TooManyRequestsException`, `Runtime.ExitError`, `InvalidNumber`, `DeadlineExceeded`. */
  readonly type: string;
  readonly message: string;
}

export interface ClassifiedError extends ItemError {
  readonly retry: RetryClass;
}

export type ItemOutcome<T, R> =
  | { readonly ok: true; readonly item: T; readonly value: R }
  | { readonly ok: false; readonly item: T; readonly error: ItemError };

export interface RetryPolicy {
  /** Attempts per item, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Retries allowed across the whole fan-out, so one request cannot retry without bound. */
  readonly budget: number;
}

export interface FanOutOptions<T, R> {
  /** Most tasks in flight at once. */
  readonly maxConcurrency: number;
  /** When to stop (epoch ms): nothing starts after it, and whatever is unfinished then fails. */
  readonly deadline: number;
  readonly retry: RetryPolicy;
  /** Says whether a failure is worth retrying. */
  readonly classify: (error: unknown) => ClassifiedError;
  /** Called as each item settles, in completion order. */
  readonly onSettled?: (index: number, outcome: ItemOutcome<T, R>) => void;
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface FanOutStats {
  /** Tasks started, retries included. */
  readonly invocations: number;
  readonly retries: number;
  /** Failures classified as throttling. */
  readonly throttles: number;
  /** Most tasks in flight at one time. */
  readonly peakConcurrency: number;
  readonly durationMs: number;
}

export interface FanOutResult<T, R> {
  /** One outcome per item, in input order. */
  readonly outcomes: ItemOutcome<T, R>[];
  readonly stats: FanOutStats;
}

export const DEADLINE_EXCEEDED = 'DeadlineExceeded';

export function fanOut<T, R>(
  items: readonly T[],
  task: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  options: FanOutOptions<T, R>,
): Promise<FanOutResult<T, R>> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const startedAt = now();
  const outcomes = new Array<ItemOutcome<T, R> | undefined>(items.length);
  const attempts = new Uint16Array(items.length);
  const ready: number[] = items.map((_, index) => index).reverse(); // a stack: pop() takes index 0 first
  const inFlight = new Map<number, { controller: AbortController; startedAt: number }>();
  const waiting = new Map<number, NodeJS.Timeout>();
  let settledCount = 0;
  let limit = Math.max(1, options.maxConcurrency);
  let lastDecreaseAt = -Infinity;
  let invocations = 0;
  let retries = 0;
  let throttles = 0;
  let peakConcurrency = 0;
  let done = false;

  return new Promise((resolve) => {
    const deadlineTimer = setTimeout(onDeadline, Math.max(0, options.deadline - now()));

    const settle = (index: number, outcome: ItemOutcome<T, R>): void => {
      outcomes[index] = outcome;
      settledCount += 1;
      options.onSettled?.(index, outcome);
    };

    const finishIfDone = (): void => {
      if (done || settledCount < items.length) return;
      done = true;
      clearTimeout(deadlineTimer);
      resolve({
        outcomes: outcomes.map((outcome, index) => outcome ?? deadlineOutcome(index)),
        stats: { invocations, retries, throttles, peakConcurrency, durationMs: now() - startedAt },
      });
    };

    const pump = (): void => {
      while (!done && inFlight.size < Math.floor(limit) && ready.length > 0) {
        const index = ready.pop();
        if (index === undefined) break;
        start(index);
      }
      finishIfDone();
    };

    const start = (index: number): void => {
      const controller = new AbortController();
      const attemptStartedAt = now();
      inFlight.set(index, { controller, startedAt: attemptStartedAt });
      peakConcurrency = Math.max(peakConcurrency, inFlight.size);
      invocations += 1;
      attempts[index] = (attempts[index] ?? 0) + 1;
      let promise: Promise<R>;
      try {
        promise = task(itemAt(index), index, controller.signal);
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise.then(
        (value) => {
          if (!inFlight.delete(index) || done) return;
          limit = Math.min(options.maxConcurrency, limit + 1 / limit);
          settle(index, { ok: true, item: itemAt(index), value });
          pump();
        },
        (error: unknown) => {
          if (!inFlight.delete(index) || done) return;
          onFailure(index, options.classify(error), attemptStartedAt);
          pump();
        },
      );
    };

    const onFailure = (index: number, error: ClassifiedError, attemptStartedAt: number): void => {
      if (error.retry === 'throttle') {
        throttles += 1;
        // Halve the cap once per round trip: throttles from calls started before the last
        // decrease were answered to the old cap and say nothing new.
        if (attemptStartedAt >= lastDecreaseAt) {
          limit = Math.max(1, limit / 2);
          lastDecreaseAt = now();
        }
      }
      const attempt = attempts[index] ?? 1;
      const delay = backoff(attempt, options.retry, random);
      const retryable =
        error.retry !== 'final' &&
        attempt < options.retry.maxAttempts &&
        retries < options.retry.budget &&
        now() + delay < options.deadline;
      if (!retryable) {
        settle(index, { ok: false, item: itemAt(index), error: { type: error.type, message: error.message } });
        return;
      }
      retries += 1;
      waiting.set(
        index,
        setTimeout(() => {
          waiting.delete(index);
          ready.push(index);
          pump();
        }, delay),
      );
    };

    function onDeadline(): void {
      if (done) return;
      for (const [index, { controller }] of inFlight) {
        controller.abort();
        settle(index, deadlineOutcome(index));
      }
      inFlight.clear();
      for (const [index, timer] of waiting) {
        clearTimeout(timer);
        settle(index, deadlineOutcome(index));
      }
      waiting.clear();
      for (const index of ready) settle(index, deadlineOutcome(index));
      ready.length = 0;
      finishIfDone();
    }

    pump();
  });

  function itemAt(index: number): T {
    // Indices come from items.map above, so each is in range.
    return items[index] as T;
  }

  function deadlineOutcome(index: number): ItemOutcome<T, R> {
    return {
      ok: false,
      item: itemAt(index),
      error: { type: DEADLINE_EXCEEDED, message: 'not finished before the deadline of the request' },
    };
  }
}

function backoff(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
