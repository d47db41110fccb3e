/**
 * The durable execution engine: starts executions, invokes their function with the durable
 * envelope, applies checkpoints, and replays the function when something it waits for happens (a
 * wait's end, a retry's delay, a chained invoke's end, a callback). Everything it acknowledges is
 * committed to the store first; a new engine on the same store resumes what was running.
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html
 *
 * The function runs behind {@link FunctionInvoker} (the local Lambda service, or a fake in unit
 * tests); time is `Date.now()` and `setTimeout`, so fake timers drive it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { LambdaServiceError } from '../core/types';
import type { QualifiedFunction } from '../lambda/lambda-service';
import { applyBatch, decodeCallbackId } from './checkpoint-batch';
import type { DurableStore, ExecutionQuery } from './durable-store';
import {
  type ErrorObject,
  type ExecutionRecord,
  type ExecutionStatus,
  executionNotFound,
  type FunctionInvoker,
  type HistoryEvent,
  invalidParameter,
  type OperationUpdate,
  type StartOptions,
} from './durable-types';
import { endedExecution, newExecution } from './execution-records';
import { durableEnvelope, invocationCompleted, readAnswer } from './invocation-envelope';
import { type CheckpointAnswer, LiveExecution } from './live-execution';
import { OperationEffects } from './operation-effects';
import { visibleOperations } from './operation-updates';
import { wireOperation } from './wire-format';

export interface DurableEngineOptions {
  readonly store: DurableStore;
  readonly invoker: FunctionInvoker;
  /** Receives platform lines by function name (the stack writes them as the function's log records). @default none */
  readonly log?: (functionName: string, line: string) => void;
  /** Operations in the envelope's first page; the rest by GetDurableExecutionState. @default 1000 */
  readonly envelopePageSize?: number;
  /** Invocations that end in an error are retried this many times before the execution fails. @default 3 */
  readonly maxInvocationRetries?: number;
  /** The first retry's delay, doubled for each next. @default 1000 */
  readonly invocationRetryBaseMs?: number;
}

export class DurableEngine {
  private readonly live = new Map<string, LiveExecution>();
  private readonly store: DurableStore;
  private readonly invoker: FunctionInvoker;
  private readonly effects: OperationEffects;
  private closed = false;

  constructor(private readonly options: DurableEngineOptions) {
    this.store = options.store;
    this.invoker = options.invoker;
    this.effects = new OperationEffects({
      invoker: options.invoker,
      live: (arn) => this.live.get(arn),
      changed: (execution) => this.kick(execution),
      start: (target, input, startOptions) => this.start(target, input, startOptions).record,
      log: (functionName, line) => this.log(functionName, line),
    });
  }

  /** Executions this engine is running now. */
  get runningCount(): number {
    return this.live.size;
  }

  /**
   * Starts an execution of a durable function's version or alias, or finds the one already started
   * under that name with the same input (`existing: true`). Another input under the same name is
   * DurableExecutionAlreadyStartedException. https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html
   */
  start(target: QualifiedFunction, input: string, options: StartOptions = {}): { record: ExecutionRecord; existing: boolean } {
    const { definition } = target;
    const config = definition.durableConfig;
    if (config === undefined) throw invalidParameter(`${definition.name} is not a durable function (it has no DurableConfig).`);
    if (options.name !== undefined) {
      const found = this.store.executionByName(definition.name, target.qualifier, options.name);
      if (found !== undefined) {
        if (found.input !== input) {
          throw new LambdaServiceError(
            'DurableExecutionAlreadyStartedException',
            409,
            `A durable execution named ${options.name} has already started with another input: ${found.arn}`,
          );
        }
        return { record: found, existing: true };
      }
    }
    const { record, change } = newExecution(
      target,
      config,
      input,
      options.name ?? randomUUID(),
      options.parent,
      Date.now(),
      options.asynchronous,
    );
    const live = new LiveExecution(this.store, record, [], 0);
    live.commit(change, false);
    this.live.set(record.arn, live);
    this.log(record.functionName, `DURABLE EXECUTION START ${record.arn} Version: ${record.version}`);
    this.watch(live);
    this.kick(live);
    return { record, existing: false };
  }

  /** Resolves with the execution's record once it has ended, or undefined after `timeoutMs`. */
  whenEnded(arn: string, timeoutMs: number): Promise<ExecutionRecord | undefined> {
    const live = this.live.get(arn);
    if (live === undefined) return Promise.resolve(this.store.execution(arn));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      live.waiters.push((record) => {
        clearTimeout(timer);
        resolve(record);
      });
    });
  }

  /** Resumes every execution the store has as running (after a restart): timers, chained invokes, and a replay. */
  resume(): number {
    const running = this.store.runningExecutions().filter((record) => !this.live.has(record.arn));
    for (const record of running) {
      const live = new LiveExecution(this.store, record, this.store.operations(record.arn), this.store.lastEventId(record.arn));
      this.live.set(record.arn, live);
      this.log(record.functionName, `DURABLE EXECUTION RESUME ${record.arn}`);
      this.watch(live);
      for (const operation of live.operations) this.effects.resumeOperation(live, operation);
      this.kick(live);
    }
    return running.length;
  }

  /**
   * CheckpointDurableExecution; a retry with the same `clientToken` gets the first answer again.
   * https://docs.aws.amazon.com/lambda/latest/api/API_CheckpointDurableExecution.html
   */
  checkpoint(arn: string, token: string, updates: readonly OperationUpdate[], clientToken?: string): CheckpointAnswer {
    const live = this.live.get(arn);
    if (live === undefined) {
      if (this.store.execution(arn) === undefined) throw executionNotFound(arn);
      throw invalidParameter('Invalid checkpoint token: the durable execution is not running.');
    }
    const earlier = clientToken === undefined ? undefined : live.answerOf(clientToken, token, Date.now());
    if (earlier !== undefined) return earlier;
    if (live.token === undefined || token !== live.token) throw invalidParameter('Invalid checkpoint token.');
    const { changed, events } = applyBatch(arn, live, updates, Date.now());
    live.commit({ operations: changed, events }, false);
    const next = newToken();
    live.token = next;
    for (const operation of changed) {
      if (operation.Type === 'EXECUTION') {
        this.end(live, operation.Status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED', {
          ...(operation.Status === 'SUCCEEDED' ? { result: updates.find((u) => u.Id === operation.Id)?.Payload ?? '' } : {}),
          ...(operation.Status === 'FAILED' ? { error: updates.find((u) => u.Id === operation.Id)?.Error ?? {} } : {}),
        });
      } else this.effects.afterCheckpoint(live, operation);
    }
    const answer = { token: next, operations: live.takeUndelivered().map((operation) => wireOperation(operation, 'epoch-seconds')) };
    if (clientToken !== undefined) live.remember(clientToken, token, answer, Date.now());
    return answer;
  }

  /** GetDurableExecutionState: the operations an invocation is given, a page at a time. */
  state(
    arn: string,
    token: string,
    marker: string | undefined,
    maxItems: number | undefined,
  ): { operations: Record<string, unknown>[]; nextMarker?: string } {
    const live = this.live.get(arn);
    if (live === undefined && this.store.execution(arn) === undefined) throw executionNotFound(arn);
    if (live === undefined || (token !== live.token && token !== live.initialToken)) throw invalidParameter('Invalid checkpoint token.');
    const offset = marker === undefined || marker === '' ? 0 : Number(marker);
    if (!Number.isInteger(offset) || offset < 0) throw invalidParameter(`Invalid marker ${marker}.`);
    const size = Math.min(Math.max(maxItems ?? 1000, 1), 1000);
    const visible = visibleOperations(live.operations);
    const page = visible.slice(offset, offset + size).map((operation) => wireOperation(operation, 'epoch-seconds'));
    return { operations: page, ...(offset + size < visible.length ? { nextMarker: String(offset + size) } : {}) };
  }

  /** StopDurableExecution. */
  stop(arn: string, error: ErrorObject | undefined): number {
    const live = this.live.get(arn);
    if (live === undefined) {
      if (this.store.execution(arn) === undefined) throw executionNotFound(arn);
      throw invalidParameter(`The durable execution ${arn} is not running.`);
    }
    this.end(live, 'STOPPED', { error: error ?? { ErrorType: 'ExecutionStopped', ErrorMessage: 'The execution was stopped.' } });
    return live.record.endedAt ?? Date.now();
  }

  /** SendDurableExecutionCallback{Success,Failure,Heartbeat}. */
  callback(id: string, outcome: { readonly result: string } | { readonly error: ErrorObject } | 'heartbeat'): void {
    const [arn, operationId] = decodeCallbackId(id);
    const live = this.live.get(arn);
    const operation = live?.operation(operationId);
    if (live === undefined || operation === undefined || operation.Type !== 'CALLBACK' || operation.Status !== 'STARTED') {
      if (this.store.execution(arn) === undefined)
        throw new LambdaServiceError('ResourceNotFoundException', 404, `Callback not found: ${id}`);
      throw new LambdaServiceError('CallbackTimeoutException', 400, `The callback ${id} has timed out or is already closed.`);
    }
    this.effects.completeCallback(live, operation, outcome);
  }

  /** GetDurableExecution's record (running or ended, within its retention). */
  execution(arn: string): ExecutionRecord | undefined {
    return this.store.execution(arn);
  }

  /** GetDurableExecutionHistory's events. */
  history(arn: string, page: { readonly offset: number; readonly limit: number; readonly reverse: boolean }): HistoryEvent[] {
    if (this.store.execution(arn) === undefined) throw executionNotFound(arn);
    return this.store.events(arn, page);
  }

  /** ListDurableExecutionsByFunction's executions. */
  list(query: ExecutionQuery, offset: number, limit: number): ExecutionRecord[] {
    return this.store.listExecutions(query, offset, limit);
  }

  /** Stops every timer; executions stay in the store as they are, for the next engine to resume. */
  close(): void {
    this.closed = true;
    for (const live of this.live.values()) live.disarmAll();
    this.live.clear();
  }

  private watch(live: LiveExecution): void {
    live.arm('$execution-timeout', live.record.deadline, () => {
      this.end(live, 'TIMED_OUT', {
        error: {
          ErrorType: 'ExecutionTimedOut',
          ErrorMessage: `The execution timed out after ${live.record.executionTimeoutSeconds} seconds.`,
        },
      });
    });
  }

  /** Invokes the function unless an invocation is in flight (it will be replayed after, if it missed a change). */
  private kick(live: LiveExecution): void {
    if (this.closed || live.invoking || live.record.status !== 'RUNNING') return;
    live.invoking = true;
    void this.invocationLoop(live).finally(() => {
      live.invoking = false;
      // A change that came as the loop ended found it still running: replay for it now.
      if (live.hasUndeliveredExternalChange) this.kick(live);
    });
  }

  private async invocationLoop(live: LiveExecution): Promise<void> {
    let first = true;
    while (!this.closed && live.record.status === 'RUNNING' && (first || live.hasUndeliveredExternalChange)) {
      first = false;
      const token = newToken();
      live.token = token;
      live.initialToken = token;
      live.markAllDelivered();
      const visible = visibleOperations(live.operations);
      const { arn, functionName, qualifier } = live.record;
      const started = Date.now();
      this.log(functionName, `DURABLE INVOCATION ${visible.length > 1 ? 'REPLAY' : 'START'} ${arn} Operations: ${visible.length}`);
      let read: ReturnType<typeof readAnswer>;
      let requestId: string | undefined;
      try {
        const outcome = await this.invoker.invoke(
          functionName,
          durableEnvelope(arn, token, visible, this.options.envelopePageSize ?? 1000),
          {
            qualifier,
          },
        );
        requestId = outcome.requestId;
        read = readAnswer(outcome);
      } catch (error) {
        const code = error instanceof LambdaServiceError ? error.code : 'ServiceException';
        read = { error: { ErrorType: code, ErrorMessage: error instanceof Error ? error.message : String(error) } };
      }
      if (live.token === token) live.token = undefined;
      if (this.closed || live.record.status !== 'RUNNING') return;
      live.commit({ events: [invocationCompleted(started, requestId, 'error' in read ? read.error : undefined)] }, false);
      if ('error' in read) {
        this.retryInvocation(live, read.error);
        return;
      }
      live.failedInvocations = 0;
      const { answer } = read;
      if (answer.Status === 'SUCCEEDED') this.end(live, 'SUCCEEDED', { result: answer.Result ?? '' });
      else if (answer.Status === 'FAILED')
        this.end(live, 'FAILED', { error: answer.Error ?? { ErrorMessage: 'The durable function failed.' } });
    }
  }

  /** Lambda retries an invocation that failed; after the retries the execution fails with its error. */
  private retryInvocation(live: LiveExecution, error: ErrorObject): void {
    live.failedInvocations += 1;
    const retries = this.options.maxInvocationRetries ?? 3;
    if (live.failedInvocations > retries) {
      this.end(live, 'FAILED', { error });
      return;
    }
    const delay = (this.options.invocationRetryBaseMs ?? 1000) * 2 ** (live.failedInvocations - 1);
    this.log(
      live.record.functionName,
      `DURABLE INVOCATION FAILED ${live.record.arn} ${error.ErrorType ?? 'Error'}: ${error.ErrorMessage ?? ''}; retry ${live.failedInvocations} of ${retries} in ${delay} ms`,
    );
    live.arm('$invocation-retry', Date.now() + delay, () => this.kick(live));
  }

  /** Ends the execution: its record, its EXECUTION operation and its last event in one transaction. */
  private end(live: LiveExecution, status: Exclude<ExecutionStatus, 'RUNNING'>, outcome: { result?: string; error?: ErrorObject }): void {
    if (live.record.status !== 'RUNNING') return;
    const now = Date.now();
    const change = endedExecution(live.record, live.operations, status, outcome, now);
    live.commit(change, false);
    const record = change.execution;
    live.token = undefined;
    live.disarmAll();
    this.live.delete(record.arn);
    this.log(record.functionName, `DURABLE EXECUTION END ${record.arn} Status: ${record.status} Duration: ${now - record.startedAt} ms`);
    for (const waiter of live.waiters.splice(0)) waiter(record);
    if (record.parent !== undefined) this.effects.childEnded(record);
  }

  private log(functionName: string, line: string): void {
    this.options.log?.(functionName, line);
  }
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}
