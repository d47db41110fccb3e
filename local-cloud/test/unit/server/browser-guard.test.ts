/**
 * M4 of issue 17: what a web page can make a browser send is refused on both servers, with a 403
 * that says why: a presigned URL posted cross-site as a "simple" request (`text/plain`, no
 * preflight), and a request a DNS-rebinding page signs for its own host name.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpApiDefinition } from '../../../core/types';
import { type RunningHttpApi, startHttpApi } from '../../../http-api/http-api-server';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { signRequest } from '../../../sigv4/sign-request';
import { testFunction } from '../../support/function-definition';
import { api, iamRoute } from '../../support/http-api-definition';
import { createInProcessInvoker } from '../../support/http-api-in-process-invoker';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const region = 'us-east-1';
const code = mkdtempSync(path.join(os.tmpdir(), 'browser-guard-'));
writeFileSync(path.join(code, 'index.js'), 'exports.handler = async () => ({});\n');

const testApi: HttpApiDefinition = api([iamRoute('POST /secret', 'echo', 5000)]);

let httpApi: RunningHttpApi;
let invokeApi: InvokeApi;

beforeAll(async () => {
  httpApi = await startHttpApi({
    api: testApi,
    invoker: createInProcessInvoker({ echo: async () => 'secret' }),
    credentials,
    region,
    port: 0,
  });
  invokeApi = await startInvokeApi({
    functions: [testFunction('Test-Secret', code, { environment: { SECRET_API_KEY: 'sk-123' } })],
    port: 0,
    callerCredentials: credentials,
    logSink: () => undefined,
  });
});

afterAll(async () => {
  await httpApi.close();
  await invokeApi.close();
  rmSync(code, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A request sent as given, `Host` included (fetch would not let a test set it). */
function send(url: string, method: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A presigned URL, as a page would embed it. */
async function presign(url: string, method: string, service: string, body: string): Promise<string> {
  const target = new URL(url);
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const signed = await signer.presign(
    {
      method,
      protocol: 'http:',
      hostname: target.hostname,
      port: Number(target.port),
      path: target.pathname,
      query: {},
      headers: { host: target.host },
      body,
    },
    { expiresIn: 300 },
  );
  const query = new URLSearchParams(signed.query as Record<string, string>).toString();
  return `${url}?${query}`;
}

/** The headers a browser adds to a page's cross-site form POST. */
const CROSS_SITE = { 'content-type': 'text/plain', origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' };

describe('requests a web page makes', () => {
  it('HTTP API: a presigned URL posted cross-site to an IAM route is refused with 403 and the reason', async () => {
    const url = await presign(`${httpApi.url}/secret`, 'POST', 'execute-api', 'x');
    const answer = await send(url, 'POST', CROSS_SITE, 'x');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).message).toMatch(/Forbidden: Sec-Fetch-Site: cross-site/);
  });

  it('HTTP API: an Origin of another site is refused even without Sec-Fetch-Site', async () => {
    const url = await presign(`${httpApi.url}/secret`, 'POST', 'execute-api', 'x');
    const answer = await send(url, 'POST', { 'content-type': 'text/plain', origin: 'http://localhost:5173' }, 'x');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).message).toMatch(/Origin 'http:\/\/localhost:5173' is another site/);
  });

  it('HTTP API: the same presigned URL from a client that is not a browser, by address or by localhost, is served', async () => {
    const url = await presign(`${httpApi.url}/secret`, 'POST', 'execute-api', 'x');
    expect((await send(url, 'POST', {}, 'x')).status).toBe(200);
    const viaLocalhost = await presign(`${httpApi.url.replace('127.0.0.1', 'localhost')}/secret`, 'POST', 'execute-api', 'x');
    expect((await send(viaLocalhost, 'POST', {}, 'x')).status).toBe(200);
  });

  it('Invoke API: a presigned Invoke posted cross-site is refused', async () => {
    const url = await presign(`${invokeApi.url}/2015-03-31/functions/Test-Secret/invocations`, 'POST', 'lambda', '{}');
    const answer = await send(url, 'POST', CROSS_SITE, '{}');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).message).toMatch(/^Forbidden: /);
  });

  it('Invoke API: a DNS-rebinding page’s signed ListFunctions and GetFunction (its Host its own name) are refused', async () => {
    const rebound = invokeApi.url.replace('127.0.0.1', 'rebind.attacker.example');
    for (const target of ['/2015-03-31/functions/', '/2015-03-31/functions/Test-Secret']) {
      const signed = await signRequest(`${rebound}${target}`, { method: 'GET' }, { region, credentials, service: 'lambda' });
      const answer = await send(`${invokeApi.url}${target}`, 'GET', { ...signed.headers, host: new URL(rebound).host });
      expect(answer.status).toBe(403);
      expect(answer.body).toContain("Host 'rebind.attacker.example:");
      expect(answer.body).not.toContain('sk-123');
    }
  });

  it('Invoke API: the same signed ListFunctions for its own address is served', async () => {
    const signed = await signRequest(
      `${invokeApi.url}/2015-03-31/functions/`,
      { method: 'GET' },
      { region, credentials, service: 'lambda' },
    );
    const answer = await send(`${invokeApi.url}/2015-03-31/functions/`, 'GET', { ...signed.headers, host: new URL(invokeApi.url).host });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Test-Secret');
  });
});
