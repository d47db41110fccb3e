import { describe, expect, it } from 'vitest';
import { LAMBDA_RESPONSE_PAYLOAD_BYTES, MAX_NUMBERS_LIMIT } from '../../../functions/commons/response-limits';
import { MAX_INTEGER_DIGITS } from '../../../functions/commons/square';
import { formatLine, type SquareResponse } from '../../../functions/commons/square-response';

describe('response limits', () => {
  it("keeps the largest answer a request can get within Lambda's 6 MB response payload", async () => {
    // The worst case: every number a negative integer of the most digits allowed, all 9s.
    const number = `-${'9'.repeat(MAX_INTEGER_DIGITS)}`;
    const result = (BigInt(number) ** 2n).toString();
    const processName = '9a7f0e1d-3c2b-4a85-8e6d-1f2a3b4c5d6e';
    const item = { number, result, processName };
    const answer: SquareResponse = {
      results: Array.from({ length: MAX_NUMBERS_LIMIT }, () => item),
      lines: Array.from({ length: MAX_NUMBERS_LIMIT }, () => formatLine(item)),
      stats: {
        numbers: MAX_NUMBERS_LIMIT,
        succeeded: MAX_NUMBERS_LIMIT,
        failed: 0,
        invocations: 999_999,
        retries: 999_999,
        throttles: 999_999,
        peakConcurrency: 1000,
        durationMs: 27_999,
      },
    };
    // As API Gateway receives it from the handler: the structured result, body a JSON string.
    const payload = JSON.stringify({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) });
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(LAMBDA_RESPONSE_PAYLOAD_BYTES);
    // And the limit is not needlessly low: a tenth more numbers would not fit.
    expect(Buffer.byteLength(payload) * 1.1).toBeGreaterThan(LAMBDA_RESPONSE_PAYLOAD_BYTES);
  });
});
