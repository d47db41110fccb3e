/** The HTTP API's stage settings and what it refuses at startup. */
import { describe, expect, it } from 'vitest';
import type { RouteDefinition } from '../../../core/types';
import { startHttpApi } from '../../../http-api/http-api-server';
import { sendRequest } from '../../support/http-api-client';
import { api, route } from '../../support/http-api-definition';
import { createInProcessInvoker } from '../../support/http-api-in-process-invoker';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const invoker = createInProcessInvoker({ text: async () => 'Hello from Lambda!', echo: async (event: unknown) => event });

describe('stage throttling', () => {
  it('answers 429 {"message":"Too Many Requests"} once the burst is spent', async () => {
    const throttledApi = await startHttpApi({
      api: api([route('GET /t', 'text')], { throttling: { rateLimit: 1, burstLimit: 2 } }),
      invoker,
      credentials,
      region: 'us-east-1',
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await sendRequest(`${throttledApi.url}/t`)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const response = await sendRequest(`${throttledApi.url}/t`);
      expect(response.text).toBe('{"message":"Too Many Requests"}');
    } finally {
      await throttledApi.close();
    }
  });
});

describe('startup', () => {
  it('refuses payload format 1.0 clearly', async () => {
    const v1: RouteDefinition = {
      routeKey: 'GET /v1',
      authorizationType: 'NONE',
      integration: { functionName: 'echo', payloadFormatVersion: '1.0', timeoutMs: 30_000 },
    };
    await expect(startHttpApi({ api: api([v1]), invoker, credentials, region: 'us-east-1' })).rejects.toThrow(
      /route "GET \/v1" uses payload format 1\.0; the local HTTP API supports only 2\.0/,
    );
  });
});
