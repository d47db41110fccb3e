/**
 * The durable execution service's vocabulary: operations, their updates, executions and history
 * events as the Lambda API names them, and the documented limits.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Operation.html
 * https://docs.aws.amazon.com/lambda/latest/api/API_OperationUpdate.html
 * Timestamps are epoch milliseconds here; the wire shapes (ISO-8601 in the invocation envelope,
 * epoch seconds in API answers) are made in wire-format.ts.
 */
import { type InvokeOutcome, LambdaServiceError } from '../core/types';
import type { QualifiedFunction } from '../lambda/lambda-service';

export type OperationType = 'EXECUTION' | 'CONTEXT' | 'STEP' | 'WAIT' | 'CALLBACK' | 'CHAINED_INVOKE';
export const OPERATION_TYPES: readonly OperationType[] = ['EXECUTION', 'CONTEXT', 'STEP', 'WAIT', 'CALLBACK', 'CHAINED_INVOKE'];
export type OperationAction = 'START' | 'SUCCEED' | 'FAIL' | 'RETRY' | 'CANCEL';
export type OperationStatus = 'STARTED' | 'PENDING' | 'READY' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT' | 'STOPPED';
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED';

export interface ErrorObject {
  readonly ErrorType?: string;
  readonly ErrorMessage?: string;
  readonly ErrorData?: string;
  readonly StackTrace?: readonly string[];
}

/** What a function's checkpoint asks for. https://docs.aws.amazon.com/lambda/latest/api/API_OperationUpdate.html */
export interface OperationUpdate {
  readonly Id: string;
  readonly Type: OperationType;
  readonly Action: OperationAction;
  readonly ParentId?: string;
  readonly Name?: string;
  readonly SubType?: string;
  readonly Payload?: string;
  readonly Error?: ErrorObject;
  readonly ContextOptions?: { readonly ReplayChildren?: boolean };
  readonly StepOptions?: { readonly NextAttemptDelaySeconds?: number };
  readonly WaitOptions?: { readonly WaitSeconds?: number };
  readonly CallbackOptions?: { readonly TimeoutSeconds?: number; readonly HeartbeatTimeoutSeconds?: number };
  readonly ChainedInvokeOptions?: { readonly FunctionName?: string; readonly TenantId?: string };
}

/** What only the service needs to keep about an operation in flight; never on the wire. */
export interface OperationInternals {
  /** A callback's deadline (TimeoutSeconds after its start). */
  readonly callbackDeadline?: number;
  /** A callback's heartbeat timeout, and the deadline the last heartbeat set. */
  readonly heartbeatSeconds?: number;
  readonly heartbeatDeadline?: number;
  /** A chained invoke's target and input, so that a restarted service can run it. */
  readonly invokeFunctionName?: string;
  readonly invokePayload?: string;
  /** The child execution a chained invoke of a durable function started. */
  readonly childExecutionArn?: string;
}

/** An operation as the service keeps it. https://docs.aws.amazon.com/lambda/latest/api/API_Operation.html */
export interface OperationRecord {
  readonly Id: string;
  readonly Type: OperationType;
  readonly Status: OperationStatus;
  readonly StartTimestamp: number;
  readonly ParentId?: string;
  readonly Name?: string;
  readonly SubType?: string;
  readonly EndTimestamp?: number;
  readonly ExecutionDetails?: { readonly InputPayload?: string };
  readonly ContextDetails?: { readonly ReplayChildren?: boolean; readonly Result?: string; readonly Error?: ErrorObject };
  readonly StepDetails?: {
    readonly Attempt?: number;
    readonly NextAttemptTimestamp?: number;
    readonly Result?: string;
    readonly Error?: ErrorObject;
  };
  readonly WaitDetails?: { readonly ScheduledEndTimestamp?: number };
  readonly CallbackDetails?: { readonly CallbackId?: string; readonly Result?: string; readonly Error?: ErrorObject };
  readonly ChainedInvokeDetails?: { readonly Result?: string; readonly Error?: ErrorObject };
  readonly internals?: OperationInternals;
}

/** One history event. https://docs.aws.amazon.com/lambda/latest/api/API_Event.html */
export interface HistoryEvent {
  readonly EventType: string;
  readonly EventId: number;
  readonly EventTimestamp: number;
  readonly Id?: string;
  readonly Name?: string;
  readonly SubType?: string;
  readonly ParentId?: string;
  /** The `<EventType>Details` member, keyed by its name. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A durable execution as the service keeps it. */
export interface ExecutionRecord {
  readonly arn: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly qualifier: string;
  readonly version: string;
  readonly name: string;
  readonly input: string;
  readonly status: ExecutionStatus;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly result?: string;
  readonly error?: ErrorObject;
  /** When the execution times out (its start and DurableConfig.ExecutionTimeout). */
  readonly deadline: number;
  readonly retentionDays: number;
  readonly executionTimeoutSeconds: number;
  /** The operation of another execution that waits for this one (a chained invoke of a durable function). */
  readonly parent?: { readonly executionArn: string; readonly operationId: string };
  /** Started by an `Event` Invoke: its result may be 1 MB, not 6 ({@link DURABLE_LIMITS}). */
  readonly asynchronous?: boolean;
}

const TERMINAL: ReadonlySet<OperationStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'STOPPED']);

export function isTerminal(status: OperationStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * Documented quotas. https://docs.aws.amazon.com/lambda/latest/dg/durable-limits.html
 */
export const DURABLE_LIMITS = {
  /** Invoke payload (the execution's input) and one checkpoint payload or error. */
  maxPayloadBytes: 262_144,
  /** One CheckpointDurableExecution request. */
  maxCheckpointBatchBytes: 768_000,
  maxOperationsPerExecution: 25_000,
  /**
   * The execution's result: "Asynchronous invocations support up to 1 MB, and synchronous
   * invocations support up to 6 MB" (GetDurableExecution's Result, the Lambda API reference).
   */
  maxResultBytes: 6_291_456,
  maxAsyncResultBytes: 1_048_576,
  /** A callback's result or error. */
  maxCallbackPayloadBytes: 262_144,
} as const;

export function invalidParameter(message: string): LambdaServiceError {
  return new LambdaServiceError('InvalidParameterValueException', 400, message);
}

export function executionNotFound(arn: string): LambdaServiceError {
  return new LambdaServiceError('ResourceNotFoundException', 404, `Durable execution not found: ${arn}`);
}

/** The local Lambda service as the engine uses it (a fake in unit tests). */
export interface FunctionInvoker {
  resolveQualified(functionName: string, qualifier?: string): QualifiedFunction;
  invoke(functionName: string, payload: Buffer, options?: { readonly qualifier?: string }): Promise<InvokeOutcome>;
}

/** A new execution's name (`DurableExecutionName`) and, for a chained invoke's, its parent. */
export interface StartOptions {
  readonly name?: string;
  readonly parent?: ExecutionRecord['parent'];
  /** Started by an `Event` Invoke. */
  readonly asynchronous?: boolean;
}
