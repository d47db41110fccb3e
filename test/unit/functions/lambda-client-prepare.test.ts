import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFanOutLambdaClient, prepareFanOutLambdaClient } from '../../../functions/commons/lambda-client';

/** A loopback stand-in for the Invoke API that records what reaches it: requests and connections. */
let server: Server;
let endpoint: string;
const seen: { method: string; url: string; authorization: string | undefined; connection?: string | undefined }[] = [];
let connections = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      authorization: request.headers.authorization,
      ...(request.method === 'GET' ? { connection: request.headers.connection } : {}),
    });
    request.resume();
    request.on('end', () => {
      if (request.method === 'POST') {
        response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': 'r' });
        response.end('{"number":1}');
      } else {
        response.writeHead(403, { 'content-type': 'application/json' });
        response.end('{"message":"Missing Authentication Token"}');
      }
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDPREPARED',
    AWS_SECRET_ACCESS_KEY: 'prepared-secret',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});

afterEach(() => {
  seen.length = 0;
  connections = 0;
});

afterAll(async () => {
  process.env = savedEnv;
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const invoke = (client: LambdaClient) =>
  client.send(new InvokeCommand({ FunctionName: 'squarer', Payload: new TextEncoder().encode('{"number":1}') }));

describe('preparing the fan-out client during INIT', () => {
  it('runs the whole pipeline without sending anything, and returns the endpoint it resolved', async () => {
    const { client } = createFanOutLambdaClient(10);

    const origin = await prepareFanOutLambdaClient(client, 'squarer');

    expect(origin.href).toBe(`${endpoint}/`);
    expect(seen).toEqual([]);
    expect(connections).toBe(0);
    client.destroy();
  });

  it('resolves the credentials then, so that the first Invoke resolves none of its own', async () => {
    const { client, prepare } = createFanOutLambdaClient(10);
    await prepare('squarer');
    // Were the first Invoke to resolve credentials, it would find none now and fail.
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    const response = await invoke(client);

    expect(response.StatusCode).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDPREPARED\/\d{8}\/eu-west-1\/lambda\/aws4_request, /);
    client.destroy();
  });

  it('without preparation, the first Invoke resolves the credentials itself (the case above would fail)', async () => {
    const { client } = createFanOutLambdaClient(10);
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    await expect(invoke(client)).rejects.toThrow(/credentials/i);
    expect(seen).toEqual([]);
    client.destroy();
  });

  it('opens the connections asked for with unsigned GET requests, and the fan-out reuses them', async () => {
    const { client, prepare } = createFanOutLambdaClient(10);

    await prepare('squarer', { connections: 3 });

    expect(seen).toEqual(
      Array.from({ length: 3 }, () => ({ method: 'GET', url: '/', authorization: undefined, connection: 'keep-alive' })),
    );
    expect(connections).toBe(3);
    await Promise.all([invoke(client), invoke(client), invoke(client)]);
    expect(connections).toBe(3);
    expect(seen.filter((request) => request.method === 'POST')).toHaveLength(3);
    client.destroy();
  });

  it('with tlsSession, opens one connection with an unsigned GET and closes it: no idle socket left to go stale', async () => {
    const { client, prepare } = createFanOutLambdaClient(10);

    await prepare('squarer', { tlsSession: true });

    expect(seen).toEqual([{ method: 'GET', url: '/', authorization: undefined, connection: 'close' }]);
    expect(connections).toBe(1);
    await invoke(client);
    expect(connections).toBe(2);
    client.destroy();
  });
});
