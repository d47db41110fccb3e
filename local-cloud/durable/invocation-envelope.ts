/**
 * What a durable function is invoked with, and what it answers: the envelope (execution ARN,
 * checkpoint token, the first page of its operations) and the `{Status, Result, Error}` document.
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-execution-sdk.html
 */
import type { InvokeOutcome } from '../core/types';
import type { ErrorObject, OperationRecord } from './durable-types';
import type { NewHistoryEvent } from './operation-updates';
import { errorObjectFromPayload, wireOperation } from './wire-format';

export interface DurableAnswer {
  readonly Status: 'SUCCEEDED' | 'FAILED' | 'PENDING';
  readonly Result?: string;
  readonly Error?: ErrorObject;
}

/** The invocation's event: the operations' first `pageSize`, and a marker for GetDurableExecutionState when there are more. */
export function durableEnvelope(executionArn: string, token: string, visible: readonly OperationRecord[], pageSize: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      DurableExecutionArn: executionArn,
      CheckpointToken: token,
      InitialExecutionState: {
        Operations: visible.slice(0, pageSize).map((operation) => wireOperation(operation, 'iso')),
        ...(visible.length > pageSize ? { NextMarker: String(pageSize) } : {}),
      },
    }),
  );
}

/** The function's answer, or the error an invocation ended in (a function error, an answer without a valid Status). */
export function readAnswer(outcome: InvokeOutcome): { answer: DurableAnswer } | { error: ErrorObject } {
  if (outcome.functionError !== undefined) return { error: errorObjectFromPayload(outcome.payload) };
  try {
    const answer = JSON.parse(outcome.payload.toString('utf8')) as { Status?: unknown; Result?: unknown; Error?: ErrorObject };
    if (answer.Status === 'SUCCEEDED' || answer.Status === 'FAILED' || answer.Status === 'PENDING') {
      return {
        answer: {
          Status: answer.Status,
          ...(typeof answer.Result === 'string' ? { Result: answer.Result } : {}),
          ...(answer.Error === undefined ? {} : { Error: answer.Error }),
        },
      };
    }
  } catch {
    // answered below
  }
  return { error: { ErrorType: 'InvalidResponse', ErrorMessage: 'The durable function answered without a valid Status.' } };
}

/** The InvocationCompleted history event of one invocation. */
export function invocationCompleted(started: number, requestId: string | undefined, error: ErrorObject | undefined): NewHistoryEvent {
  const now = Date.now();
  return {
    EventType: 'InvocationCompleted',
    EventTimestamp: now,
    details: {
      InvocationCompletedDetails: {
        StartTimestamp: started,
        EndTimestamp: now,
        RequestId: requestId ?? '',
        ...(error === undefined ? {} : { Error: { Payload: error } }),
      },
    },
  };
}
