import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RouteDefinition } from '../../../core/types';
import { type RunningHttpApi, startHttpApi } from '../../../http-api/http-api-server';
import { signedFetch, signRequest } from '../../../sigv4/sign-request';
import { createSigV4Verifier } from '../../../sigv4/verifier';
import { jsonObject, sendRequest } from '../../support/http-api-client';
import { createInProcessInvoker } from '../../support/http-api-in-process-invoker';

const runFile = promisify(execFile);
const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';

function iamRoute(routeKey: string): RouteDefinition {
  return {
    routeKey,
    authorizationType: 'AWS_IAM',
    integration: { functionName: 'echo', payloadFormatVersion: '2.0', timeoutMs: 30_000 },
  };
}

let server: RunningHttpApi;
const invoker = createInProcessInvoker({ echo: async (event) => event });
/** Events the function had received when the test began: a refused request adds none. */
let eventsBefore = 0;
const eventsReceived = () => invoker.events.get('echo')?.length ?? 0;

beforeAll(async () => {
  server = await startHttpApi({
    api: {
      logicalId: 'HttpApi',
      stackName: 'TestStack',
      name: 'TestStack-HttpApi',
      apiId: 'abcde12345',
      routes: [iamRoute('POST /square'), iamRoute('GET /items/{id}')],
      stageName: '$default',
    },
    invoker,
    credentials,
    region,
    accountId: '111122223333',
  });
});

afterAll(async () => {
  await server.close();
});

/** The 403 API Gateway answers, its message, and nothing reached the function. */
async function expectDenied(response: Response, errorType: string): Promise<string> {
  expect(response.status).toBe(403);
  expect(eventsReceived()).toBe(eventsBefore);
  expect(response.headers.get('x-amzn-errortype')).toBe(errorType);
  const body = jsonObject(await response.text());
  expect(typeof body.message).toBe('string');
  return String(body.message);
}

describe('requests signed with the SDK signer', () => {
  it('reach the function, with the caller in requestContext.authorizer.iam', async () => {
    const response = await signedFetch(
      `${server.url}/square`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"numbers":[1,2,3]}' },
      { region, credentials },
    );
    expect(response.status).toBe(200);
    const event = jsonObject(await response.text());
    expect(event.body).toBe('{"numbers":[1,2,3]}');
    expect(event.requestContext).toMatchObject({
      authorizer: {
        iam: {
          accessKey: 'AKIDEXAMPLE',
          accountId: '111122223333',
          callerId: expect.stringMatching(/^AIDA[0-9A-F]{17}$/),
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: 'arn:aws:iam::111122223333:user/local-cloud',
          userId: expect.stringMatching(/^AIDA[0-9A-F]{17}$/),
        },
      },
    });
  });

  it('verify with a query string, encoded characters and a path variable', async () => {
    const response = await signedFetch(`${server.url}/items/a%20b?z=1&a=x+y&a=%2F&empty=`, {}, { region, credentials });
    expect(response.status).toBe(200);
    const event = jsonObject(await response.text());
    expect(event.pathParameters).toEqual({ id: 'a b' });
  });

  it('verify as a presigned URL (query-string form)', async () => {
    const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
    const url = new URL(`${server.url}/items/7`);
    const presigned = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: {},
        headers: { host: url.host },
      },
      { expiresIn: 60 },
    );
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(presigned.query ?? {})) {
      if (typeof value === 'string') query.append(name, value);
    }
    const response = await fetch(`${url.toString()}?${query.toString()}`);
    expect(response.status).toBe(200);
  });
});

describe('requests signed by curl --aws-sigv4', () => {
  async function curl(args: string[]): Promise<{ status: number; body: string }> {
    const { stdout } = await runFile('curl', ['-sS', '-w', '\n%{http_code}', ...args], { timeout: 10_000 });
    const newline = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(newline + 1)), body: stdout.slice(0, newline) };
  }

  it('verify a POST with a body', async () => {
    const result = await curl([
      '--aws-sigv4',
      `aws:amz:${region}:execute-api`,
      '--user',
      `${credentials.accessKeyId}:${credentials.secretAccessKey}`,
      '-H',
      'content-type: application/json',
      '--data',
      '{"numbers":[4]}',
      `${server.url}/square`,
    ]);
    expect(result.status).toBe(200);
    expect(jsonObject(result.body).body).toBe('{"numbers":[4]}');
  });

  // Parameters in sorted order: curl 7.88 signs the query string as written rather than sorted, so
  // AWS (and this verifier) would refuse `?b=2&a=1` from that version; later curls sort it.
  it('verify a GET with a query string', async () => {
    const result = await curl([
      '--aws-sigv4',
      `aws:amz:${region}:execute-api`,
      '--user',
      `${credentials.accessKeyId}:${credentials.secretAccessKey}`,
      `${server.url}/items/9?a=1&b=2`,
    ]);
    expect(result.status).toBe(200);
    expect(jsonObject(result.body).queryStringParameters).toEqual({ a: '1', b: '2' });
  });

  it('are refused with the wrong secret', async () => {
    const result = await curl([
      '--aws-sigv4',
      `aws:amz:${region}:execute-api`,
      '--user',
      `${credentials.accessKeyId}:not-the-secret`,
      `${server.url}/items/9`,
    ]);
    expect(result.status).toBe(403);
    expect(String(jsonObject(result.body).message).startsWith(SIGNATURE_MISMATCH)).toBe(true);
  });
});

describe('requests API Gateway refuses with 403', () => {
  beforeEach(() => {
    eventsBefore = eventsReceived();
  });

  it('unsigned: {"message":"Forbidden"}', async () => {
    const response = await fetch(`${server.url}/square`, { method: 'POST', body: '{}' });
    expect(await expectDenied(response, 'ForbiddenException')).toBe('Forbidden');
  });

  it('signed with the wrong secret: the signature message with the canonical request', async () => {
    const response = await signedFetch(
      `${server.url}/square`,
      { method: 'POST', body: '{}' },
      {
        region,
        credentials: { ...credentials, secretAccessKey: 'wrong' },
      },
    );
    const message = await expectDenied(response, 'InvalidSignatureException');
    expect(message.startsWith(SIGNATURE_MISMATCH)).toBe(true);
    expect(message).toContain("The Canonical String for this request should have been\n'POST\n/square\n");
    expect(message).toContain("The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n");
  });

  it('signed with an unknown access key: the security token message', async () => {
    const response = await signedFetch(
      `${server.url}/square`,
      { method: 'POST', body: '{}' },
      {
        region,
        credentials: { ...credentials, accessKeyId: 'AKIDUNKNOWN' },
      },
    );
    expect(await expectDenied(response, 'UnrecognizedClientException')).toBe('The security token included in the request is invalid.');
  });

  it('signed more than 5 minutes ago: Signature expired', async () => {
    const response = await signedFetch(
      `${server.url}/square`,
      { method: 'POST', body: '{}' },
      {
        region,
        credentials,
        signingDate: new Date(Date.now() - 10 * 60_000),
      },
    );
    expect(await expectDenied(response, 'InvalidSignatureException')).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
  });

  it('signed more than 5 minutes ahead: Signature not yet current', async () => {
    const response = await signedFetch(
      `${server.url}/square`,
      { method: 'POST', body: '{}' },
      {
        region,
        credentials,
        signingDate: new Date(Date.now() + 10 * 60_000),
      },
    );
    expect(await expectDenied(response, 'InvalidSignatureException')).toMatch(
      /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/,
    );
  });

  it('with the body changed after signing, even though x-amz-content-sha256 was signed', async () => {
    const signed = await signRequest(
      `${server.url}/square`,
      { method: 'POST', body: '{"numbers":[2]}' },
      {
        region,
        credentials,
      },
    );
    expect(signed.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    const response = await fetch(signed.url, { method: 'POST', headers: signed.headers, body: '{"numbers":[3]}' });
    expect((await expectDenied(response, 'InvalidSignatureException')).startsWith(SIGNATURE_MISMATCH)).toBe(true);
  });

  it('scoped to another region', async () => {
    const response = await signedFetch(
      `${server.url}/square`,
      { method: 'POST', body: '{}' },
      {
        region: 'eu-west-1',
        credentials,
      },
    );
    expect(await expectDenied(response, 'InvalidSignatureException')).toBe(
      "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    );
  });

  it('with an Authorization header of another scheme: IncompleteSignatureException', async () => {
    const response = await fetch(`${server.url}/square`, { method: 'POST', headers: { authorization: 'Bearer abc' } });
    expect(await expectDenied(response, 'IncompleteSignatureException')).toBe(
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either " +
        "a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer abc",
    );
  });
});

describe('temporary credentials', () => {
  const temporary = { ...credentials, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' };
  const verifier = createSigV4Verifier({ credentials: temporary, region });

  async function signedInput(signingCredentials: typeof temporary | typeof credentials) {
    const signer = new SignatureV4({ service: 'execute-api', region, credentials: signingCredentials, sha256: Sha256 });
    const signed = await signer.sign({
      method: 'GET',
      protocol: 'http:',
      hostname: 'localhost',
      path: '/items/1',
      query: {},
      headers: { host: 'localhost' },
    });
    const rawHeaders = Object.entries(signed.headers).flat();
    return { method: 'GET', rawPath: '/items/1', rawQueryString: '', rawHeaders, body: Buffer.alloc(0) };
  }

  it('verify with the session token signed in x-amz-security-token', async () => {
    expect(await verifier.verify(await signedInput(temporary))).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
  });

  it('are refused without the session token', async () => {
    expect(await verifier.verify(await signedInput(credentials))).toEqual({
      ok: false,
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });
});

describe('routes without authorization', () => {
  it('ignore signatures entirely', async () => {
    const open = await startHttpApi({
      api: {
        logicalId: 'Open',
        stackName: 'TestStack',
        name: 'Open',
        apiId: 'open123456',
        stageName: '$default',
        routes: [
          {
            routeKey: 'GET /open',
            authorizationType: 'NONE',
            integration: { functionName: 'echo', payloadFormatVersion: '2.0', timeoutMs: 1_000 },
          },
        ],
      },
      invoker: createInProcessInvoker({ echo: async (event) => event }),
      credentials,
      region,
    });
    try {
      const response = await sendRequest(`${open.url}/open`, { headers: { authorization: 'Bearer whatever' } });
      expect(response.status).toBe(200);
      expect(jsonObject(response.text).requestContext).not.toHaveProperty('authorizer');
    } finally {
      await open.close();
    }
  });
});
