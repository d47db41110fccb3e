/**
 * A stand-in for the local Lambda service (built separately) that runs plain async handlers in
 * this process, answering as the Invoke API does: the handler's result as JSON, a function error
 * as `functionError: 'Unhandled'` with `{errorType, errorMessage, trace}`, and service errors
 * (unknown function, throttling) as `LambdaServiceError`.
 */
import { randomUUID } from 'node:crypto';
import { type InvokeOutcome, type LambdaInvoker, LambdaServiceError } from '../../core/types';

export type TestHandler = (event: unknown, signal: AbortSignal) => Promise<unknown>;

/** A handler that makes the service answer 429, as a function at its reserved concurrency does. */
export const THROTTLED = Symbol('throttled');

export interface InProcessInvoker extends LambdaInvoker {
  /** The events each function received, parsed. */
  readonly events: Map<string, unknown[]>;
}

export function createInProcessInvoker(handlers: Readonly<Record<string, TestHandler | typeof THROTTLED>>): InProcessInvoker {
  const events = new Map<string, unknown[]>();
  return {
    events,
    async invoke(functionName, payload, options): Promise<InvokeOutcome> {
      const handler = handlers[functionName];
      if (handler === undefined) {
        throw new LambdaServiceError(
          'ResourceNotFoundException',
          404,
          `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
        );
      }
      if (handler === THROTTLED) {
        throw new LambdaServiceError('TooManyRequestsException', 429, 'Rate Exceeded.', {
          Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        });
      }
      const event: unknown = JSON.parse(payload.toString('utf8'));
      events.set(functionName, [...(events.get(functionName) ?? []), event]);
      const requestId = randomUUID();
      const signal = options?.signal ?? new AbortController().signal;
      try {
        const result = await handler(event, signal);
        // The Node.js runtime serializes `undefined` as `null`.
        return { requestId, payload: Buffer.from(JSON.stringify(result ?? null), 'utf8'), executedVersion: '$LATEST' };
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        const document = {
          errorType: failure.name,
          errorMessage: failure.message,
          trace: (failure.stack ?? '').split('\n'),
        };
        return {
          requestId,
          payload: Buffer.from(JSON.stringify(document), 'utf8'),
          functionError: 'Unhandled',
          executedVersion: '$LATEST',
        };
      }
    },
  };
}
