/**
 * Low of issue 17: requests an IAM route could never serve (unsigned, or signed for another scope)
 * are refused before they take a token of the stage's throttle, so they cannot throttle the
 * signed requests of the stack's own user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpApiDefinition } from '../../../core/types';
import { type RunningHttpApi, startHttpApi } from '../../../http-api/http-api-server';
import { signedFetch } from '../../../sigv4/sign-request';
import { api, iamRoute } from '../../support/http-api-definition';
import { createInProcessInvoker } from '../../support/http-api-in-process-invoker';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const region = 'us-east-1';

const testApi: HttpApiDefinition = api([iamRoute('POST /secret', 'echo', 5000)], {
  // One token, refilled at one a second: any request that takes it throttles the next.
  throttling: { rateLimit: 0.001, burstLimit: 1 },
});

let server: RunningHttpApi;
beforeAll(async () => {
  server = await startHttpApi({ api: testApi, invoker: createInProcessInvoker({ echo: async () => 'ok' }), credentials, region, port: 0 });
});
afterAll(() => server.close());

describe('the stage throttle of an IAM route', () => {
  it('is not spent by unsigned requests nor by requests signed for another region', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await fetch(`${server.url}/secret`, { method: 'POST', body: 'x' })).status).toBe(403);
      const elsewhere = await signedFetch(`${server.url}/secret`, { method: 'POST', body: 'x' }, { region: 'eu-west-1', credentials });
      expect(elsewhere.status).toBe(403);
    }
    const own = await signedFetch(`${server.url}/secret`, { method: 'POST', body: 'x' }, { region, credentials });
    expect(own.status).toBe(200);
  });
});
