/**
 * How one checkpointed update changes an operation, and the history event it leaves: the state
 * machine of each operation type, without I/O or timers (the engine applies what comes out).
 * https://docs.aws.amazon.com/lambda/latest/api/API_CheckpointDurableExecution.html
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-execution-sdk.html
 */
import {
  type ErrorObject,
  type HistoryEvent,
  invalidParameter,
  isTerminal,
  OPERATION_TYPES,
  type OperationAction,
  type OperationRecord,
  type OperationStatus,
  type OperationType,
  type OperationUpdate,
} from './durable-types';

/** A history event before the store numbers it. */
export type NewHistoryEvent = Omit<HistoryEvent, 'EventId'>;

export interface AppliedUpdate {
  readonly operation: OperationRecord;
  readonly event: NewHistoryEvent;
}

const VALID_ACTIONS: Readonly<Record<OperationType, readonly OperationAction[]>> = {
  EXECUTION: ['SUCCEED', 'FAIL'],
  CONTEXT: ['START', 'SUCCEED', 'FAIL'],
  STEP: ['START', 'SUCCEED', 'FAIL', 'RETRY'],
  WAIT: ['START', 'CANCEL'],
  CALLBACK: ['START', 'CANCEL'],
  CHAINED_INVOKE: ['START', 'CANCEL'],
};

/** Event type names by operation type, as `<Prefix><Outcome>`. */
const EVENT_PREFIX: Readonly<Record<OperationType, string>> = {
  EXECUTION: 'Execution',
  CONTEXT: 'Context',
  STEP: 'Step',
  WAIT: 'Wait',
  CALLBACK: 'Callback',
  CHAINED_INVOKE: 'ChainedInvoke',
};

/** The history event an operation's status change gives, with its `<EventType>Details`. */
export function eventFor(operation: OperationRecord, outcome: string, now: number, details: Record<string, unknown> = {}): NewHistoryEvent {
  const eventType = `${EVENT_PREFIX[operation.Type]}${outcome}`;
  return {
    EventType: eventType,
    EventTimestamp: now,
    Id: operation.Id,
    ...(operation.Name === undefined ? {} : { Name: operation.Name }),
    ...(operation.SubType === undefined ? {} : { SubType: operation.SubType }),
    ...(operation.ParentId === undefined ? {} : { ParentId: operation.ParentId }),
    details: { [`${eventType}Details`]: details },
  };
}

/** Checks an update's shape before anything is applied, as the API validates a request. */
export function validateUpdate(update: OperationUpdate): void {
  if (typeof update.Id !== 'string' || update.Id.length === 0 || update.Id.length > 64) {
    throw invalidParameter('Each operation update needs an Id of 1 to 64 characters.');
  }
  if (!OPERATION_TYPES.includes(update.Type))
    throw invalidParameter(`Invalid operation type ${String(update.Type)} for operation ${update.Id}.`);
  if (!VALID_ACTIONS[update.Type].includes(update.Action)) {
    throw invalidParameter(`Invalid action ${String(update.Action)} for operation type ${update.Type} (operation ${update.Id}).`);
  }
  if (update.Type === 'CHAINED_INVOKE' && update.Action === 'START' && !update.ChainedInvokeOptions?.FunctionName) {
    throw invalidParameter(`ChainedInvokeOptions.FunctionName is required to start CHAINED_INVOKE operation ${update.Id}.`);
  }
  const waitSeconds = update.WaitOptions?.WaitSeconds;
  if (
    update.Type === 'WAIT' &&
    update.Action === 'START' &&
    (waitSeconds === undefined || !Number.isInteger(waitSeconds) || waitSeconds < 1)
  ) {
    throw invalidParameter(`WaitOptions.WaitSeconds must be a positive integer to start WAIT operation ${update.Id}.`);
  }
}

function resultPayload(payload: string | undefined): { Result?: { Payload: string } } {
  return payload === undefined ? {} : { Result: { Payload: payload } };
}

function errorPayload(error: ErrorObject | undefined): { Error?: { Payload: ErrorObject } } {
  return error === undefined ? {} : { Error: { Payload: error } };
}

/** A new operation from its first update. */
function created(update: OperationUpdate, now: number): OperationRecord {
  return {
    Id: update.Id,
    Type: update.Type,
    Status: 'STARTED',
    StartTimestamp: now,
    ...(update.ParentId === undefined ? {} : { ParentId: update.ParentId }),
    ...(update.Name === undefined ? {} : { Name: update.Name }),
    ...(update.SubType === undefined ? {} : { SubType: update.SubType }),
  };
}

function ended(operation: OperationRecord, status: OperationStatus, now: number): OperationRecord {
  return { ...operation, Status: status, EndTimestamp: now };
}

/**
 * Applies one update. `callbackIdFor` names a new callback. Throws InvalidParameterValueException
 * for an update its operation's state does not allow (a completed operation updated again, a type
 * that differs from the operation's).
 */
export function applyUpdate(
  existing: OperationRecord | undefined,
  update: OperationUpdate,
  now: number,
  callbackIdFor: (operationId: string) => string,
): AppliedUpdate {
  validateUpdate(update);
  if (existing !== undefined && existing.Type !== update.Type) {
    throw invalidParameter(`Operation ${update.Id} is a ${existing.Type}, not a ${update.Type}.`);
  }
  if (existing !== undefined && isTerminal(existing.Status)) {
    throw invalidParameter(`Operation ${update.Id} has already completed (${existing.Status}).`);
  }
  if (update.Type === 'EXECUTION') {
    if (existing === undefined) throw invalidParameter(`Operation ${update.Id} is not this execution's EXECUTION operation.`);
    const operation = ended(existing, update.Action === 'SUCCEED' ? 'SUCCEEDED' : 'FAILED', now);
    return {
      operation,
      event: eventFor(operation, update.Action === 'SUCCEED' ? 'Succeeded' : 'Failed', now, {
        ...resultPayload(update.Payload),
        ...errorPayload(update.Error),
      }),
    };
  }
  const base = existing ?? created(update, now);
  switch (update.Type) {
    case 'STEP':
      return applyStep(base, existing, update, now);
    case 'CONTEXT':
      return applyContext(base, existing, update, now);
    case 'WAIT': {
      if (update.Action === 'CANCEL') {
        const operation = ended(base, 'CANCELLED', now);
        return { operation, event: eventFor(operation, 'Cancelled', now, errorPayload(update.Error)) };
      }
      if (existing !== undefined) throw invalidParameter(`WAIT operation ${update.Id} has already started.`);
      const seconds = update.WaitOptions?.WaitSeconds ?? 0;
      const operation = { ...base, WaitDetails: { ScheduledEndTimestamp: now + seconds * 1000 } };
      return { operation, event: eventFor(operation, 'Started', now, { Duration: seconds, ScheduledEndTimestamp: now + seconds * 1000 }) };
    }
    case 'CALLBACK': {
      if (update.Action === 'CANCEL') {
        const operation = ended(base, 'CANCELLED', now);
        return {
          operation,
          event: eventFor(operation, 'Failed', now, errorPayload(update.Error ?? { ErrorMessage: 'Callback cancelled' })),
        };
      }
      if (existing !== undefined) throw invalidParameter(`CALLBACK operation ${update.Id} has already started.`);
      const { TimeoutSeconds: timeout, HeartbeatTimeoutSeconds: heartbeat } = update.CallbackOptions ?? {};
      const callbackId = callbackIdFor(update.Id);
      const operation: OperationRecord = {
        ...base,
        CallbackDetails: { CallbackId: callbackId },
        internals: {
          ...(timeout ? { callbackDeadline: now + timeout * 1000 } : {}),
          ...(heartbeat ? { heartbeatSeconds: heartbeat, heartbeatDeadline: now + heartbeat * 1000 } : {}),
        },
      };
      return {
        operation,
        event: eventFor(operation, 'Started', now, {
          CallbackId: callbackId,
          ...(timeout ? { Timeout: timeout } : {}),
          ...(heartbeat ? { HeartbeatTimeout: heartbeat } : {}),
        }),
      };
    }
    case 'CHAINED_INVOKE': {
      if (update.Action === 'CANCEL') {
        const operation = ended(base, 'STOPPED', now);
        return { operation, event: eventFor(operation, 'Stopped', now, errorPayload(update.Error)) };
      }
      if (existing !== undefined) throw invalidParameter(`CHAINED_INVOKE operation ${update.Id} has already started.`);
      const functionName = update.ChainedInvokeOptions?.FunctionName ?? '';
      const operation: OperationRecord = {
        ...base,
        internals: { invokeFunctionName: functionName, ...(update.Payload === undefined ? {} : { invokePayload: update.Payload }) },
      };
      return {
        operation,
        event: eventFor(operation, 'Started', now, {
          FunctionName: functionName,
          ...(update.Payload === undefined ? {} : { Input: { Payload: update.Payload } }),
        }),
      };
    }
  }
}

function applyStep(base: OperationRecord, existing: OperationRecord | undefined, update: OperationUpdate, now: number): AppliedUpdate {
  const attempt = base.StepDetails?.Attempt ?? 0;
  switch (update.Action) {
    case 'START': {
      if (existing !== undefined && existing.Status === 'STARTED')
        throw invalidParameter(`STEP operation ${update.Id} has already started.`);
      if (existing?.Status === 'PENDING') throw invalidParameter(`STEP operation ${update.Id} waits for its retry delay.`);
      const operation = { ...base, Status: 'STARTED' as const };
      return { operation, event: eventFor(operation, 'Started', now) };
    }
    case 'RETRY': {
      // The attempt failed (or, without an error, a polled condition is not met yet): the step
      // becomes PENDING until its delay passes, then READY for the function to run it again.
      const delay = update.StepOptions?.NextAttemptDelaySeconds ?? 0;
      const operation: OperationRecord = {
        ...base,
        Status: 'PENDING',
        StepDetails: {
          Attempt: attempt + 1,
          NextAttemptTimestamp: now + delay * 1000,
          ...(update.Payload === undefined ? {} : { Result: update.Payload }),
          ...(update.Error === undefined ? {} : { Error: update.Error }),
        },
      };
      const retryDetails = { RetryDetails: { CurrentAttempt: attempt + 1, NextAttemptDelaySeconds: delay } };
      return update.Error === undefined
        ? { operation, event: eventFor(operation, 'Succeeded', now, { ...resultPayload(update.Payload), ...retryDetails }) }
        : { operation, event: eventFor(operation, 'Failed', now, { ...errorPayload(update.Error), ...retryDetails }) };
    }
    default: {
      const succeeded = update.Action === 'SUCCEED';
      const operation: OperationRecord = {
        ...ended(base, succeeded ? 'SUCCEEDED' : 'FAILED', now),
        StepDetails: {
          Attempt: attempt + 1,
          ...(update.Payload === undefined ? {} : { Result: update.Payload }),
          ...(update.Error === undefined ? {} : { Error: update.Error }),
        },
      };
      const retryDetails = { RetryDetails: { CurrentAttempt: attempt + 1 } };
      return {
        operation,
        event: eventFor(operation, succeeded ? 'Succeeded' : 'Failed', now, {
          ...(succeeded ? resultPayload(update.Payload) : errorPayload(update.Error)),
          ...retryDetails,
        }),
      };
    }
  }
}

function applyContext(base: OperationRecord, existing: OperationRecord | undefined, update: OperationUpdate, now: number): AppliedUpdate {
  const replayChildren = update.ContextOptions?.ReplayChildren ?? base.ContextDetails?.ReplayChildren;
  if (update.Action === 'START') {
    if (existing !== undefined) throw invalidParameter(`CONTEXT operation ${update.Id} has already started.`);
    const operation = { ...base, ContextDetails: replayChildren === undefined ? {} : { ReplayChildren: replayChildren } };
    return { operation, event: eventFor(operation, 'Started', now) };
  }
  const succeeded = update.Action === 'SUCCEED';
  const operation: OperationRecord = {
    ...ended(base, succeeded ? 'SUCCEEDED' : 'FAILED', now),
    ContextDetails: {
      ...(replayChildren === undefined ? {} : { ReplayChildren: replayChildren }),
      ...(update.Payload === undefined ? {} : { Result: update.Payload }),
      ...(update.Error === undefined ? {} : { Error: update.Error }),
    },
  };
  return {
    operation,
    event: eventFor(
      operation,
      succeeded ? 'Succeeded' : 'Failed',
      now,
      succeeded ? resultPayload(update.Payload) : errorPayload(update.Error),
    ),
  };
}

/**
 * The operations an invocation is given: all of them, except the descendants of a completed
 * CONTEXT that does not ask for its children to be replayed (the SDK takes its result whole).
 */
export function visibleOperations(operations: readonly OperationRecord[]): OperationRecord[] {
  const byId = new Map(operations.map((operation) => [operation.Id, operation]));
  const hidden = new Map<string, boolean>();
  const isHidden = (operation: OperationRecord): boolean => {
    const cached = hidden.get(operation.Id);
    if (cached !== undefined) return cached;
    const parent = operation.ParentId === undefined ? undefined : byId.get(operation.ParentId);
    const result =
      parent !== undefined &&
      ((parent.Type === 'CONTEXT' && isTerminal(parent.Status) && parent.ContextDetails?.ReplayChildren !== true) || isHidden(parent));
    hidden.set(operation.Id, result);
    return result;
  };
  return operations.filter((operation) => !isHidden(operation));
}
