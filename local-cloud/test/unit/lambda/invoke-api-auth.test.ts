/**
 * The Lambda Invoke API authenticates as Lambda does: SigV4 with the caller's credentials (the
 * stack's, those the HTTP API accepts) or the keys of each stack's own functions, random for each.
 * Unsigned or wrongly signed requests get Lambda's 403 shapes, as the real SDK parses them, and run
 * nothing. The functions run on the in-process fake environments; that a running stack accepts its
 * own credentials is shown end to end in test/integration/reliability/invoke-auth.test.ts.
 */
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { callerCredentials, type FakeInvokeApi, useFakeInvokeApi } from '../../support/fake-invoke-api';
import { testFunction } from '../../support/function-definition';
import { sendRequest } from '../../support/http-api-client';

const squarer = testFunction('Test-Squarer', '/nowhere', { environment: { SECRET_VARIABLE: 'sk-123' } });
const payload = new TextEncoder().encode('{"number": 3}');
const invokeApis = useFakeInvokeApi();

const clients: LambdaClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

function clientWith(api: FakeInvokeApi, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const client = new LambdaClient({ endpoint: api.api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

/** Nothing ran: no environment was made and no invocation started. */
function expectNothingRan(api: FakeInvokeApi): void {
  expect(api.fakes.created).toHaveLength(0);
  expect(api.logs.filter((line) => line.includes('START RequestId'))).toEqual([]);
}

const invocationsUrl = (api: FakeInvokeApi) => `${api.api.url}/2015-03-31/functions/${squarer.name}/invocations`;

describe('Invoke API authentication', () => {
  it('unsigned: 403 MissingAuthenticationTokenException, and nothing runs', async () => {
    const api = await invokeApis.start([squarer]);

    const response = await sendRequest(invocationsUrl(api), { method: 'POST', body: '{"number": 3}' });

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(JSON.parse(response.text)).toEqual({ message: 'Missing Authentication Token' });
    expectNothingRan(api);
  });

  it('unsigned GetFunction: 403, no function environment disclosed', async () => {
    const api = await invokeApis.start([squarer]);

    const response = await sendRequest(`${api.api.url}/2015-03-31/functions/${squarer.name}`);

    expect(response.status).toBe(403);
    expect(response.text).not.toContain('SECRET_VARIABLE');
  });

  it('a wrong secret: InvalidSignatureException, as the SDK parses it, and nothing runs', async () => {
    const api = await invokeApis.start([squarer]);
    const client = clientWith(api, { ...callerCredentials, secretAccessKey: 'not-the-secret' });

    await expect(client.send(new InvokeCommand({ FunctionName: squarer.name, Payload: payload }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    expectNothingRan(api);
  });

  it('an unknown key: UnrecognizedClientException', async () => {
    const api = await invokeApis.start([squarer]);
    const client = clientWith(api, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'whatever' });

    await expect(client.send(new GetFunctionCommand({ FunctionName: squarer.name }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('an Authorization header without its parts: IncompleteSignatureException', async () => {
    const api = await invokeApis.start([squarer]);

    const response = await sendRequest(invocationsUrl(api), {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 nothing-here' },
      body: '{"number": 3}',
    });

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('IncompleteSignatureException');
    expectNothingRan(api);
  });

  it('the fixed keys the functions had before are no longer accepted', async () => {
    const api = await invokeApis.start([squarer]);
    const client = clientWith(api, {
      accessKeyId: 'LOCALCLOUDACCESSKEY',
      secretAccessKey: 'local-cloud-secret-key',
      sessionToken: 'local-cloud-session-token',
    });

    await expect(client.send(new InvokeCommand({ FunctionName: squarer.name, Payload: payload }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    expectNothingRan(api);
  });
});
