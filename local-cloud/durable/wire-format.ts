/**
 * The service's records as the wire carries them. Two timestamp formats, as on AWS: the
 * invocation envelope (a Lambda event, plain JSON) carries ISO-8601 strings, and the restJson1 API
 * answers carry epoch seconds, which the AWS SDK parses into Dates.
 * https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#timestamp-formats
 */
import type { ErrorObject, ExecutionRecord, HistoryEvent, OperationRecord } from './durable-types';

export type TimestampFormat = 'iso' | 'epoch-seconds';

function timestamp(milliseconds: number | undefined, format: TimestampFormat): string | number | undefined {
  if (milliseconds === undefined) return undefined;
  return format === 'iso' ? new Date(milliseconds).toISOString() : milliseconds / 1000;
}

/** An operation without what only the service keeps, its timestamps in `format`. */
export function wireOperation(operation: OperationRecord, format: TimestampFormat): Record<string, unknown> {
  const { internals: _internals, StartTimestamp, EndTimestamp, StepDetails, WaitDetails, ...rest } = operation;
  return {
    ...rest,
    StartTimestamp: timestamp(StartTimestamp, format),
    ...(EndTimestamp === undefined ? {} : { EndTimestamp: timestamp(EndTimestamp, format) }),
    ...(StepDetails === undefined
      ? {}
      : {
          StepDetails: {
            ...StepDetails,
            ...(StepDetails.NextAttemptTimestamp === undefined
              ? {}
              : { NextAttemptTimestamp: timestamp(StepDetails.NextAttemptTimestamp, format) }),
          },
        }),
    ...(WaitDetails === undefined ? {} : { WaitDetails: { ScheduledEndTimestamp: timestamp(WaitDetails.ScheduledEndTimestamp, format) } }),
  };
}

/** A history event as GetDurableExecutionHistory answers it; payloads left out unless asked for. */
export function wireEvent(event: HistoryEvent, includeData: boolean): Record<string, unknown> {
  const { details, EventTimestamp, ...rest } = event;
  const wireDetails = Object.fromEntries(
    Object.entries(details ?? {}).map(([key, value]) => {
      const record = { ...(value as Record<string, unknown>) };
      if ('ScheduledEndTimestamp' in record)
        record.ScheduledEndTimestamp = timestamp(record.ScheduledEndTimestamp as number, 'epoch-seconds');
      for (const member of ['StartTimestamp', 'EndTimestamp']) {
        if (member in record) record[member] = timestamp(record[member] as number, 'epoch-seconds');
      }
      if (!includeData) {
        for (const member of ['Input', 'Result', 'Error']) {
          if (member in record && key !== 'InvocationCompletedDetails') record[member] = { Truncated: true };
        }
      }
      return [key, record];
    }),
  );
  return { ...rest, EventTimestamp: timestamp(EventTimestamp, 'epoch-seconds'), ...wireDetails };
}

/** GetDurableExecution's answer. https://docs.aws.amazon.com/lambda/latest/api/API_GetDurableExecution.html */
export function wireExecution(execution: ExecutionRecord, includeData: boolean): Record<string, unknown> {
  return {
    DurableExecutionArn: execution.arn,
    DurableExecutionName: execution.name,
    FunctionArn: `${execution.functionArn}:${execution.qualifier}`,
    Status: execution.status,
    StartTimestamp: timestamp(execution.startedAt, 'epoch-seconds'),
    ...(execution.endedAt === undefined ? {} : { EndTimestamp: timestamp(execution.endedAt, 'epoch-seconds') }),
    Version: execution.version,
    DurableConfig: { ExecutionTimeout: execution.executionTimeoutSeconds, RetentionPeriodInDays: execution.retentionDays },
    ExecutionDataIncluded: includeData,
    ...(includeData
      ? {
          InputPayload: execution.input,
          ...(execution.result === undefined ? {} : { Result: execution.result }),
          ...(execution.error === undefined ? {} : { Error: execution.error }),
        }
      : {}),
  };
}

/** One entry of ListDurableExecutionsByFunction. https://docs.aws.amazon.com/lambda/latest/api/API_Execution.html */
export function wireExecutionSummary(execution: ExecutionRecord): Record<string, unknown> {
  return {
    DurableExecutionArn: execution.arn,
    DurableExecutionName: execution.name,
    FunctionArn: `${execution.functionArn}:${execution.qualifier}`,
    Status: execution.status,
    StartTimestamp: timestamp(execution.startedAt, 'epoch-seconds'),
    ...(execution.endedAt === undefined ? {} : { EndTimestamp: timestamp(execution.endedAt, 'epoch-seconds') }),
  };
}

/** A function error's `{errorType, errorMessage, trace}` document as an ErrorObject. */
export function errorObjectFromPayload(payload: Buffer): ErrorObject {
  try {
    const document = JSON.parse(payload.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown; trace?: unknown };
    return {
      ErrorType: typeof document.errorType === 'string' ? document.errorType : 'Error',
      ErrorMessage: typeof document.errorMessage === 'string' ? document.errorMessage : payload.toString('utf8'),
      ...(Array.isArray(document.trace) ? { StackTrace: document.trace.map(String) } : {}),
    };
  } catch {
    return { ErrorType: 'Error', ErrorMessage: payload.toString('utf8') };
  }
}

/** An ErrorObject as a synchronous Invoke's function error payload. */
export function functionErrorPayload(error: ErrorObject | undefined): Buffer {
  return Buffer.from(
    JSON.stringify({
      errorType: error?.ErrorType ?? 'Error',
      errorMessage: error?.ErrorMessage ?? 'The durable execution failed',
      ...(error?.StackTrace === undefined ? {} : { trace: error.StackTrace }),
    }),
  );
}
