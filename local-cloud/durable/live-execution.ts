/**
 * A running execution as the engine holds it in memory: its operations (written through to the
 * store, one transaction a change), which of them changed since the function last heard of them,
 * its checkpoint token, and its timers.
 */
import type { DurableStore } from './durable-store';
import type { ExecutionRecord, HistoryEvent, OperationRecord } from './durable-types';
import type { NewHistoryEvent } from './operation-updates';

/** setTimeout's longest delay; a later deadline is reached in several steps. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;
/** How long a checkpoint's `ClientToken` makes its retry idempotent, as the API reference says. */
const CLIENT_TOKEN_WINDOW_MS = 15 * 60_000;
/** Checkpoint answers kept for their ClientToken at most: a retry comes within seconds, not after thousands more checkpoints. */
const MAX_REMEMBERED_CHECKPOINTS = 1000;

/** What CheckpointDurableExecution answered. */
export interface CheckpointAnswer {
  readonly token: string;
  readonly operations: Record<string, unknown>[];
}

export interface ExecutionChange {
  readonly operations?: readonly OperationRecord[];
  readonly events?: readonly NewHistoryEvent[];
  readonly execution?: ExecutionRecord;
}

export class LiveExecution {
  private readonly byId = new Map<string, OperationRecord>();
  private readonly positions = new Map<string, number>();
  /** The change sequence at which each operation last changed. */
  private readonly changedAt = new Map<string, number>();
  private sequence = 0;
  /** Up to which change the function in flight has been told (its envelope, then each checkpoint answer). */
  private deliveredSequence = 0;
  /** The last change made by the service itself (a timer, a callback, a chained invoke's end). */
  private externalSequence = 0;
  private nextEventId: number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The checkpoint token the function in flight must present next, and the one its invocation began with. */
  token: string | undefined;
  initialToken: string | undefined;
  invoking = false;
  /** Invocations in a row that ended in an error (reset by one that answers). */
  failedInvocations = 0;
  /** Callers waiting for the end (synchronous Invoke). */
  readonly waiters: ((record: ExecutionRecord) => void)[] = [];
  /** Checkpoints by their `ClientToken`: the token they presented, their answer, and when. */
  private readonly answered = new Map<string, { readonly presented: string; readonly answer: CheckpointAnswer; readonly at: number }>();

  constructor(
    private readonly store: DurableStore,
    public record: ExecutionRecord,
    operations: readonly OperationRecord[],
    lastEventId: number,
  ) {
    operations.forEach((operation, position) => {
      this.byId.set(operation.Id, operation);
      this.positions.set(operation.Id, position);
    });
    this.nextEventId = lastEventId + 1;
  }

  get operations(): OperationRecord[] {
    return [...this.byId.values()];
  }

  get operationCount(): number {
    return this.byId.size;
  }

  operation(id: string): OperationRecord | undefined {
    return this.byId.get(id);
  }

  /**
   * Commits a change: one transaction in the store, then the same in memory. `external` marks a
   * change the function has not caused and must be replayed to learn of.
   */
  commit(change: ExecutionChange, external: boolean): void {
    const operations = (change.operations ?? []).map((operation) => ({
      operation,
      position: this.positions.get(operation.Id) ?? this.positions.size,
    }));
    // Positions for several new operations of one change: in the order given.
    let next = this.positions.size;
    for (const entry of operations) {
      if (!this.positions.has(entry.operation.Id)) entry.position = next++;
    }
    const events: HistoryEvent[] = (change.events ?? []).map((event, index) => ({ ...event, EventId: this.nextEventId + index }));
    this.store.write(this.record.arn, {
      ...(change.execution === undefined ? {} : { execution: change.execution }),
      operations,
      events,
    });
    this.nextEventId += events.length;
    if (change.execution !== undefined) this.record = change.execution;
    for (const { operation, position } of operations) {
      this.sequence += 1;
      this.byId.set(operation.Id, operation);
      this.positions.set(operation.Id, position);
      this.changedAt.set(operation.Id, this.sequence);
    }
    if (external && operations.length > 0) this.externalSequence = this.sequence;
  }

  /** Operations changed since the function in flight was last told, now counted as told. */
  takeUndelivered(): OperationRecord[] {
    const changed = [...this.changedAt.entries()]
      .filter(([, at]) => at > this.deliveredSequence)
      .flatMap(([id]) => {
        const operation = this.byId.get(id);
        return operation === undefined ? [] : [operation];
      });
    this.deliveredSequence = this.sequence;
    return changed;
  }

  /** An invocation begins: everything is in its envelope. */
  markAllDelivered(): void {
    this.deliveredSequence = this.sequence;
  }

  /** Whether the service changed something the function has not seen: it must be invoked (again). */
  get hasUndeliveredExternalChange(): boolean {
    return this.externalSequence > this.deliveredSequence;
  }

  /**
   * The answer already given to a checkpoint with this `ClientToken` and checkpoint token within
   * 15 minutes: its retry (the answer lost on the way) gets it again, and nothing is applied twice.
   * https://docs.aws.amazon.com/lambda/latest/api/API_CheckpointDurableExecution.html
   */
  answerOf(clientToken: string, presented: string, now: number): CheckpointAnswer | undefined {
    // Oldest first (insertion order): the AWS SDK gives every checkpoint a token of its own.
    for (const [key, entry] of this.answered) {
      if (now - entry.at <= CLIENT_TOKEN_WINDOW_MS && this.answered.size <= MAX_REMEMBERED_CHECKPOINTS) break;
      this.answered.delete(key);
    }
    const entry = this.answered.get(clientToken);
    return entry?.presented === presented ? entry.answer : undefined;
  }

  remember(clientToken: string, presented: string, answer: CheckpointAnswer, now: number): void {
    this.answered.set(clientToken, { presented, answer, at: now });
  }

  /** Runs `action` at `at` (epoch ms), replacing a timer of the same key. */
  arm(key: string, at: number, action: () => void): void {
    this.disarm(key);
    const delay = Math.max(0, at - Date.now());
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        if (Date.now() < at) this.arm(key, at, action);
        else action();
      },
      Math.min(delay, MAX_TIMER_DELAY_MS),
    );
    timer.unref();
    this.timers.set(key, timer);
  }

  disarm(key: string): void {
    const timer = this.timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(key);
  }

  disarmAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
