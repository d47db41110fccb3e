import { describe, expect, it } from 'vitest';
import {
  boundItemError,
  checkJobInputSize,
  DURABLE_INPUT_BYTES,
  DURABLE_MAX_OPERATIONS,
  DURABLE_RESULT_BYTES,
  JOB_ERROR_MESSAGE_BYTES,
  jobOperations,
  MAX_JOB_NUMBERS_LIMIT,
  maxDigitsAt,
} from '../../../functions/commons/job-limits';
import { LAMBDA_RESPONSE_PAYLOAD_BYTES } from '../../../functions/commons/response-limits';
import { formatLine, type ResultItem, type SquareResponse } from '../../../functions/commons/square-response';

/** The GET /jobs/{jobId} answer of a job whose every number is `item`, as API Gateway receives it from the handler. */
function answerBytes(count: number, item: ResultItem): number {
  const response: SquareResponse = {
    results: Array(count).fill(item),
    lines: 'result' in item ? Array(count).fill(formatLine(item)) : [],
    stats: {
      numbers: count,
      succeeded: count,
      failed: count,
      invocations: 99_999,
      retries: 99_999,
      throttles: 0,
      peakConcurrency: 1000,
      durationMs: 31_622_400_000,
    },
  };
  const view = { jobId: 'x'.repeat(64), status: 'SUCCEEDED', progress: { done: count, total: count }, ...response };
  return Buffer.byteLength(
    JSON.stringify({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(view) }),
  );
}

describe('job limits', () => {
  const count = MAX_JOB_NUMBERS_LIMIT;
  const digits = maxDigitsAt(count);
  const number = `-${'9'.repeat(digits)}`;

  it('allow at least 10,000 numbers of 20 digits, within 25,000 operations', () => {
    expect(count).toBeGreaterThanOrEqual(10_000);
    expect(maxDigitsAt(10_000)).toBeGreaterThanOrEqual(20);
    expect(jobOperations(count)).toBeLessThanOrEqual(DURABLE_MAX_OPERATIONS);
    expect(jobOperations(count + 1)).toBeGreaterThan(DURABLE_MAX_OPERATIONS);
  });

  it('keep the input of the largest job of the longest numbers it allows within 256 KB', () => {
    expect(() => checkJobInputSize(Array(count).fill(number))).not.toThrow();
    expect(() => checkJobInputSize(Array(count).fill(`${number}99999`))).toThrow(/JobTooLarge|at most 262144 bytes/);
    expect(maxDigitsAt(520)).toBe(500);
    expect(Buffer.byteLength(JSON.stringify({ numbers: Array(520).fill(`-${'9'.repeat(500)}`) }))).toBeLessThanOrEqual(DURABLE_INPUT_BYTES);
  });

  it("keep the largest job's answer within 6 MB, every number squared or every one failed with the longest error", () => {
    const squared = { number, result: (BigInt(number) ** 2n).toString(), processName: '9a7f0e1d-3c2b-4a85-8e6d-1f2a3b4c5d6e' };
    // Control characters take 6 bytes each in JSON: the worst a message can be.
    const failed = { number, error: boundItemError({ type: '\u0001'.repeat(500), message: '\u0001'.repeat(5000) }) };
    for (const item of [squared, failed]) {
      expect(answerBytes(count, item)).toBeLessThanOrEqual(LAMBDA_RESPONSE_PAYLOAD_BYTES);
      expect(answerBytes(count, item)).toBeLessThanOrEqual(DURABLE_RESULT_BYTES);
    }
  });

  it("keep a squarer's error as it is when short, and cut a long one to 256 bytes of JSON without splitting a character", () => {
    const short = { type: 'InvalidNumber', message: '"x" is not a decimal integer (only an optional \'-\' and the digits 0-9)' };
    expect(boundItemError(short)).toEqual(short);
    const long = boundItemError({ type: 'Error', message: '😀'.repeat(200) });
    expect(Buffer.byteLength(JSON.stringify(long.message))).toBeLessThanOrEqual(JOB_ERROR_MESSAGE_BYTES);
    expect(long.message).toBe('😀'.repeat(long.message.length / 2));
    expect(long.message.length).toBeGreaterThan(100);
  });
});
