/**
 * A squarer that answers with the right shape but a wrong value (planted or broken code) never
 * yields a 200: the coordinator checks each result is exactly the square it sent, and a wrong one
 * is a failed item in a 502 that still accounts for every number.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type InvokeApi, startInvokeApi } from '@multi-square/local-cloud';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testFunction } from '../../../local-cloud/test/support/function-definition';
import { lambdaContext, squareRequestEvent } from '../../support/lambda-context';

const codeDirectory = mkdtempSync(path.join(os.tmpdir(), 'lying-squarer-'));
const credentials = { accessKeyId: 'AKIDWRONGSQUARES', secretAccessKey: 'wrong-squares-secret' };

/** Right for 2 and for doubles; off by one for 3; a big integer comes back unsquared. */
const LYING_SQUARER = `exports.handler = async (event, context) => {
  const n = event.number;
  const result = typeof n === 'string' ? n : n === 3 ? 10 : n * n;
  return { number: n, result, processName: context.awsRequestId };
};
`;

const squarer = testFunction('Test-LyingSquarer', codeDirectory, {
  logicalId: 'LyingSquarer',
  architecture: 'arm64',
  memorySizeMb: 128,
  timeoutSeconds: 5,
});

let api: InvokeApi;
let handler: typeof import('../../../functions/coordinator').handler;
beforeAll(async () => {
  writeFileSync(path.join(codeDirectory, 'index.js'), LYING_SQUARER);
  api = await startInvokeApi({ functions: [squarer], logSink: () => undefined, callerCredentials: credentials });
  for (const [name, value] of Object.entries({
    AWS_ENDPOINT_URL_LAMBDA: api.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    SQUARER_FUNCTION_NAME: squarer.name,
    MAX_NUMBERS: '1000',
    MAX_CONCURRENCY: '100',
    DEADLINE_MARGIN_MS: '1000',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // Its metric lines are tested in test/integration/observability/metrics.test.ts.
    POWERTOOLS_METRICS_DISABLED: 'true',
  }))
    vi.stubEnv(name, value);
  vi.resetModules();
  ({ handler } = await import('../../../functions/coordinator'));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await api?.close();
  rmSync(codeDirectory, { recursive: true, force: true });
});

describe('wrong squares', () => {
  it('marks each wrong result as a failed item: a 502 that accounts for every number, never a 200', async () => {
    const body = '{"numbers": [2, 3, "123456789012345678901", 2.5]}';
    const response = (await handler(squareRequestEvent(body), lambdaContext('wrong-squares'))) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(502);
    const answer = JSON.parse(String(response.body)) as {
      results: { number: unknown; result?: unknown; error?: { type: string; message: string } }[];
      stats: { succeeded: number; failed: number };
    };
    expect(answer.results.map((item) => item.number)).toEqual([2, 3, '123456789012345678901', 2.5]);
    expect(answer.results[0]).toMatchObject({ result: 4 });
    expect(answer.results[3]).toMatchObject({ result: 6.25 });
    for (const index of [1, 2]) {
      expect(answer.results[index]?.result).toBeUndefined();
      expect(answer.results[index]?.error?.type).toBe('InvalidSquarerResponse');
      expect(answer.results[index]?.error?.message).toMatch(/which is not its square/);
    }
    expect(answer.stats).toMatchObject({ succeeded: 2, failed: 2 });
  });
});
