/**
 * Lambda's asynchronous invocation model (`InvocationType: Event`): the service answers 202 and
 * keeps the event in a queue of its own; a poller invokes the function. A function error is retried
 * twice (one minute, then two minutes later); a throttle or a service error is retried with
 * exponential backoff from 1 s up to 5 minutes; an event older than the maximum event age
 * (6 hours) is discarded. A function's own retries and maximum age (its EventInvokeConfig) win over
 * these service-wide settings, as over Lambda's defaults. Nothing accepted is lost silently: each event ends in a success or in
 * one log line that names its request ID, the attempts made and why it was given up.
 *
 * Lambda documents no cap on the size of its queue; the local one is this process's memory, so it
 * holds at most `maxQueuedBytes` of events: one that would take it past the cap is not taken, and
 * the Invoke API answers it 429, so that the caller retries it rather than it being lost.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
import type { AsyncInvokeConfig } from '../core/types';

export interface AsyncInvocationSettings {
  /** @default 21 600 000 (6 hours, Lambda's default and maximum) */
  readonly maxEventAgeMs?: number;
  /** Retries after a function error, 0 to 2. @default 2 */
  readonly maxRetryAttempts?: number;
  /** The wait before each retry after a function error. @default [60 000, 120 000], as Lambda */
  readonly retryDelaysMs?: readonly number[];
  /** First backoff after a throttle or service error; it doubles each time. @default 1000 */
  readonly throttleBackoffInitialMs?: number;
  /** @default 300 000 (5 minutes) */
  readonly throttleBackoffMaxMs?: number;
  /**
   * Bytes of events held at once, all functions together: each event's payload plus
   * {@link EVENT_RECORD_BYTES}. @default {@link DEFAULT_MAX_QUEUED_EVENT_BYTES}
   */
  readonly maxQueuedBytes?: number;
}

/**
 * Asynchronous invocation payload quota (1 MB since October 2025; 256 KB before).
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;
export const DEFAULT_MAX_EVENT_AGE_MS = 6 * 60 * 60 * 1000;
export const DEFAULT_MAX_QUEUED_EVENT_BYTES = 256 * 1024 * 1024;
/**
 * What an event costs beyond its payload (its record, request ID and retry timer: about 450 bytes
 * of heap, measured), rounded up, so that a flood of empty events is bounded too.
 */
export const EVENT_RECORD_BYTES = 1024;

/** What an event of this payload counts against the queue's `maxQueuedBytes`. */
function costOf(payload: Buffer): number {
  return payload.length + EVENT_RECORD_BYTES;
}

/** How one attempt went, as the poller sees it. */
export type AttemptOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'function-error'; readonly detail: string }
  /** 429, or a 5xx of the service: the function did not run; retried with backoff. */
  | { readonly kind: 'throttled'; readonly detail: string }
  /** Anything else: retrying cannot help. */
  | { readonly kind: 'rejected'; readonly detail: string };

export interface QueuedEvent {
  readonly functionName: string;
  readonly requestId: string;
  readonly payload: Buffer;
  readonly acceptedAt: number;
  /** Attempts that ran the function. */
  ran: number;
  /** Attempts refused before the function ran (throttles, service errors). */
  refused: number;
  functionErrors: number;
  timer?: NodeJS.Timeout | undefined;
}

export class AsyncInvocationQueue {
  private readonly events = new Set<QueuedEvent>();
  private readonly running = new Set<Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly maxEventAgeMs: number;
  private readonly maxRetryAttempts: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  readonly maxQueuedBytes: number;
  private queuedBytes = 0;

  constructor(
    settings: AsyncInvocationSettings,
    /** Runs one attempt (admission, environment, invocation, its log lines). */
    private readonly attempt: (event: QueuedEvent) => Promise<AttemptOutcome>,
    /** Writes a line to the function's log. */
    private readonly log: (functionName: string, line: string) => void,
    /**
     * The function's own settings, asked at each decision, so that a configuration replaced in
     * watch mode applies to the events already queued.
     */
    private readonly configOf: (functionName: string) => AsyncInvokeConfig | undefined,
    private readonly random: () => number = Math.random,
  ) {
    this.maxEventAgeMs = settings.maxEventAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS;
    this.maxRetryAttempts = settings.maxRetryAttempts ?? 2;
    this.retryDelaysMs = settings.retryDelaysMs ?? [60_000, 120_000];
    this.backoffInitialMs = settings.throttleBackoffInitialMs ?? 1000;
    this.backoffMaxMs = settings.throttleBackoffMaxMs ?? 300_000;
    this.maxQueuedBytes = settings.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_EVENT_BYTES;
    if (!(this.maxEventAgeMs > 0)) throw new Error(`the maximum event age must be positive, got ${this.maxEventAgeMs} ms`);
    if (!Number.isInteger(this.maxRetryAttempts) || this.maxRetryAttempts < 0 || this.maxRetryAttempts > 2) {
      throw new Error(`maxRetryAttempts must be 0, 1 or 2 as on Lambda, got ${this.maxRetryAttempts}`);
    }
    // Room for one event of the largest payload, so that an event refused for want of room fits once the queue drains.
    const largest = MAX_ASYNC_PAYLOAD_BYTES + EVENT_RECORD_BYTES;
    if (!(this.maxQueuedBytes >= largest)) {
      throw new Error(`maxQueuedBytes must hold one event of the largest payload, ${largest} bytes or more, got ${this.maxQueuedBytes}`);
    }
  }

  /** Events accepted and not yet ended. */
  get pending(): number {
    return this.events.size;
  }

  /** Bytes of the events accepted and not yet ended, as counted against {@link maxQueuedBytes}. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /**
   * Takes an event to be accepted with 202 and runs its first attempt now; false, and nothing
   * taken, when it would take the queue past {@link maxQueuedBytes}.
   */
  tryEnqueue(functionName: string, requestId: string, payload: Buffer): boolean {
    const cost = costOf(payload);
    if (this.queuedBytes + cost > this.maxQueuedBytes) return false;
    this.queuedBytes += cost;
    const event: QueuedEvent = { functionName, requestId, payload, acceptedAt: Date.now(), ran: 0, refused: 0, functionErrors: 0 };
    this.events.add(event);
    this.run(event);
    return true;
  }

  /** Resolves when every accepted event has ended. */
  whenSettled(): Promise<void> {
    if (this.events.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Gives up every waiting event with its line, and waits for the attempts under way to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const event of [...this.events]) {
      if (event.timer === undefined) continue;
      clearTimeout(event.timer);
      this.giveUp(event, 'the local Lambda service stopped before the next attempt');
    }
    await Promise.allSettled([...this.running]);
  }

  /** The function's `MaximumRetryAttempts`, else the service-wide setting. */
  private maxRetryAttemptsOf(event: QueuedEvent): number {
    return this.configOf(event.functionName)?.maximumRetryAttempts ?? this.maxRetryAttempts;
  }

  /** The function's `MaximumEventAgeInSeconds`, else the service-wide setting. */
  private maxEventAgeMsOf(event: QueuedEvent): number {
    const seconds = this.configOf(event.functionName)?.maximumEventAgeSeconds;
    return seconds === undefined ? this.maxEventAgeMs : seconds * 1000;
  }

  private run(event: QueuedEvent): void {
    event.timer = undefined;
    const running = this.runAttempt(event);
    this.running.add(running);
    void running.finally(() => this.running.delete(running));
  }

  private async runAttempt(event: QueuedEvent): Promise<void> {
    if (this.closed) {
      this.giveUp(event, 'the local Lambda service stopped before the next attempt');
      return;
    }
    const maxEventAgeMs = this.maxEventAgeMsOf(event);
    if (Date.now() - event.acceptedAt > maxEventAgeMs) {
      this.giveUp(event, `older than the maximum event age of ${maxEventAgeMs / 1000} s`);
      return;
    }
    let outcome: AttemptOutcome;
    try {
      outcome = await this.attempt(event);
    } catch (error) {
      outcome = { kind: 'rejected', detail: error instanceof Error ? error.message : String(error) };
    }
    switch (outcome.kind) {
      case 'success':
        event.ran += 1;
        this.end(event);
        return;
      case 'rejected':
        this.giveUp(event, outcome.detail);
        return;
      case 'function-error': {
        event.ran += 1;
        event.functionErrors += 1;
        const maxRetryAttempts = this.maxRetryAttemptsOf(event);
        if (event.functionErrors > maxRetryAttempts) {
          this.giveUp(event, `the function failed on every attempt (${maxRetryAttempts} retries): ${outcome.detail}`);
          return;
        }
        const delay = this.retryDelaysMs[Math.min(event.functionErrors - 1, this.retryDelaysMs.length - 1)] ?? 0;
        this.retryAfter(event, delay, `the function failed (${outcome.detail})`);
        return;
      }
      case 'throttled': {
        event.refused += 1;
        // Exponential, with jitter, so that refused events do not come back all at once.
        const ceiling = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** (event.refused - 1));
        this.retryAfter(event, ceiling / 2 + (this.random() * ceiling) / 2, `it was refused (${outcome.detail})`);
        return;
      }
    }
  }

  private retryAfter(event: QueuedEvent, delayMs: number, why: string): void {
    if (this.closed) {
      this.giveUp(event, `the local Lambda service stopped; the last attempt failed because ${why}`);
      return;
    }
    const maxEventAgeMs = this.maxEventAgeMsOf(event);
    if (Date.now() + delayMs - event.acceptedAt > maxEventAgeMs) {
      this.giveUp(
        event,
        `its next attempt would come after the maximum event age of ${maxEventAgeMs / 1000} s; the last failed because ${why}`,
      );
      return;
    }
    event.timer = setTimeout(() => this.run(event), delayMs);
  }

  private giveUp(event: QueuedEvent, reason: string): void {
    if (!this.events.has(event)) return;
    this.log(
      event.functionName,
      [
        `EVENT DISCARDED RequestId: ${event.requestId}`,
        `Attempts: ${event.ran}`,
        `Refused: ${event.refused}`,
        `Age: ${((Date.now() - event.acceptedAt) / 1000).toFixed(3)} s`,
        `Reason: ${reason}`,
      ].join('\t'),
    );
    this.end(event);
  }

  private end(event: QueuedEvent): void {
    if (!this.events.delete(event)) return;
    this.queuedBytes -= costOf(event.payload);
    if (this.events.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
