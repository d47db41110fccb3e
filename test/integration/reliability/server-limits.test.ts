/**
 * Both local servers keep their limits against slow, idle and greedy clients: a stalled upload is
 * cut on both ports while a long invocation is not; a connection cap closes idle connections to
 * make room; and the bytes buffered across requests are capped. Limits are set small here; their
 * defaults are in the README. That the HTTP API refuses an unroutable or unsigned upload before
 * reading it is a unit test: local-cloud/test/unit/server/refusal-before-body.test.ts.
 */
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { signRequest } from '@multi-square/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type SquareApi, startSquareApi } from './support/local-square-api';

type UploadOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly text: string; readonly afterMs: number }
  | { readonly kind: 'cut'; readonly afterMs: number };

/** Sends the headers and `sent` of a body, then waits without sending the rest. */
function partialUpload(
  url: string,
  headers: OutgoingHttpHeaders,
  sent: Buffer,
  giveUpMs = 5000,
): { outcome: Promise<UploadOutcome | 'still-open'>; abort: () => void } {
  const startedAt = performance.now();
  const outgoing = httpRequest(url, { method: 'POST', headers, agent: false });
  const outcome = new Promise<UploadOutcome | 'still-open'>((resolve) => {
    const timer = setTimeout(() => resolve('still-open'), giveUpMs);
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          kind: 'answered',
          status: response.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          afterMs: performance.now() - startedAt,
        });
      });
    });
    outgoing.on('error', () => {
      clearTimeout(timer);
      resolve({ kind: 'cut', afterMs: performance.now() - startedAt });
    });
  });
  outgoing.flushHeaders();
  if (sent.length > 0) outgoing.write(sent);
  return { outcome, abort: () => outgoing.destroy() };
}

async function signedHeaders(api: SquareApi, url: string, body: Buffer, service?: string): Promise<Record<string, string>> {
  const signed = await signRequest(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body },
    {
      region: api.stack.region,
      credentials: api.stack.credentials,
      ...(service === undefined ? {} : { service }),
    },
  );
  return { ...signed.headers, 'content-length': String(body.length) };
}

/** `{"numbers":[2]}` padded with spaces to `size` bytes: valid, so only a limit can refuse it. */
function paddedBody(size: number): Buffer {
  const body = Buffer.alloc(size, ' ');
  body.write('{"numbers":[2]}');
  return body;
}

describe('timeouts', () => {
  let api: SquareApi;
  beforeAll(async () => {
    api = await startSquareApi(inject('cdkOut'), ({ squarer }) => ({
      httpApiLimits: { bodyIdleTimeoutMs: 500, headersTimeoutMs: 1000 },
      invokeApiLimits: { bodyIdleTimeoutMs: 500, headersTimeoutMs: 1000 },
      lambda: {
        functionOverrides: { [squarer.name]: { latencyMs: 1500 } },
      },
    }));
  });
  afterAll(() => api.close());

  it('cuts a stalled upload to the HTTP API', async () => {
    const url = `${api.stack.httpApiUrl}/square`;
    const body = paddedBody(10_000);
    const upload = partialUpload(url, await signedHeaders(api, url, body), body.subarray(0, 5000));
    const outcome = await upload.outcome;
    upload.abort();
    expect(outcome).toMatchObject({ kind: 'cut' });
    expect((outcome as { afterMs: number }).afterMs).toBeGreaterThanOrEqual(450);
  });

  it('cuts a stalled upload to the Invoke API', async () => {
    const url = `${api.stack.lambdaUrl}/2015-03-31/functions/${api.squarer.name}/invocations`;
    const body = paddedBody(10_000);
    const upload = partialUpload(url, await signedHeaders(api, url, body, 'lambda'), body.subarray(0, 5000));
    const outcome = await upload.outcome;
    upload.abort();
    expect(outcome).toMatchObject({ kind: 'cut' });
  });

  it('does not cut an invocation that runs longer than every timeout, on either port', async () => {
    const client = new LambdaClient({
      endpoint: api.stack.lambdaUrl,
      region: api.stack.region,
      credentials: api.stack.credentials,
      maxAttempts: 1,
    });
    const startedAt = performance.now();
    const [direct, throughApi] = await Promise.all([
      client.send(new InvokeCommand({ FunctionName: api.squarer.name, Payload: new TextEncoder().encode('{"number": 5}') })),
      api.post('{"numbers": [6]}'),
    ]);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(1500);
    expect(JSON.parse(new TextDecoder().decode(direct.Payload))).toMatchObject({ result: 25 });
    expect(throughApi.status).toBe(200);
    expect(JSON.parse(throughApi.text)).toMatchObject({ results: [{ number: 6, result: 36 }] });
    client.destroy();
  });
});

describe('caps', () => {
  let api: SquareApi;
  const warnings: string[] = [];
  beforeAll(async () => {
    api = await startSquareApi(inject('cdkOut'), () => ({
      httpApiLimits: { maxBufferedBytes: 1_000_000, maxConnections: 8 },
      invokeApiLimits: { maxBufferedBytes: 1_000_000 },
      onLimit: (message) => warnings.push(message),
    }));
  });
  afterAll(() => api.close());

  it('answers 503 when the bytes buffered across requests would pass the cap, and recovers when they are freed', async () => {
    const url = `${api.stack.httpApiUrl}/square`;
    const large = paddedBody(900_000);
    const held = partialUpload(url, await signedHeaders(api, url, large), large.subarray(0, 899_000), 60_000);
    // Until the server holds those bytes.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const refused = await api.post(paddedBody(200_000));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).message).toMatch(/buffered request bytes \(--http-max-buffered-mb\)/);
    expect(warnings.some((line) => /the cap is 1000000/.test(line))).toBe(true);

    held.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const admitted = await api.post(paddedBody(200_000));
    expect(admitted.status).toBe(200);
  });

  it('answers 429 TooManyRequestsException on the Invoke API when its buffered bytes would pass the cap', async () => {
    const url = `${api.stack.lambdaUrl}/2015-03-31/functions/${api.squarer.name}/invocations`;
    const large = paddedBody(900_000);
    const held = partialUpload(url, await signedHeaders(api, url, large, 'lambda'), large.subarray(0, 899_000), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const client = new LambdaClient({
      endpoint: api.stack.lambdaUrl,
      region: api.stack.region,
      credentials: api.stack.credentials,
      maxAttempts: 1,
    });
    const payload = Buffer.alloc(200_000, ' ');
    payload.write('{"number": 9}');
    await expect(client.send(new InvokeCommand({ FunctionName: api.squarer.name, Payload: payload }))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    });
    held.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const admitted = await client.send(new InvokeCommand({ FunctionName: api.squarer.name, Payload: payload }));
    expect(JSON.parse(new TextDecoder().decode(admitted.Payload))).toMatchObject({ result: 81 });
    client.destroy();
  });

  it('caps connections: idle ones are closed to make room, and a new client gets through', async () => {
    const { port } = new URL(api.stack.httpApiUrl);
    const idle = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<{ socket: net.Socket; closed: Promise<void> }>((resolve, reject) => {
            const socket = net.connect(Number(port), '127.0.0.1', () =>
              resolve({ socket, closed: new Promise((done) => socket.once('close', () => done())) }),
            );
            socket.once('error', reject);
          }),
      ),
    );
    let status = 0;
    for (let attempt = 0; attempt < 10 && status === 0; attempt += 1) {
      status = await api.post('{"numbers": [7]}').then(
        (response) => response.status,
        () => 0,
      );
      if (status === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    // The one idle longest made room; the others stay until they are needed.
    const closed = await Promise.race([
      Promise.race(idle.map((held) => held.closed)).then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 2000)),
    ]);
    expect(closed).toBe(true);
    expect(warnings.some((line) => /8 connections open, the cap: closed \d+ idle/.test(line))).toBe(true);
    for (const held of idle) held.socket.destroy();
  });

  it('caps connections: when every one is busy, a new one is answered 503 that names the cap', async () => {
    const url = `${api.stack.httpApiUrl}/square`;
    const body = paddedBody(1000);
    const headers = await signedHeaders(api, url, body);
    const busy = Array.from({ length: 8 }, () => partialUpload(url, headers, body.subarray(0, 500), 60_000));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const refused = await api.post('{"numbers": [8]}');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).message).toMatch(/8 connections open, its cap/);

    for (const upload of busy) upload.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await api.post('{"numbers": [8]}')).status).toBe(200);
  });
});
