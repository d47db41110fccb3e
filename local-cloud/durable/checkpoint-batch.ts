/**
 * One CheckpointDurableExecution request's updates, applied all or none: checked against the
 * documented limits, each applied to the operation as the batch has left it so far.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CheckpointDurableExecution.html
 */
import { DURABLE_LIMITS, invalidParameter, type OperationRecord, type OperationUpdate } from './durable-types';
import { applyUpdate, type NewHistoryEvent } from './operation-updates';

export interface AppliedBatch {
  /** Each operation the batch changed, in its last state. */
  readonly changed: readonly OperationRecord[];
  readonly events: readonly NewHistoryEvent[];
}

/** Applies `updates` to an execution's operations (read through `operation`), throwing before any change is kept. */
export function applyBatch(
  executionArn: string,
  existing: { operation(id: string): OperationRecord | undefined; readonly operationCount: number },
  updates: readonly OperationUpdate[],
  now: number,
): AppliedBatch {
  const working = new Map<string, OperationRecord>();
  const events: NewHistoryEvent[] = [];
  for (const update of updates) {
    for (const [member, value] of [
      ['Payload', update.Payload],
      ['Error', update.Error === undefined ? undefined : JSON.stringify(update.Error)],
    ] as const) {
      if (value !== undefined && Buffer.byteLength(value) > DURABLE_LIMITS.maxPayloadBytes) {
        throw invalidParameter(`The ${member} of operation ${update.Id} is larger than ${DURABLE_LIMITS.maxPayloadBytes} bytes.`);
      }
    }
    const applied = applyUpdate(working.get(update.Id) ?? existing.operation(update.Id), update, now, (id) => callbackId(executionArn, id));
    working.set(update.Id, applied.operation);
    events.push(applied.event);
  }
  const added = [...working.keys()].filter((id) => existing.operation(id) === undefined).length;
  if (existing.operationCount + added > DURABLE_LIMITS.maxOperationsPerExecution) {
    throw invalidParameter(`A durable execution can have at most ${DURABLE_LIMITS.maxOperationsPerExecution} operations.`);
  }
  return { changed: [...working.values()], events };
}

/** A callback ID names its execution and operation; opaque to callers, as on AWS. */
export function callbackId(executionArn: string, operationId: string): string {
  return Buffer.from(JSON.stringify([executionArn, operationId])).toString('base64url');
}

/** The execution ARN and operation ID a callback ID names; InvalidParameterValueException for anything else. */
export function decodeCallbackId(id: string): [string, string] {
  try {
    const decoded = JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && typeof decoded[0] === 'string' && typeof decoded[1] === 'string') return [decoded[0], decoded[1]];
  } catch {
    // answered below
  }
  throw invalidParameter(`Invalid callback ID ${id}.`);
}
