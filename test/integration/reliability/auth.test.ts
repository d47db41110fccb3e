/**
 * The route is IAM-authorized: the local HTTP API checks SigV4 as API Gateway does and answers 403
 * with API Gateway's messages. A refused request never reaches the coordinator.
 */

import { signRequest } from '@multi-square/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sendRequest } from '../../../local-cloud/test/support/http-api-client';
import { parseSquareResponse, type SquareApi, startedRequestIds, startSquareApi } from './support/local-square-api';

let api: SquareApi;
let url: string;
beforeAll(async () => {
  api = await startSquareApi(inject('cdkOut'));
  url = `${api.stack.httpApiUrl}/square`;
});
afterAll(() => api.close());

const body = '{"numbers": [2, 3]}';
const contentType = { 'content-type': 'application/json' };

/** A request that passes only when signed with the stack's own key. */
async function expectRefused(send: () => Promise<{ status: number; text: string }>, message: string | RegExp): Promise<void> {
  const coordinatorStarts = startedRequestIds(api.logs, api.coordinator.name).length;
  const response = await send();
  expect(response.status).toBe(403);
  const answer = JSON.parse(response.text) as { message: string };
  if (typeof message === 'string') expect(answer.message).toBe(message);
  else expect(answer.message).toMatch(message);
  expect(startedRequestIds(api.logs, api.coordinator.name)).toHaveLength(coordinatorStarts);
}

describe('auth', () => {
  it('unsigned: 403 Forbidden', async () => {
    await expectRefused(() => sendRequest(url, { method: 'POST', headers: contentType, body }), 'Forbidden');
  });

  it('signed with a wrong secret: 403, the signature does not match', async () => {
    await expectRefused(
      () => api.post(body, { signing: { credentials: { ...api.stack.credentials, secretAccessKey: 'not-the-secret' } } }),
      /^The request signature we calculated does not match the signature you provided\./,
    );
  });

  it('signed with an unknown access key: 403, the security token is invalid', async () => {
    await expectRefused(
      () => api.post(body, { signing: { credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'whatever' } } }),
      'The security token included in the request is invalid.',
    );
  });

  it('signed 20 minutes ago: 403, the signature expired', async () => {
    await expectRefused(
      () => api.post(body, { signing: { signingDate: new Date(Date.now() - 20 * 60_000) } }),
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
  });

  it('body changed after signing: 403, the signature does not match', async () => {
    const signed = await signRequest(
      url,
      { method: 'POST', headers: contentType, body },
      { region: api.stack.region, credentials: api.stack.credentials },
    );
    const tampered = body.replace('3', '4');
    expect(tampered).not.toBe(body);
    await expectRefused(
      () => sendRequest(signed.url, { method: 'POST', headers: signed.headers, body: tampered }),
      /^The request signature we calculated does not match the signature you provided\./,
    );
  });

  it('signed correctly: 200 with the squares', async () => {
    const response = await api.post(body);
    expect(response.status).toBe(200);
    expect(parseSquareResponse(response).results.map((item) => ('result' in item ? item.result : item.error))).toEqual([4, 9]);
  });
});
