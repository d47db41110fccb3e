import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { ClassifiedError } from './fan-out';
import { type NumberValue, type ParsedNumber, toNumberValue } from './square';
import { isSquareOf } from './square-check';
import type { SquareResult, SquarerEvent } from './squarer-contract';

/** The squarer's invocation failed: `FunctionError` was set, with this errorType. */
export class SquarerFunctionError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'SquarerFunctionError';
  }
}

/** The squarer answered something that is not a square of what we sent. */
export class InvalidSquarerResponseError extends Error {
  override readonly name = 'InvalidSquarerResponse';
}

/**
 * Function errors of the runtime, not of the input: the environment crashed or timed out, so the
 * same invocation may well succeed in a fresh one. Squaring is idempotent, so these are retried.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html
 */
const TRANSIENT_FUNCTION_ERRORS = new Set(['Runtime.ExitError', 'Sandbox.Timedout', 'Runtime.Unknown']);

/** Whether a squarer's errorType is one of the runtime's, worth retrying in a fresh environment. */
export function isTransientFunctionError(errorType: string): boolean {
  return TRANSIENT_FUNCTION_ERRORS.has(errorType);
}

export interface SquarerInvokerOptions {
  readonly client: LambdaClient;
  readonly functionName: string;
  /** Told when the squarer's processName differs from the request ID the Invoke response reports. */
  readonly onRequestIdMismatch?: (processName: string, invokeRequestId: string | undefined) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Invokes one squarer synchronously and checks everything about its answer. */
export function createSquarerInvoker(options: SquarerInvokerOptions) {
  const { client, functionName, onRequestIdMismatch } = options;
  // No abort signal per call: the coordinator aborts everything in flight at once, at its
  // deadline, through the client's request handler (lambda-client.ts).
  return async (value: ParsedNumber): Promise<SquareResult> => {
    const number = toNumberValue(value);
    const response = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: encoder.encode(JSON.stringify({ number } satisfies SquarerEvent)),
      }),
    );
    const text = response.Payload ? decoder.decode(response.Payload) : '';
    // A synchronous Invoke whose function failed does not throw: the SDK reports it here.
    if (response.FunctionError) {
      const { errorType, errorMessage } = readFunctionError(text);
      throw new SquarerFunctionError(errorType, errorMessage);
    }
    const answer = readSquareResult(text, number);
    const invokeRequestId = response.$metadata.requestId;
    if (answer.processName !== invokeRequestId) {
      onRequestIdMismatch?.(answer.processName, invokeRequestId);
    }
    return answer;
  };
}

/** A squarer's error, as much of it as an answer should carry: every one counts against its 6 MB. */
const MAX_ERROR_TEXT = 1000;

function readFunctionError(text: string): { errorType: string; errorMessage: string } {
  let errorType = 'Unhandled';
  let errorMessage = text;
  try {
    const document: unknown = JSON.parse(text);
    if (typeof document === 'object' && document !== null) {
      const fields = document as Record<string, unknown>;
      if (typeof fields.errorType === 'string') errorType = fields.errorType;
      if (typeof fields.errorMessage === 'string') errorMessage = fields.errorMessage;
    }
  } catch {
    // Not JSON: report the text as it came.
  }
  return { errorType: errorType.slice(0, 100), errorMessage: errorMessage.slice(0, MAX_ERROR_TEXT) };
}

function readSquareResult(text: string, sent: NumberValue): SquareResult {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new InvalidSquarerResponseError(`the squarer's answer is not JSON: ${text.slice(0, 200)}`);
  }
  return checkSquareResult(document, sent, text);
}

/**
 * Checks an answer already parsed (a chained invoke's result) against the contract: exactly the
 * square of the number sent, and a process name. Throws {@link InvalidSquarerResponseError}.
 */
export function checkSquareResult(document: unknown, sent: NumberValue, text = JSON.stringify(document) ?? ''): SquareResult {
  if (typeof document !== 'object' || document === null) {
    throw new InvalidSquarerResponseError(`the squarer's answer is not an object: ${text.slice(0, 200)}`);
  }
  const { number, result, processName } = document as Record<string, unknown>;
  if (number !== sent) {
    throw new InvalidSquarerResponseError(`the squarer answered for ${JSON.stringify(number)}, not for ${JSON.stringify(sent)}`);
  }
  if (!isNumberValue(result)) {
    throw new InvalidSquarerResponseError(`the squarer's result ${JSON.stringify(result)} is not a number`);
  }
  if (!isSquareOf(sent, result)) {
    throw new InvalidSquarerResponseError(
      `the squarer answered ${JSON.stringify(result)} for ${JSON.stringify(sent)}, which is not its square`,
    );
  }
  if (typeof processName !== 'string' || processName === '') {
    throw new InvalidSquarerResponseError('the squarer did not name its process');
  }
  return { number: sent, result, processName };
}

function isNumberValue(value: unknown): value is NumberValue {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^[0-9]+$/.test(value));
}

/**
 * Sorts a failed invocation into throttling, transient (retry) and final (report), with the
 * same classifiers the AWS SDK's own retry strategy uses.
 */
export function classifyInvokeError(error: unknown): ClassifiedError {
  if (error instanceof SquarerFunctionError) {
    return {
      type: error.errorType,
      message: error.message,
      retry: isTransientFunctionError(error.errorType) ? 'transient' : 'final',
    };
  }
  if (error instanceof Error) {
    // The SDK's classifiers read optional fields ($metadata, $retryable, code) that any Error may lack.
    const sdkError = error as SdkError;
    const type = error.name;
    const message = error.message || type;
    if (isThrottlingError(sdkError)) return { type, message, retry: 'throttle' };
    if (isServerError(sdkError) || isTransientError(sdkError)) {
      return { type, message, retry: 'transient' };
    }
    return { type, message, retry: 'final' };
  }
  return { type: 'Error', message: String(error), retry: 'final' };
}

type SdkError = Parameters<typeof isThrottlingError>[0];
