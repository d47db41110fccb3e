/**
 * What the service does for an operation once it is checkpointed: a wait's timer, a step's
 * retry delay, a callback's timeouts, a chained invoke of another function. Each ends in a change
 * the function has not caused (an external change), committed and then replayed to the function.
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html
 */
import { createHash } from 'node:crypto';
import { type InvokeOutcome, LambdaServiceError } from '../core/types';
import type { QualifiedFunction } from '../lambda/lambda-service';
import type { ErrorObject, ExecutionRecord, FunctionInvoker, OperationRecord, StartOptions } from './durable-types';
import type { LiveExecution } from './live-execution';
import { eventFor, type NewHistoryEvent } from './operation-updates';
import { errorObjectFromPayload } from './wire-format';

export interface EffectsContext {
  readonly invoker: FunctionInvoker;
  /** The running execution of an ARN, if this engine runs it. */
  live(arn: string): LiveExecution | undefined;
  /** Something changed that the function must learn of: invoke (replay) it. */
  changed(live: LiveExecution): void;
  start(target: QualifiedFunction, input: string, options: StartOptions): ExecutionRecord;
  log(functionName: string, line: string): void;
}

/** Attempts of a chained invoke that the Lambda service throttles or fails, and the first retry's delay. */
const CHAINED_INVOKE_ATTEMPTS = 6;
const CHAINED_INVOKE_RETRY_BASE_MS = 500;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class OperationEffects {
  constructor(private readonly context: EffectsContext) {}

  /** After a checkpoint changed `operation`. */
  afterCheckpoint(live: LiveExecution, operation: OperationRecord): void {
    if (operation.Type === 'CHAINED_INVOKE' && operation.Status === 'STARTED') {
      void this.runChainedInvoke(live, operation);
      return;
    }
    this.armTimers(live, operation);
  }

  /** For each operation of an execution a restarted engine resumes. */
  resumeOperation(live: LiveExecution, operation: OperationRecord): void {
    if (operation.Type === 'CHAINED_INVOKE' && operation.Status === 'STARTED') {
      const child = operation.internals?.childExecutionArn;
      if (child === undefined) {
        // Its run was lost with the process that ran it: run it again (as a retry would).
        this.context.log(live.record.functionName, `DURABLE CHAINED INVOKE RERUN ${live.record.arn} Operation: ${operation.Id}`);
        void this.runChainedInvoke(live, operation);
      }
      // A durable child resumes on its own and reports its end.
      return;
    }
    this.armTimers(live, operation);
  }

  completeCallback(
    live: LiveExecution,
    operation: OperationRecord,
    outcome: { readonly result: string } | { readonly error: ErrorObject } | 'heartbeat',
  ): void {
    if (outcome === 'heartbeat') {
      const seconds = operation.internals?.heartbeatSeconds;
      if (seconds === undefined) return;
      const updated = { ...operation, internals: { ...operation.internals, heartbeatDeadline: Date.now() + seconds * 1000 } };
      live.commit({ operations: [updated] }, false);
      this.armTimers(live, updated);
      return;
    }
    const now = Date.now();
    const succeeded = 'result' in outcome;
    const ended: OperationRecord = {
      ...operation,
      Status: succeeded ? 'SUCCEEDED' : 'FAILED',
      EndTimestamp: now,
      CallbackDetails: { ...operation.CallbackDetails, ...(succeeded ? { Result: outcome.result } : { Error: outcome.error }) },
    };
    this.disarmCallback(live, operation.Id);
    this.external(
      live,
      ended,
      eventFor(
        ended,
        succeeded ? 'Succeeded' : 'Failed',
        now,
        succeeded ? { Result: { Payload: outcome.result } } : { Error: { Payload: outcome.error } },
      ),
    );
  }

  /** A durable execution started by a chained invoke has ended: its parent's operation ends with it. */
  childEnded(child: ExecutionRecord): void {
    const parent = child.parent;
    if (parent === undefined) return;
    const live = this.context.live(parent.executionArn);
    const operation = live?.operation(parent.operationId);
    if (live === undefined || operation === undefined || operation.Status !== 'STARTED') return;
    const status =
      child.status === 'SUCCEEDED'
        ? 'SUCCEEDED'
        : child.status === 'TIMED_OUT'
          ? 'TIMED_OUT'
          : child.status === 'STOPPED'
            ? 'STOPPED'
            : 'FAILED';
    this.endChainedInvoke(live, operation, status, child.result, child.error);
  }

  private armTimers(live: LiveExecution, operation: OperationRecord): void {
    const at = {
      WAIT: operation.Status === 'STARTED' ? operation.WaitDetails?.ScheduledEndTimestamp : undefined,
      STEP: operation.Status === 'PENDING' ? operation.StepDetails?.NextAttemptTimestamp : undefined,
    };
    if (operation.Type === 'WAIT') {
      if (at.WAIT === undefined) live.disarm(operation.Id);
      else live.arm(operation.Id, at.WAIT, () => this.waitEnded(live, operation.Id));
    } else if (operation.Type === 'STEP' && at.STEP !== undefined) {
      live.arm(operation.Id, at.STEP, () => this.retryDue(live, operation.Id));
    } else if (operation.Type === 'CALLBACK') {
      if (operation.Status !== 'STARTED') {
        this.disarmCallback(live, operation.Id);
        return;
      }
      const { callbackDeadline, heartbeatDeadline } = operation.internals ?? {};
      if (callbackDeadline !== undefined)
        live.arm(`${operation.Id}:timeout`, callbackDeadline, () => this.callbackTimedOut(live, operation.Id, 'Callback timed out'));
      if (heartbeatDeadline !== undefined)
        live.arm(`${operation.Id}:heartbeat`, heartbeatDeadline, () =>
          this.callbackTimedOut(live, operation.Id, 'Callback timed out on heartbeat'),
        );
    }
  }

  private disarmCallback(live: LiveExecution, id: string): void {
    live.disarm(`${id}:timeout`);
    live.disarm(`${id}:heartbeat`);
  }

  private waitEnded(live: LiveExecution, id: string): void {
    const operation = live.operation(id);
    if (operation?.Status !== 'STARTED') return;
    const now = Date.now();
    const ended: OperationRecord = { ...operation, Status: 'SUCCEEDED', EndTimestamp: now };
    const duration = Math.round((now - operation.StartTimestamp) / 1000);
    this.external(live, ended, eventFor(ended, 'Succeeded', now, { Duration: duration }));
  }

  /** A step's retry delay has passed: READY, for the function to run its next attempt. */
  private retryDue(live: LiveExecution, id: string): void {
    const operation = live.operation(id);
    if (operation?.Status !== 'PENDING') return;
    live.commit({ operations: [{ ...operation, Status: 'READY' }] }, true);
    this.context.changed(live);
  }

  private callbackTimedOut(live: LiveExecution, id: string, message: string): void {
    const operation = live.operation(id);
    if (operation?.Status !== 'STARTED') return;
    const now = Date.now();
    // No ErrorType, as AWS's runner gives it.
    const error: ErrorObject = { ErrorMessage: message };
    const ended: OperationRecord = {
      ...operation,
      Status: 'TIMED_OUT',
      EndTimestamp: now,
      CallbackDetails: { ...operation.CallbackDetails, Error: error },
    };
    this.disarmCallback(live, id);
    this.external(live, ended, eventFor(ended, 'TimedOut', now, { Error: { Payload: error } }));
  }

  private external(live: LiveExecution, operation: OperationRecord, event: NewHistoryEvent): void {
    if (this.context.live(live.record.arn) !== live) return;
    live.commit({ operations: [operation], events: [event] }, true);
    this.context.changed(live);
  }

  private endChainedInvoke(
    live: LiveExecution,
    operation: OperationRecord,
    status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED',
    result: string | undefined,
    error: ErrorObject | undefined,
  ): void {
    const current = live.operation(operation.Id);
    if (current?.Status !== 'STARTED') return;
    const now = Date.now();
    const ended: OperationRecord = {
      ...current,
      Status: status,
      EndTimestamp: now,
      ChainedInvokeDetails:
        status === 'SUCCEEDED'
          ? { ...(result === undefined ? {} : { Result: result }) }
          : { ...(error === undefined ? {} : { Error: error }) },
    };
    const outcome = { SUCCEEDED: 'Succeeded', FAILED: 'Failed', TIMED_OUT: 'TimedOut', STOPPED: 'Stopped' }[status];
    this.external(
      live,
      ended,
      eventFor(ended, outcome, now, status === 'SUCCEEDED' ? { Result: { Payload: result ?? '' } } : { Error: { Payload: error ?? {} } }),
    );
  }

  /** Runs a chained invoke's target through the local Lambda service (a durable target as a child execution). */
  private async runChainedInvoke(live: LiveExecution, operation: OperationRecord): Promise<void> {
    const functionName = operation.internals?.invokeFunctionName ?? '';
    const payload = operation.internals?.invokePayload ?? '';
    let target: QualifiedFunction;
    try {
      target = this.context.invoker.resolveQualified(functionName);
    } catch (error) {
      this.endChainedInvoke(live, operation, 'FAILED', undefined, errorOf(error));
      return;
    }
    if (target.definition.durableConfig !== undefined) {
      this.startChild(live, operation, target, payload);
      return;
    }
    let outcome: InvokeOutcome | undefined;
    for (let attempt = 1; outcome === undefined; attempt += 1) {
      try {
        outcome = await this.context.invoker.invoke(functionName, Buffer.from(payload));
      } catch (error) {
        const retryable = error instanceof LambdaServiceError && (error.statusCode === 429 || error.statusCode >= 500);
        if (!retryable || attempt >= CHAINED_INVOKE_ATTEMPTS || this.context.live(live.record.arn) !== live) {
          this.endChainedInvoke(live, operation, 'FAILED', undefined, errorOf(error));
          return;
        }
        const delay = CHAINED_INVOKE_RETRY_BASE_MS * 2 ** (attempt - 1);
        this.context.log(
          live.record.functionName,
          `DURABLE CHAINED INVOKE RETRY ${live.record.arn} Operation: ${operation.Id} ${errorOf(error).ErrorType}; attempt ${attempt + 1} in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
    if (outcome.functionError !== undefined)
      this.endChainedInvoke(live, operation, 'FAILED', undefined, errorObjectFromPayload(outcome.payload));
    else this.endChainedInvoke(live, operation, 'SUCCEEDED', outcome.payload.toString('utf8'), undefined);
  }

  private startChild(live: LiveExecution, operation: OperationRecord, target: QualifiedFunction, payload: string): void {
    if (!target.qualified) {
      const error = {
        ErrorType: 'InvalidParameterValueException',
        ErrorMessage: `A durable function is invoked by a qualified ARN (a version or alias): ${target.definition.name}`,
      };
      this.endChainedInvoke(live, operation, 'FAILED', undefined, error);
      return;
    }
    // A name derived from the parent's operation: started again after a restart, it finds the same child.
    const name = createHash('sha256').update(`${live.record.arn}/${operation.Id}`).digest('hex').slice(0, 32);
    let child: ExecutionRecord;
    try {
      child = this.context.start(target, payload === '' ? '{}' : payload, {
        name,
        parent: { executionArn: live.record.arn, operationId: operation.Id },
      });
    } catch (error) {
      this.endChainedInvoke(live, operation, 'FAILED', undefined, errorOf(error));
      return;
    }
    const current = live.operation(operation.Id);
    if (current !== undefined)
      live.commit({ operations: [{ ...current, internals: { ...current.internals, childExecutionArn: child.arn } }] }, false);
    if (child.status !== 'RUNNING') this.childEnded(child);
  }
}

function errorOf(error: unknown): ErrorObject {
  if (error instanceof LambdaServiceError) return { ErrorType: error.code, ErrorMessage: error.message };
  return { ErrorType: error instanceof Error ? error.name : 'Error', ErrorMessage: error instanceof Error ? error.message : String(error) };
}
