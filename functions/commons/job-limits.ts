import type { ItemError } from './fan-out';
import { MAX_INTEGER_DIGITS, type NumberValue } from './square';
import { BadRequestError } from './square-request';

/**
 * How big one job may be, from the limits of one Lambda durable execution:
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-limits.html
 * A job is up to {@link JOB_MAX_EXECUTIONS} executions: the jobs API splits its numbers into
 * batches that each fit one (splitJob) and joins them on read (docs/jobs.md).
 */

/** Most bytes of an execution's input payload (and of one checkpoint's payload). */
export const DURABLE_INPUT_BYTES = 262_144;
/** Most operations one execution may record. */
export const DURABLE_MAX_OPERATIONS = 25_000;
/**
 * Most bytes of the result of an execution started asynchronously, as the jobs API starts them
 * (`InvocationType: Event`) and reads them back (GetDurableExecution's `Result`): "Asynchronous
 * invocations support up to 1 MB, and synchronous invocations support up to 6 MB" (the Lambda API
 * reference, GetDurableExecution; @aws-sdk/client-lambda 3.1164's model says the same). The SDK's
 * own check, 6 MB less 50 bytes, is the synchronous answer's.
 */
export const DURABLE_RESULT_BYTES = 1_048_576;
/** The numbers a job is sized for: the issue's "up to 20 digits"; longer ones fit fewer per job (checkJobSize). */
export const JOB_SIZING_DIGITS = 20;

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
 * reports them.
 */
export const JOB_ERROR_TYPE_BYTES = 100;
export const JOB_ERROR_MESSAGE_BYTES = 256;

/** Room for `stats`, `jobId`, `status`, `progress` and the document around the arrays. */
const ENVELOPE_BYTES = 4096;
/** A request ID, the squarer's process name: a UUID. */
const PROCESS_NAME_CHARS = 36;
/**
 * `{"numbers":[` and `]}` around the items of an execution's input, and room for the batch's tag
 * (`,"job":{"id":…,"batch":i,"of":n,"digest":…}`, about 160 bytes at most) that a job of several
 * executions adds.
 */
const INPUT_ENVELOPE_BYTES = 13 + 256;

/**
 * Most executions one job is split into: at {@link JOB_SIZING_DIGITS} digits 5 × 2,480 = 12,400
 * numbers, past the issue's 10,000. Each is one ListDurableExecutionsByFunction and one
 * GetDurableExecution (and one history page while it runs) of every `GET /jobs/{jobId}`, so the cap
 * keeps a poll within a few calls made at once.
 */
export const JOB_MAX_EXECUTIONS = 5;

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

/**
 * The largest job a deployment may configure: its operations fit one execution, and so does its
 * result when its numbers have up to {@link JOB_SIZING_DIGITS} digits, every one squared or every
 * one failed with the longest error. A job of longer numbers is checked number by number (checkJobSize).
 */
export const MAX_JOB_NUMBERS_LIMIT = largestJob();

function largestJob(): number {
  const fits = (count: number) =>
    jobOperations(count) <= DURABLE_MAX_OPERATIONS &&
    ENVELOPE_BYTES + count * resultBytesPerNumber(JOB_SIZING_DIGITS) <= DURABLE_RESULT_BYTES &&
    maxDigitsAt(count) >= JOB_SIZING_DIGITS;
  let count = 1;
  while (fits(count + 1)) count += 1;
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

/** How many of `numbers`, from `start` on, fit one execution, and what stopped the batch there. */
function fittingFrom(
  numbers: readonly NumberValue[],
  start: number,
  perExecution: number,
): { readonly count: number; readonly bound: 'count' | 'input' | 'result' } {
  let inputUsed = INPUT_ENVELOPE_BYTES - 1;
  let resultUsed = ENVELOPE_BYTES;
  for (let index = start; index < numbers.length; index += 1) {
    if (index - start === perExecution) return { count: perExecution, bound: 'count' };
    const number = numbers[index] as NumberValue;
    inputUsed += Buffer.byteLength(JSON.stringify(number)) + 1;
    resultUsed += resultBytesPerNumber(String(number).replace('-', '').length);
    if (inputUsed > DURABLE_INPUT_BYTES) return { count: index - start, bound: 'input' };
    if (resultUsed > DURABLE_RESULT_BYTES) return { count: index - start, bound: 'result' };
  }
  return { count: numbers.length - start, bound: 'count' };
}

/**
 * Splits `numbers`, in order, into batches of at most `perExecution` numbers that each fit one
 * execution (input, operations and result at worst), each as full as it can be. Refuses up front,
 * saying how many fit, numbers that need more than `maxExecutions` executions.
 */
export function splitJob(numbers: readonly NumberValue[], perExecution: number, maxExecutions = JOB_MAX_EXECUTIONS): NumberValue[][] {
  const batches: NumberValue[][] = [];
  let start = 0;
  let bound: 'count' | 'input' | 'result' = 'count';
  while (start < numbers.length && batches.length < maxExecutions) {
    const fit = fittingFrom(numbers, start, perExecution);
    batches.push(numbers.slice(start, start + fit.count));
    start += fit.count;
    bound = fit.bound;
  }
  if (start === numbers.length) return batches;
  const limit =
    bound === 'input'
      ? `${DURABLE_INPUT_BYTES} bytes of input`
      : bound === 'result'
        ? `${DURABLE_RESULT_BYTES} bytes of result`
        : `${perExecution} numbers`;
  throw new BadRequestError(
    413,
    'JobTooLarge',
    `the numbers need more than ${maxExecutions === 1 ? 'one durable execution' : `the ${maxExecutions} durable executions of one job`}, each at most ${limit} (the first ${start} of these numbers fit): split them into jobs of at most ${start} numbers (docs/jobs.md)`,
    [
      {
        path: 'numbers',
        message: `at most ${maxExecutions} executions of at most ${perExecution} numbers, ${DURABLE_INPUT_BYTES} bytes of input and ${DURABLE_RESULT_BYTES} bytes of result each`,
      },
    ],
  );
}

/** One execution's worth of numbers, as {@link splitJob} sizes them, or refused with 413 `JobTooLarge`. */
export function checkJobSize(numbers: readonly NumberValue[], perExecution = MAX_JOB_NUMBERS_LIMIT): string {
  splitJob(numbers, perExecution, 1);
  return encodeJobInput(numbers);
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
