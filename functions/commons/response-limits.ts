import { MAX_INTEGER_DIGITS } from './square';

/**
 * How many numbers one request may hold so that the coordinator's answer always fits in what a
 * synchronous Lambda invocation may return: 6 MB.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const LAMBDA_RESPONSE_PAYLOAD_BYTES = 6_291_456;

/**
 * The most one number can take in the answer: in `results` and again in `lines`, a
 * MAX_INTEGER_DIGITS-digit negative integer and its square of twice the digits, a request ID, and
 * the JSON and words around them (generously).
 */
export const WORST_CASE_BYTES_PER_NUMBER = 2 * (1 + MAX_INTEGER_DIGITS + 2 * MAX_INTEGER_DIGITS + 36) + 100;

/** Room for `stats` and the document around the arrays. */
const ENVELOPE_BYTES = 4096;

/** The largest `maxNumbers` a deployment may configure. */
export const MAX_NUMBERS_LIMIT = Math.floor((LAMBDA_RESPONSE_PAYLOAD_BYTES - ENVELOPE_BYTES) / WORST_CASE_BYTES_PER_NUMBER);
