/**
 * An execution's first and last state: the record, its EXECUTION operation and the history event
 * of its start, and of its end (SUCCEEDED, FAILED, TIMED_OUT or STOPPED).
 */
import { randomUUID } from 'node:crypto';
import type { DurableConfig } from '../core/types';
import { LambdaErrorType } from '../lambda/error-types';
import type { QualifiedFunction } from '../lambda/lambda-service';
import { DURABLE_LIMITS, type ErrorObject, type ExecutionRecord, type ExecutionStatus, type OperationRecord } from './durable-types';
import type { ExecutionChange } from './live-execution';
import { eventFor } from './operation-updates';

/**
 * A new execution of `target`: its ARN is the qualified function ARN, `/durable-execution/`, its
 * name and an ID, as AWS forms it.
 */
export function newExecution(
  target: QualifiedFunction,
  config: DurableConfig,
  input: string,
  name: string,
  parent: ExecutionRecord['parent'] | undefined,
  now: number,
  asynchronous = false,
): { record: ExecutionRecord; change: ExecutionChange } {
  const { definition } = target;
  const record: ExecutionRecord = {
    arn: `${definition.arn}:${target.qualifier}/durable-execution/${name}/${randomUUID()}`,
    functionName: definition.name,
    functionArn: definition.arn,
    qualifier: target.qualifier,
    version: target.version,
    name,
    input,
    status: 'RUNNING',
    startedAt: now,
    deadline: now + config.executionTimeoutSeconds * 1000,
    retentionDays: config.retentionPeriodDays,
    executionTimeoutSeconds: config.executionTimeoutSeconds,
    ...(parent === undefined ? {} : { parent }),
    ...(asynchronous ? { asynchronous } : {}),
  };
  const executionOperation: OperationRecord = {
    Id: randomUUID(),
    Type: 'EXECUTION',
    Status: 'STARTED',
    StartTimestamp: now,
    ExecutionDetails: { InputPayload: input },
  };
  const started = eventFor(executionOperation, 'Started', now, {
    Input: { Payload: input },
    ExecutionTimeout: config.executionTimeoutSeconds,
  });
  return { record, change: { execution: record, operations: [executionOperation], events: [{ ...started, Name: name }] } };
}

const OUTCOMES = { SUCCEEDED: 'Succeeded', FAILED: 'Failed', TIMED_OUT: 'TimedOut', STOPPED: 'Stopped' } as const;

/**
 * The change that ends an execution. Its EXECUTION operation ends with it, unless a checkpoint
 * already ended it (a result too large to answer with, checkpointed by the SDK). A result over
 * what the execution may return (1 MB when started by an `Event` Invoke, 6 MB otherwise) fails it
 * instead, never cut.
 */
export function endedExecution(
  record: ExecutionRecord,
  operations: readonly OperationRecord[],
  endStatus: Exclude<ExecutionStatus, 'RUNNING'>,
  endOutcome: { readonly result?: string; readonly error?: ErrorObject },
  now: number,
): ExecutionChange & { readonly execution: ExecutionRecord } {
  const { status, outcome } = withinResultLimit(record, endStatus, endOutcome);
  const ended: ExecutionRecord = {
    ...record,
    status,
    endedAt: now,
    ...(outcome.result === undefined ? {} : { result: outcome.result }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
  };
  const executionOperation = operations.find((operation) => operation.Type === 'EXECUTION');
  if (executionOperation === undefined || executionOperation.Status !== 'STARTED') return { execution: ended };
  const details =
    outcome.result !== undefined
      ? { Result: { Payload: outcome.result } }
      : outcome.error !== undefined
        ? { Error: { Payload: outcome.error } }
        : {};
  return {
    execution: ended,
    operations: [{ ...executionOperation, Status: status, EndTimestamp: now }],
    events: [{ ...eventFor(executionOperation, OUTCOMES[status], now, details), Name: record.name }],
  };
}

function withinResultLimit(
  record: ExecutionRecord,
  status: Exclude<ExecutionStatus, 'RUNNING'>,
  outcome: { readonly result?: string; readonly error?: ErrorObject },
): { status: Exclude<ExecutionStatus, 'RUNNING'>; outcome: { readonly result?: string; readonly error?: ErrorObject } } {
  const limit = record.asynchronous ? DURABLE_LIMITS.maxAsyncResultBytes : DURABLE_LIMITS.maxResultBytes;
  const bytes = Buffer.byteLength(outcome.result ?? '');
  if (status !== 'SUCCEEDED' || bytes <= limit) return { status, outcome };
  const started = record.asynchronous ? 'asynchronously (an Event Invoke)' : 'synchronously';
  return {
    status: 'FAILED',
    outcome: {
      error: {
        ErrorType: LambdaErrorType.responseTooLarge,
        ErrorMessage: `The durable execution's result is ${bytes} bytes; an execution started ${started} returns at most ${limit} bytes.`,
      },
    },
  };
}
