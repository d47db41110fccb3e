/**
 * Reduces a durable execution to what two implementations must agree on: its final status, its
 * result or error (type and message), and its operations as a tree (type, subtype, name, status,
 * result or error, attempts, the events each went through), read from the execution's history in
 * the shape of GetDurableExecutionHistory. IDs, ARNs, tokens and timestamps are left out, and so are
 * InvocationCompleted events: how many invocations a run takes is the platform's business (AWS's own
 * examples do not compare it either).
 */
import { createHash } from 'node:crypto';
import type { ErrorObject, Event } from '@aws-sdk/client-lambda';

export interface NormalizedError {
  readonly type?: string;
  readonly message?: string;
}

export interface NormalizedOperation {
  readonly type: string;
  readonly subType?: string;
  readonly name?: string;
  readonly status: string;
  /** Attempts a step made: one per StepSucceeded or StepFailed event. */
  readonly attempts?: number;
  readonly result?: unknown;
  readonly error?: NormalizedError;
  /** The operation's events in order, with what belongs to them: an attempt's error, wait and retry delays. */
  readonly events: readonly string[];
  readonly children?: readonly NormalizedOperation[];
}

export interface NormalizedOutcome {
  readonly status: string;
  readonly result?: unknown;
  readonly error?: NormalizedError;
  readonly operations: readonly NormalizedOperation[];
}

/** What either implementation reports of one execution, before normalization. */
export interface RawExecution {
  readonly status: string;
  /** The result as the API carries it: a JSON string. */
  readonly result?: string | undefined;
  readonly error?: ErrorObject | undefined;
  readonly events: readonly Event[];
}

/** A payload longer than this is kept as its size and digest: the expectations stay readable. */
const longPayload = 1024;

const operationTypes: Readonly<Record<string, string>> = {
  Step: 'STEP',
  Wait: 'WAIT',
  Callback: 'CALLBACK',
  ChainedInvoke: 'CHAINED_INVOKE',
  Context: 'CONTEXT',
};
const statuses: Readonly<Record<string, string>> = {
  Started: 'STARTED',
  Succeeded: 'SUCCEEDED',
  Failed: 'FAILED',
  TimedOut: 'TIMED_OUT',
  Cancelled: 'CANCELLED',
  Stopped: 'STOPPED',
};
const eventTypePattern = /^(Step|Wait|Callback|ChainedInvoke|Context)(Started|Succeeded|Failed|TimedOut|Cancelled|Stopped)$/;

interface Details {
  readonly Result?: { readonly Payload?: string };
  readonly Error?: { readonly Payload?: ErrorObject };
  readonly RetryDetails?: { readonly NextAttemptDelaySeconds?: number };
  readonly Duration?: number;
  readonly Timeout?: number;
}

interface Building {
  type: string;
  subType?: string;
  name?: string;
  parentId?: string;
  status: string;
  attempts: number;
  result?: unknown;
  error?: NormalizedError;
  events: string[];
  childIds: string[];
}

/** A JSON payload parsed, or kept as a string when it is not JSON; a long one as its size and digest. */
export function normalizePayload(payload: string | undefined): unknown {
  if (payload === undefined || payload === '') return undefined;
  if (payload.length > longPayload) {
    const digest = createHash('sha256').update(payload).digest('hex').slice(0, 16);
    return `<${Buffer.byteLength(payload)} bytes, sha256 ${digest}>`;
  }
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}

export function normalizeError(error: ErrorObject | undefined): NormalizedError | undefined {
  if (error === undefined || (error.ErrorType === undefined && error.ErrorMessage === undefined)) return undefined;
  return {
    ...(error.ErrorType === undefined ? {} : { type: error.ErrorType }),
    ...(error.ErrorMessage === undefined ? {} : { message: error.ErrorMessage }),
  };
}

function describeEvent(eventType: string, details: Details | undefined): string {
  const parts = [eventType];
  const error = normalizeError(details?.Error?.Payload);
  if (error !== undefined) parts.push(`${error.type ?? '(no type)'}: ${error.message ?? '(no message)'}`);
  if (details?.Duration !== undefined) parts.push(`${details.Duration} s`);
  if (details?.Timeout !== undefined && details.Timeout > 0) parts.push(`timeout ${details.Timeout} s`);
  const retryIn = details?.RetryDetails?.NextAttemptDelaySeconds;
  if (retryIn !== undefined) parts.push(`retry in ${retryIn} s`);
  return parts.join(', ');
}

/** Applies one operation event to what is known of its operation. */
function apply(operation: Building, kind: string, outcome: string, event: Event): void {
  const details = (event as Record<string, unknown>)[`${event.EventType}Details`] as Details | undefined;
  operation.events.push(describeEvent(event.EventType ?? '', details));
  operation.status = statuses[outcome] ?? outcome;
  if (kind === 'Step' && (outcome === 'Succeeded' || outcome === 'Failed')) {
    operation.attempts += 1;
    // A failed attempt with a retry scheduled leaves the step pending, not failed.
    if (outcome === 'Failed' && details?.RetryDetails?.NextAttemptDelaySeconds !== undefined) operation.status = 'PENDING';
  }
  if (details?.Result !== undefined) operation.result = normalizePayload(details.Result.Payload);
  // An attempt's error stays in its event; the operation keeps only the error it ended with.
  const error = normalizeError(details?.Error?.Payload);
  if (error !== undefined) operation.error = error;
  if (outcome === 'Succeeded') delete operation.error;
}

function finish(id: string, operations: ReadonlyMap<string, Building>): NormalizedOperation {
  const operation = operations.get(id) as Building;
  const children = operation.childIds.map((childId) => finish(childId, operations));
  return {
    type: operation.type,
    ...(operation.subType === undefined ? {} : { subType: operation.subType }),
    ...(operation.name === undefined ? {} : { name: operation.name }),
    status: operation.status,
    ...(operation.type === 'STEP' ? { attempts: operation.attempts } : {}),
    ...(operation.result === undefined ? {} : { result: operation.result }),
    ...(operation.error === undefined ? {} : { error: operation.error }),
    events: operation.events,
    ...(children.length === 0 ? {} : { children }),
  };
}

/**
 * The outcome of one execution, normalized. Siblings keep the order of their first event, which the
 * SDK fixes (it starts a batch's items in index order), not the order they ended in.
 */
export function normalizeExecution(execution: RawExecution): NormalizedOutcome {
  const operations = new Map<string, Building>();
  for (const event of execution.events) {
    const match = eventTypePattern.exec(event.EventType ?? '');
    if (match === null || event.Id === undefined) continue;
    const [, kind = '', outcome = ''] = match;
    let operation = operations.get(event.Id);
    if (operation === undefined) {
      operation = { type: operationTypes[kind] ?? kind, status: 'STARTED', attempts: 0, events: [], childIds: [] };
      if (event.SubType !== undefined) operation.subType = event.SubType;
      if (event.Name !== undefined) operation.name = event.Name;
      if (event.ParentId !== undefined) operation.parentId = event.ParentId;
      operations.set(event.Id, operation);
    }
    apply(operation, kind, outcome, event);
  }
  // Linked once all are known: a child's first event may come before its parent's in a history.
  const roots: string[] = [];
  for (const [id, operation] of operations) {
    const parent = operation.parentId === undefined ? undefined : operations.get(operation.parentId);
    if (parent === undefined) roots.push(id);
    else parent.childIds.push(id);
  }
  const error = normalizeError(execution.error);
  const result = normalizePayload(execution.result);
  return {
    status: execution.status,
    ...(result === undefined ? {} : { result }),
    ...(error === undefined ? {} : { error }),
    operations: roots.map((id) => finish(id, operations)),
  };
}
