import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** A loopback stand-in for the Invoke API: a squarer that answers every Invoke, and what reached it. */
let server: Server;
const seen: { method: string; authorization: string | undefined }[] = [];
let connections = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', authorization: request.headers.authorization });
      if (request.method !== 'POST') {
        response.writeHead(403, { 'x-amzn-ErrorType': 'MissingAuthenticationTokenException' });
        response.end('{"message":"Missing Authentication Token"}');
        return;
      }
      const { number } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { number: number };
      response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': 'squarer-1' });
      response.end(JSON.stringify({ number, result: number * number, processName: 'squarer-1' }));
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDINIT',
    AWS_SECRET_ACCESS_KEY: 'init-secret',
    SQUARER_FUNCTION_NAME: 'squarer',
    MAX_NUMBERS: '10',
    MAX_CONCURRENCY: '4',
    DEADLINE_MARGIN_MS: '100',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  process.env = savedEnv;
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

it("the coordinator's INIT prepares its client: the first request resolves no credentials and opens no connection of its own", async () => {
  // The module is an ES module whose top-level await is its preparation: importing it is INIT, done.
  const { handler } = await import('../../../functions/coordinator');
  // INIT opened the pool's connections (MAX_CONCURRENCY of them: 4, fewer than the 10 INIT opens at most) with unsigned GETs, and sent no Invoke.
  expect(seen).toEqual(Array.from({ length: 4 }, () => ({ method: 'GET', authorization: undefined })));
  expect(connections).toBe(4);
  // A first request that resolved credentials itself would find none now, and every Invoke would fail.
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;

  const response = await handler(
    {
      body: '{"numbers":[2,3]}',
      isBase64Encoded: false,
      headers: { 'content-type': 'application/json' },
    } as unknown as APIGatewayProxyEventV2,
    { getRemainingTimeInMillis: () => 10_000, awsRequestId: 'request-1', functionName: 'coordinator' } as unknown as Context,
  );

  expect(response.statusCode).toBe(200);
  const invokes = seen.filter((request) => request.method === 'POST');
  expect(invokes).toHaveLength(2);
  // Both went out on connections INIT opened.
  expect(connections).toBe(4);
  for (const invoke of invokes) expect(invoke.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDINIT\//);
});
