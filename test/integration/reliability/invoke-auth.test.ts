/**
 * The Lambda Invoke API authenticates as Lambda does: SigV4 with the stack's credentials (the
 * HTTP API's), or the per-stack keys its own functions get. Unsigned or wrongly signed requests get
 * Lambda's 403 shapes and run nothing; listening beyond loopback needs --allow-remote and
 * credentials of the user's own.
 */
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS, startLocalStack } from '@multi-square/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sendRequest } from '../../../local-cloud/test/support/http-api-client';
import { projectDirectory, type SquareApi, startedRequestIds, startSquareApi } from './support/local-square-api';

let api: SquareApi;
beforeAll(async () => {
  api = await startSquareApi(inject('cdkOut'));
});
afterAll(() => api.close());

const payload = new TextEncoder().encode('{"number": 3}');

function clientWith(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): LambdaClient {
  return new LambdaClient({ endpoint: api.stack.lambdaUrl, region: api.stack.region, credentials, maxAttempts: 1 });
}

async function squarerStarts(): Promise<number> {
  // Log lines are written once a turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return startedRequestIds(api.logs, api.squarer.name).length;
}

describe('Invoke API authentication', () => {
  it('signed with the stack credentials: the function runs', async () => {
    const client = clientWith(api.stack.credentials);
    const response = await client.send(new InvokeCommand({ FunctionName: api.squarer.name, Payload: payload }));
    expect(JSON.parse(new TextDecoder().decode(response.Payload))).toMatchObject({ number: 3, result: 9 });
    client.destroy();
  });

  it('unsigned: 403 MissingAuthenticationTokenException, and nothing runs', async () => {
    const before = await squarerStarts();
    const response = await sendRequest(`${api.stack.lambdaUrl}/2015-03-31/functions/${api.squarer.name}/invocations`, {
      method: 'POST',
      body: '{"number": 3}',
    });
    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(JSON.parse(response.text)).toEqual({ message: 'Missing Authentication Token' });
    expect(await squarerStarts()).toBe(before);
  });

  it('unsigned GetFunction: 403, no function environment disclosed', async () => {
    const response = await sendRequest(`${api.stack.lambdaUrl}/2015-03-31/functions/${api.coordinator.name}`);
    expect(response.status).toBe(403);
    expect(response.text).not.toContain('SQUARER_FUNCTION_NAME');
  });

  it('a wrong secret: InvalidSignatureException, as the SDK parses it', async () => {
    const before = await squarerStarts();
    const client = clientWith({ ...api.stack.credentials, secretAccessKey: 'not-the-secret' });
    await expect(client.send(new InvokeCommand({ FunctionName: api.squarer.name, Payload: payload }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    expect(await squarerStarts()).toBe(before);
    client.destroy();
  });

  it('an unknown key: UnrecognizedClientException', async () => {
    const client = clientWith({ accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'whatever' });
    await expect(client.send(new GetFunctionCommand({ FunctionName: api.squarer.name }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    client.destroy();
  });

  it('an Authorization header without its parts: IncompleteSignatureException', async () => {
    const response = await sendRequest(`${api.stack.lambdaUrl}/2015-03-31/functions/${api.squarer.name}/invocations`, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 nothing-here' },
      body: '{"number": 3}',
    });
    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('IncompleteSignatureException');
  });

  it('the fixed keys the functions had before are no longer accepted', async () => {
    const client = clientWith({
      accessKeyId: 'LOCALCLOUDACCESSKEY',
      secretAccessKey: 'local-cloud-secret-key',
      sessionToken: 'local-cloud-session-token',
    });
    await expect(client.send(new InvokeCommand({ FunctionName: api.squarer.name, Payload: payload }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    client.destroy();
  });
});

describe('--no-invoke-auth', () => {
  it('accepts unsigned requests on loopback', async () => {
    const stack = await startLocalStack({
      projectDirectory,
      cdkOut: inject('cdkOut'),
      httpPort: 0,
      lambdaPort: 0,
      logSink: () => undefined,
      writeStateFile: false,
      invokeAuthentication: 'none',
    });
    try {
      const squarer = stack.assembly.functions.find((f) => f.logicalId.startsWith('Squarer'));
      const response = await sendRequest(`${stack.lambdaUrl}/2015-03-31/functions/${squarer?.name ?? ''}/invocations`, {
        method: 'POST',
        body: '{"number": 4}',
      });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toMatchObject({ result: 16 });
    } finally {
      await stack.close();
    }
  });
});

describe('listening beyond loopback', () => {
  const start = (options: Parameters<typeof startLocalStack>[0]) =>
    startLocalStack({
      ...options,
      projectDirectory,
      cdkOut: inject('cdkOut'),
      httpPort: 0,
      lambdaPort: 0,
      logSink: () => undefined,
      writeStateFile: false,
    });

  it('needs --allow-remote', async () => {
    await expect(
      start({ projectDirectory, host: '0.0.0.0', credentials: { accessKeyId: 'AKIAMINE', secretAccessKey: 'my-own-secret' } }),
    ).rejects.toThrow(/--allow-remote/);
  });

  it('refuses the fixed local credentials the README prints', async () => {
    await expect(start({ projectDirectory, host: '0.0.0.0', allowRemote: true, credentials: LOCAL_CREDENTIALS })).rejects.toThrow(
      /refuses the fixed local credentials/,
    );
  });

  it('refuses --no-invoke-auth', async () => {
    await expect(
      start({
        projectDirectory,
        host: '0.0.0.0',
        allowRemote: true,
        invokeAuthentication: 'none',
        credentials: { accessKeyId: 'AKIAMINE', secretAccessKey: 'my-own-secret' },
      }),
    ).rejects.toThrow(/loopback only/);
  });

  it('serves with credentials of the user’s own, and still refuses unsigned invokes', async () => {
    const stack = await start({
      projectDirectory,
      host: '0.0.0.0',
      allowRemote: true,
      credentials: { accessKeyId: 'AKIAMINE', secretAccessKey: 'my-own-secret' },
    });
    try {
      const squarer = stack.assembly.functions.find((f) => f.logicalId.startsWith('Squarer'));
      const url = `http://127.0.0.1:${stack.invokeApi.port}/2015-03-31/functions/${squarer?.name ?? ''}/invocations`;
      const response = await sendRequest(url, { method: 'POST', body: '{"number": 4}' });
      expect(response.status).toBe(403);
    } finally {
      await stack.close();
    }
  });
});
