/**
 * The real coordinator handler, with the real LambdaClient, pointed by AWS_ENDPOINT_URL_LAMBDA at
 * the local Lambda Invoke API, which runs the real bundled squarer in its own processes.
 */

import { formatLogRecord, type InvokeApi, loadCloudAssembly, type StartInvokeApiOptions, startInvokeApi } from '@multi-square/local-cloud';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import type { SquareResponse } from '../../../functions/commons/square-response';
import { lambdaContext, squareRequestEvent } from '../../support/lambda-context';

const assembly = loadCloudAssembly(inject('cdkOut'));
const squarer = assembly.functions.find((f) => f.logicalId.startsWith('Squarer'));
if (squarer === undefined) throw new Error('no squarer in the assembly');

interface Harness {
  readonly handler: typeof import('../../../functions/coordinator').handler;
  readonly api: InvokeApi;
  readonly logs: string[];
}

let running: InvokeApi | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  vi.unstubAllEnvs();
});

/** Starts a local Invoke API with the squarer and loads a fresh coordinator module configured for it. */
async function harness(service: Omit<StartInvokeApiOptions, 'functions'> = {}, env: Record<string, string> = {}): Promise<Harness> {
  const logs: string[] = [];
  const api = await startInvokeApi({
    functions: [squarer as NonNullable<typeof squarer>],
    logSink: (record) => logs.push(formatLogRecord(record)),
    // The coordinator runs in this process and signs with the AWS_ACCESS_KEY_ID below.
    callerCredentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    ...service,
  });
  running = api;
  const variables: Record<string, string> = {
    AWS_ENDPOINT_URL_LAMBDA: api.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    SQUARER_FUNCTION_NAME: squarer?.name ?? '',
    // As the stack sets them (lib/config.ts's defaults).
    MAX_NUMBERS: '1000',
    MAX_CONCURRENCY: '100',
    DEADLINE_MARGIN_MS: '1000',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // The metric lines are checked end to end in test/integration/observability/metrics.test.ts; here they would
    // only fill the test output.
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...env,
  };
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
  // Configuration is read at module load, once per execution environment: load it afresh.
  vi.resetModules();
  const { handler } = await import('../../../functions/coordinator');
  return { handler, api, logs };
}

async function call(h: Harness, body: string, headers?: Record<string, string>, remainingMs?: number) {
  const response = (await h.handler(
    squareRequestEvent(body, headers),
    lambdaContext('coordinator-request', remainingMs),
  )) as APIGatewayProxyStructuredResultV2;
  return { statusCode: response.statusCode, body: JSON.parse(String(response.body)) };
}

const squaresOf = (numbers: readonly bigint[]) =>
  numbers.map((n) => {
    const square = n * n;
    return square <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(square) : square.toString();
  });

describe('coordinator', () => {
  it('fails its initialisation, naming the variable, when the stack did not configure it', async () => {
    await expect(harness({}, { MAX_CONCURRENCY: '' })).rejects.toThrow('environment variable MAX_CONCURRENCY is required');
    await expect(harness({}, { MAX_NUMBERS: 'many' })).rejects.toThrow(
      'environment variable MAX_NUMBERS must be an integer of at least 1, got "many"',
    );
  });

  it('squares every number in its own squarer invocation, results in input order', async () => {
    const h = await harness();
    const body = '{"numbers": [2, 3, 4, 5, 6, -7, "12", 123456789012345678901234567890, 2.5]}';
    const { statusCode, body: answer } = await call(h, body);
    expect(statusCode).toBe(200);
    const response = answer as SquareResponse;
    expect(response.results.map((r) => ('result' in r ? r.result : null))).toEqual([
      ...squaresOf([2n, 3n, 4n, 5n, 6n, -7n, 12n, 123456789012345678901234567890n]),
      6.25,
    ]);
    expect(response.results.map((r) => r.number)).toEqual([2, 3, 4, 5, 6, -7, 12, '123456789012345678901234567890', 2.5]);
    expect(response.stats).toMatchObject({ numbers: 9, succeeded: 9, failed: 0, invocations: 9, retries: 0 });

    // Each process name is the request ID of a distinct squarer invocation, as its START line shows.
    const processNames = response.results.map((r) => ('processName' in r ? r.processName : ''));
    expect(new Set(processNames).size).toBe(9);
    const started = h.logs.filter((line) => line.includes('START RequestId:')).map((line) => /RequestId: (\S+)/.exec(line)?.[1]);
    expect(new Set(started)).toEqual(new Set(processNames));

    // The tutorial's lines, one per number, in the order the invocations completed.
    expect(response.lines).toHaveLength(9);
    expect(response.lines).toContain(`3 squared to 9 by: ${processNames[1]}`);
    expect(response.lines).toContain(
      `123456789012345678901234567890 squared to 15241578753238836750495351562536198787501905199875019052100 by: ${processNames[7]}`,
    );
    const ended = h.logs.filter((line) => line.includes('END RequestId:')).map((line) => /RequestId: (\S+)/.exec(line)?.[1]);
    expect(response.lines.map((line: string) => line.split('by: ')[1])).toEqual(ended);
  });

  it('answers an empty list with 200 and no results', async () => {
    const h = await harness();
    const { statusCode, body } = await call(h, '{"numbers": []}');
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({ results: [], lines: [], stats: { numbers: 0, invocations: 0 } });
  });

  it('retries crashed environments and still answers every number', async () => {
    const h = await harness({ faultInjection: { faults: { crash: 0.3 }, seed: 7 } });
    const numbers = Array.from({ length: 20 }, (_, i) => i + 2);
    const { statusCode, body } = await call(h, JSON.stringify({ numbers }));
    expect(statusCode).toBe(200);
    expect(body.results.map((r: { result: number }) => r.result)).toEqual(numbers.map((n) => n * n));
    expect(body.stats.retries).toBeGreaterThan(0);
    expect(body.stats.invocations).toBe(20 + body.stats.retries);
    expect(h.logs.some((line) => line.includes('Runtime.ExitError'))).toBe(true);
  });

  it('answers 502 with every item in place when squarers keep failing', async () => {
    const h = await harness({ faultInjection: { faults: { crash: 1 } } });
    const { statusCode, body } = await call(h, '{"numbers": [2, 3]}');
    expect(statusCode).toBe(502);
    expect(body.results).toEqual([
      { number: 2, error: { type: 'Runtime.ExitError', message: expect.any(String) } },
      { number: 3, error: { type: 'Runtime.ExitError', message: expect.any(String) } },
    ]);
    expect(body.lines).toEqual([]);
    expect(body.stats).toMatchObject({ failed: 2, invocations: 12, retries: 10 });
  });

  it('adapts to a concurrency limit: throttled invocations are retried until all succeed', async () => {
    const h = await harness({ concurrencyLimit: 3, faultInjection: { latencyMs: 20 } }, { MAX_CONCURRENCY: '30' });
    const numbers = Array.from({ length: 40 }, (_, i) => i);
    const { statusCode, body } = await call(h, JSON.stringify({ numbers }));
    expect(statusCode).toBe(200);
    expect(body.results.map((r: { result: number }) => r.result)).toEqual(numbers.map((n) => n * n));
    expect(body.stats.throttles).toBeGreaterThan(0);
  });

  it('answers before its deadline, marking what did not finish DeadlineExceeded', async () => {
    const h = await harness(
      { faultInjection: { faults: { timeout: 0.5 }, seed: 3 }, functionOverrides: { [squarer?.name ?? '']: { timeoutSeconds: 30 } } },
      { DEADLINE_MARGIN_MS: '500' },
    );
    const startedAt = Date.now();
    const { statusCode, body } = await call(h, JSON.stringify({ numbers: [1, 2, 3, 4, 5, 6, 7, 8] }), undefined, 1500);
    expect(Date.now() - startedAt).toBeLessThan(1500);
    expect(statusCode).toBe(502);
    const failed = body.results.filter((r: { error?: unknown }) => r.error !== undefined);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r: { error: { type: string } }) => r.error.type === 'DeadlineExceeded')).toBe(true);
    for (const [index, item] of body.results.entries()) {
      expect(item.number).toBe(index + 1);
      if (item.error === undefined) expect(item.result).toBe((index + 1) ** 2);
    }
  });

  it.each([
    ['not json', 400, 'InvalidJson'],
    ['{"numbers": "2,3"}', 400, 'InvalidRequest'],
    ['{"numbers": [1, 1e400]}', 400, 'InvalidRequest'],
    ['{"numbers": [1e200]}', 400, 'InvalidRequest'],
  ])('refuses %s with %i %s, invoking nothing', async (body, status, code) => {
    const h = await harness();
    const response = await call(h, body);
    expect(response.statusCode).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(h.logs.filter((line) => line.includes('START RequestId'))).toEqual([]);
  });

  it('refuses more numbers than MAX_NUMBERS and bodies that are not JSON by content type', async () => {
    const h = await harness({}, { MAX_NUMBERS: '3' });
    const tooMany = await call(h, '{"numbers": [1, 2, 3, 4]}');
    expect(tooMany).toMatchObject({ statusCode: 400, body: { error: { details: [{ path: 'numbers', message: 'at most 3 items' }] } } });
    const form = await call(h, 'numbers=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form).toMatchObject({ statusCode: 415, body: { error: { code: 'UnsupportedMediaType' } } });
  });
});
