import type { ItemError } from './fan-out';
import { LAMBDA_RESPONSE_PAYLOAD_BYTES } from './response-limits';
import { MAX_INTEGER_DIGITS, type NumberValue } from './square';
import { BadRequestError } from './square-request';

/**
 * How big one job may be, from the limits of one Lambda durable execution:
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-limits.html
 * A job is one execution; a larger set of numbers is a batch of jobs (docs/jobs.md).
 */

/** Most bytes of an execution's input payload (and of one checkpoint's payload). */
export const DURABLE_INPUT_BYTES = 262_144;
/** Most operations one execution may record. */
export const DURABLE_MAX_OPERATIONS = 25_000;
/**
 * Most bytes of an execution's result, as the SDK returns it: 6 MB less 50 bytes of envelope
 * (`LAMBDA_RESPONSE_SIZE_LIMIT` in @aws/durable-execution-sdk-js).
 */
export const DURABLE_RESULT_BYTES = LAMBDA_RESPONSE_PAYLOAD_BYTES - 50;

/** Attempts per number, the first included: each retry is one more round of chained invokes. */
export const JOB_MAX_ATTEMPTS = 3;
/** Retries one job may make in all, as the direct coordinator allows per request. */
export function retryBudget(numbers: number): number {
  return 20 + numbers;
}

/**
 * Operations a job of `numbers` records at most: the execution, its start-time step, one map
 * (a CONTEXT) per round, and one CHAINED_INVOKE per squarer invocation. The map runs FLAT, so an
 * item adds no CONTEXT of its own.
 */
export function jobOperations(numbers: number): number {
  return 2 + JOB_MAX_ATTEMPTS + numbers + retryBudget(numbers);
}

/**
 * An item's error in a job's result is cut to these many bytes of JSON (quotes and escapes
 * included): the squarer's own messages are far shorter, so they stay exactly as the direct API
 * reports them, and 10,000 failed numbers still fit in one result.
 */
export const JOB_ERROR_TYPE_BYTES = 100;
export const JOB_ERROR_MESSAGE_BYTES = 256;

/** Room for `stats`, `jobId`, `status`, `progress` and the document around the arrays. */
const ENVELOPE_BYTES = 4096;
/** A request ID, the squarer's process name: a UUID. */
const PROCESS_NAME_CHARS = 36;
/** `{"numbers":[` and `]}` around the items of an execution's input. */
const INPUT_ENVELOPE_BYTES = 13;

/** The most digits every one of `count` numbers can have with the input within {@link DURABLE_INPUT_BYTES}. */
export function maxDigitsAt(count: number): number {
  // Each number at worst a string with a sign: `"-ddd",` is its digits and 4 bytes.
  return Math.min(MAX_INTEGER_DIGITS, Math.floor((DURABLE_INPUT_BYTES - INPUT_ENVELOPE_BYTES) / count) - 4);
}

/** The most bytes one number of `digits` digits takes in a job's result (`results` and `lines`), succeeded or failed. */
export function resultBytesPerNumber(digits: number): number {
  // `{"number":"-d","result":"2d","processName":"36"},` and `"-d squared to 2d by: 36",`
  const succeeded = 3 * digits + 44 + PROCESS_NAME_CHARS + (3 * digits + 21 + PROCESS_NAME_CHARS);
  // `{"number":"-d","error":{"type":T,"message":M}},`
  const failed = digits + 45 + JOB_ERROR_TYPE_BYTES + JOB_ERROR_MESSAGE_BYTES;
  return Math.max(succeeded, failed);
}

/** The largest a job's result can be when it has `count` numbers and its input fits one execution. */
export function jobResultBytesBound(count: number): number {
  return ENVELOPE_BYTES + count * resultBytesPerNumber(maxDigitsAt(count));
}

/** The largest job a deployment may configure: its operations and its result fit one execution. */
export const MAX_JOB_NUMBERS_LIMIT = largestJob();

function largestJob(): number {
  let count = 1;
  while (jobOperations(count + 1) <= DURABLE_MAX_OPERATIONS && jobResultBytesBound(count + 1) <= DURABLE_RESULT_BYTES) count += 1;
  return count;
}

/** The execution's input: the numbers as they travel in JSON (square.ts). */
export interface JobInput {
  readonly numbers: NumberValue[];
}

/** The execution's input, as the jobs API sends it and its size is checked. */
export function encodeJobInput(numbers: readonly NumberValue[]): string {
  return JSON.stringify({ numbers } satisfies { numbers: readonly NumberValue[] });
}

/**
 * Refuses, before any execution starts, numbers whose input would not fit one execution, and says
 * how many of them would.
 */
export function checkJobInputSize(numbers: readonly NumberValue[]): string {
  const input = encodeJobInput(numbers);
  const bytes = Buffer.byteLength(input);
  if (bytes <= DURABLE_INPUT_BYTES) return input;
  let fitting = 0;
  let used = INPUT_ENVELOPE_BYTES - 1;
  for (const number of numbers) {
    used += Buffer.byteLength(JSON.stringify(number)) + 1;
    if (used > DURABLE_INPUT_BYTES) break;
    fitting += 1;
  }
  throw new BadRequestError(
    413,
    'JobTooLarge',
    `the numbers take ${bytes} bytes as a durable execution's input; one job takes at most ${DURABLE_INPUT_BYTES} bytes ` +
      `(the first ${fitting} of these numbers): split them into jobs of at most ${fitting} numbers (docs/jobs.md)`,
    [{ path: 'numbers', message: `at most ${DURABLE_INPUT_BYTES} bytes as JSON` }],
  );
}

/** An item's error as a job reports it: the direct API's error, cut to the bytes above. */
export function boundItemError(error: ItemError): ItemError {
  return { type: cutToJsonBytes(error.type, JOB_ERROR_TYPE_BYTES), message: cutToJsonBytes(error.message, JOB_ERROR_MESSAGE_BYTES) };
}

/** The longest prefix of `text` whose JSON string takes at most `maxBytes` bytes of UTF-8. */
function cutToJsonBytes(text: string, maxBytes: number): string {
  const bytes = (value: string) => Buffer.byteLength(JSON.stringify(value));
  if (bytes(text) <= maxBytes) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (bytes(text.slice(0, middle)) <= maxBytes) low = middle;
    else high = middle - 1;
  }
  // Never end on half a surrogate pair.
  const last = text.charCodeAt(low - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? low - 1 : low);
}
