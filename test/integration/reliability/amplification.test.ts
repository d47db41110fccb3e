/**
 * One request cannot make the stack do much more work than it carries: a request over maxNumbers
 * starts no squarer at all, and a body far larger than any valid one is refused before parsing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CoordinatorEnv } from '../../../functions/commons/config';
import { type SquareApi, startedRequestIds, startSquareApi } from './support/local-square-api';

let api: SquareApi;
/** As the stack configures the coordinator. */
let maxNumbers: number;
beforeAll(async () => {
  api = await startSquareApi(inject('cdkOut'));
  maxNumbers = Number(api.coordinator.environment[CoordinatorEnv.maxNumbers]);
  expect(maxNumbers).toBeGreaterThan(0);
});
afterAll(() => api.close());

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details: readonly unknown[] };
}

describe('amplification', () => {
  it('maxNumbers + 1 numbers: 400, and not one squarer invocation', async () => {
    const numbers = Array.from({ length: maxNumbers + 1 }, (_, i) => i);

    const response = await api.post(JSON.stringify({ numbers }));

    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      error: {
        code: 'InvalidRequest',
        message: `"numbers" has ${numbers.length} items; at most ${maxNumbers} are accepted`,
        details: [{ path: 'numbers', message: `at most ${maxNumbers} items` }],
      },
    });
    expect(startedRequestIds(api.logs, api.coordinator.name)).toHaveLength(1);
    expect(startedRequestIds(api.logs, api.squarer.name)).toEqual([]);
  });

  it('a 5 MB body: 413 from the coordinator, unparsed, and not one squarer invocation', async () => {
    const body = `{"numbers": [${'1,'.repeat(2_500_000)}1]}`;
    expect(body.length).toBeGreaterThan(5_000_000);

    const response = await api.post(body);

    expect(response.status).toBe(413);
    const answer = JSON.parse(response.text) as ErrorBody;
    expect(answer.error).toMatchObject({ code: 'PayloadTooLarge', details: [] });
    expect(answer.error.message).toMatch(/^the body is \d+ bytes; at most \d+ are accepted$/);
    expect(startedRequestIds(api.logs, api.squarer.name)).toEqual([]);
  });
});
