import { describe, expect, it } from 'vitest';
import {
  boundItemError,
  checkJobSize,
  DURABLE_INPUT_BYTES,
  DURABLE_MAX_OPERATIONS,
  DURABLE_RESULT_BYTES,
  JOB_ERROR_MESSAGE_BYTES,
  JOB_MAX_EXECUTIONS,
  JOB_SIZING_DIGITS,
  jobOperations,
  MAX_JOB_NUMBERS_LIMIT,
  maxDigitsAt,
  splitJob,
} from '../../../functions/commons/job-limits';
import { LAMBDA_RESPONSE_PAYLOAD_BYTES } from '../../../functions/commons/response-limits';
import { formatLine, type ResultItem, type SquareResponse } from '../../../functions/commons/square-response';

/** The result of a job whose every number is `item`, as the durable coordinator returns it. */
function resultOf(count: number, item: ResultItem): SquareResponse {
  return {
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
}

/** The GET /jobs/{jobId} answer of that job, as API Gateway receives it from the handler. */
function answerBytes(response: SquareResponse): number {
  const count = response.results.length;
  const view = { jobId: 'x'.repeat(64), status: 'SUCCEEDED', progress: { done: count, total: count }, ...response };
  return Buffer.byteLength(
    JSON.stringify({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(view) }),
  );
}

/** A number of `digits` digits at its longest on the wire: negative, as a string. */
const longest = (digits: number) => `-${'9'.repeat(digits)}`;
const squared = (number: string): ResultItem => ({
  number,
  result: (BigInt(number) ** 2n).toString(),
  processName: '9a7f0e1d-3c2b-4a85-8e6d-1f2a3b4c5d6e',
});
// Control characters take 6 bytes each in JSON: the worst a message can be.
const failed = (number: string): ResultItem => ({
  number,
  error: boundItemError({ type: '\u0001'.repeat(500), message: '\u0001'.repeat(5000) }),
});

describe('job limits', () => {
  const count = MAX_JOB_NUMBERS_LIMIT;
  const number = longest(JOB_SIZING_DIGITS);

  it('allow a job of 2,480 numbers of 20 digits, within 25,000 operations and 256 KB of input', () => {
    expect(count).toBe(2480);
    expect(jobOperations(count)).toBeLessThanOrEqual(DURABLE_MAX_OPERATIONS);
    expect(maxDigitsAt(count)).toBeGreaterThanOrEqual(JOB_SIZING_DIGITS);
    expect(() => checkJobSize(Array(count).fill(number))).not.toThrow();
  });

  it("keep the largest job's result within an asynchronous execution's 1 MB, every number squared or every one failed with the longest error, and not one number more", () => {
    for (const item of [squared(number), failed(number)]) {
      expect(Buffer.byteLength(JSON.stringify(resultOf(count, item)))).toBeLessThanOrEqual(DURABLE_RESULT_BYTES);
      expect(answerBytes(resultOf(count, item))).toBeLessThanOrEqual(LAMBDA_RESPONSE_PAYLOAD_BYTES);
    }
    // The bound is a little above the worst result (its envelope is 4 KB): one number more is refused.
    expect(() => splitJob(Array(count + 1).fill(number), Number.MAX_SAFE_INTEGER, 1)).toThrow(
      `each at most ${DURABLE_RESULT_BYTES} bytes of result (the first ${count} of these numbers fit)`,
    );
  });

  it("refuse up front, saying how many fit, numbers whose input or whose result at worst is over one execution's", () => {
    // 520 numbers of 500 digits fit 256 KB of input, but their squares not 1 MB of result: 332 do.
    expect(Buffer.byteLength(JSON.stringify({ numbers: Array(520).fill(longest(500)) }))).toBeLessThanOrEqual(DURABLE_INPUT_BYTES);
    expect(() => checkJobSize(Array(520).fill(longest(500)))).toThrow(/each at most 1048576 bytes of result \(the first 332 /);
    const fits = Array(332).fill(longest(500));
    expect(() => checkJobSize(fits)).not.toThrow();
    expect(Buffer.byteLength(JSON.stringify(resultOf(332, squared(longest(500)))))).toBeLessThanOrEqual(DURABLE_RESULT_BYTES);
    // The result binds before the input for numbers of any length: every number takes more result than input.
    expect(() => checkJobSize(Array(60_000).fill(9999), 60_000)).toThrow(/each at most 1048576 bytes of result \(the first 2578 /);
  });

  it('split a job into executions each as full as it fits, in order, up to 5 of them', () => {
    const numbers = Array.from({ length: 5 * count }, (_, index) => String(index));
    const sizes = (how: unknown[], perExecution = count) => splitJob(how as string[], perExecution).map((batch) => batch.length);
    expect(sizes(numbers.slice(0, 1))).toEqual([1]);
    expect(sizes(numbers.slice(0, count))).toEqual([count]);
    expect(sizes(numbers.slice(0, count + 1))).toEqual([count, 1]);
    expect(sizes(numbers.slice(0, 10_000))).toEqual([count, count, count, count, 10_000 - 4 * count]);
    expect(sizes(numbers)).toEqual(Array(JOB_MAX_EXECUTIONS).fill(count));
    expect(splitJob(numbers, count).flat()).toEqual(numbers);
    // A deployment's smaller count per execution, and numbers of 500 digits: 332 per execution's result.
    expect(sizes(numbers.slice(0, 7), 3)).toEqual([3, 3, 1]);
    expect(sizes(Array(333).fill(longest(500)))).toEqual([332, 1]);
    expect(() => splitJob([...numbers, '1'], count)).toThrow(
      `more than the 5 durable executions of one job, each at most 2480 numbers (the first ${5 * count} of these numbers fit)`,
    );
    expect(() => splitJob(Array(5 * 332 + 1).fill(longest(500)), count)).toThrow(/bytes of result \(the first 1660 /);
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
