/**
 * How each ending of an invocation inside its environment becomes what Invoke answers: the
 * payload, `FunctionError`, and the log lines Lambda writes for a timeout or a crash.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
 */

import type { FunctionDefinition, InvokeOutcome } from '../core/types';
import type { EnvironmentInvokeResult, RuntimeErrorDocument } from './environment';
import { exitErrorType, LambdaErrorType } from './error-types';
import type { InvocationLog } from './invocation-log';

/** The number the service quotes when a response is too large. */
const MAX_RESPONSE_BYTES = 6_291_556;

type InvocationResult = EnvironmentInvokeResult | { readonly kind: 'init-error'; readonly error: RuntimeErrorDocument };

function runtimeErrorPayload(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }), 'utf8');
}

/**
 * `textPlatformLines`: whether the timeout and runtime-exit lines are written; with the JSON log
 * format they are not, their facts are the status and errorType of the platform records.
 */
export function outcomeOf(
  result: InvocationResult,
  requestId: string,
  definition: FunctionDefinition,
  invocationLog: InvocationLog,
  textPlatformLines = true,
): InvokeOutcome {
  const log = { line: (text: string) => textPlatformLines && invocationLog.line(text) };
  const base = { requestId, executedVersion: '$LATEST' };
  switch (result.kind) {
    case 'success': {
      const payload = Buffer.from(result.payload, 'utf8');
      if (payload.length > MAX_RESPONSE_BYTES) {
        return {
          ...base,
          functionError: 'Unhandled',
          payload: runtimeErrorPayload(
            LambdaErrorType.responseTooLarge,
            `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
          ),
        };
      }
      return { ...base, payload };
    }
    case 'function-error':
    case 'init-error':
      // The Node.js runtime reports every error as Unhandled.
      return { ...base, functionError: 'Unhandled', payload: Buffer.from(JSON.stringify(result.error), 'utf8') };
    case 'timeout': {
      const message = `Task timed out after ${definition.timeoutSeconds.toFixed(2)} seconds`;
      log.line(`${new Date().toISOString()} ${requestId} ${message}`);
      return {
        ...base,
        functionError: 'Unhandled',
        payload: runtimeErrorPayload(LambdaErrorType.timeout, `RequestId: ${requestId} Error: ${message}`),
      };
    }
    case 'exit': {
      const message = `RequestId: ${requestId} Error: Runtime exited with error: ${result.description}`;
      const errorType = exitErrorType(result.description);
      log.line(message);
      log.line(errorType);
      return { ...base, functionError: 'Unhandled', payload: runtimeErrorPayload(errorType, message) };
    }
    case 'out-of-memory': {
      // https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html (Runtime.OutOfMemory)
      const message = `RequestId: ${requestId} Error: Runtime exited with error: ${result.description}`;
      log.line(message);
      log.line(LambdaErrorType.outOfMemory);
      return { ...base, functionError: 'Unhandled', payload: runtimeErrorPayload(LambdaErrorType.outOfMemory, message) };
    }
  }
}
