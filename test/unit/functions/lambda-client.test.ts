import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, type LambdaClient, LambdaServiceException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { createSigV4Verifier } from '@multi-square/local-cloud';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADOPTED_PARTS, type ClientParts, createFanOutLambdaClient } from '../../../functions/commons/lambda-client';

/** What the loopback endpoint saw of one request. */
interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

type Responder = (request: SeenRequest, response: ServerResponse) => void;

/** A real HTTP server on loopback standing in for the Lambda Invoke API; each test says how it answers. */
let server: Server;
let endpoint: string;
let respond: Responder;
const seen: SeenRequest[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      respond(entry, response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The client finds its endpoint, region and credentials as it does in Lambda: in the environment.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-test-secret',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});

afterEach(() => {
  seen.length = 0;
});

afterAll(async () => {
  process.env = savedEnv;
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

function invoke(client: LambdaClient, number: number, abortSignal?: AbortSignal) {
  const command = new InvokeCommand({
    FunctionName: 'squarer',
    Payload: new TextEncoder().encode(JSON.stringify({ number })),
  });
  return abortSignal === undefined ? client.send(command) : client.send(command, { abortSignal });
}

/** The stock client with nothing added: the bench's baseline row, which must behave alike. */
const STOCK: ClientParts = { oneSigner: false, sha256KeyCache: false };

describe.each([
  ['as the coordinator builds it', ADOPTED_PARTS],
  ['with no optional part', STOCK],
])('createFanOutLambdaClient, %s', (_name, parts) => {
  const create = (maxConcurrency: number) => createFanOutLambdaClient(maxConcurrency, parts);

  it('sends a signed Invoke and returns the payload, status and request ID', async () => {
    respond = (request, response) => {
      const { number } = JSON.parse(request.body) as { number: number };
      response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': 'request-1' });
      response.end(JSON.stringify({ number, result: number * number, processName: 'request-1' }));
    };
    const { client } = create(10);

    const response = await invoke(client, 7);

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(response.$metadata.requestId).toBe('request-1');
    expect(JSON.parse(new TextDecoder().decode(response.Payload))).toEqual({ number: 7, result: 49, processName: 'request-1' });
    const [request] = seen;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/2015-03-31/functions/squarer/invocations');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/,
    );
    client.destroy();
  });

  it('signs every request of a burst, each with its own body', async () => {
    respond = (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': `id-${request.body}` });
      response.end(request.body);
    };
    const { client } = create(20);

    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => invoke(client, i)));

    expect(responses.map((r) => JSON.parse(new TextDecoder().decode(r.Payload)) as unknown)).toEqual(
      Array.from({ length: 50 }, (_, i) => ({ number: i })),
    );
    expect(new Set(seen.map((r) => r.headers.authorization)).size).toBe(50);
    // Checked by the local cloud's SigV4 verifier, written apart from the SDK's signer.
    const verifier = createSigV4Verifier({
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
      region: 'eu-west-1',
      service: 'lambda',
    });
    const verdicts = await Promise.all(
      seen.map((r) => {
        const [rawPath = '', rawQueryString = ''] = r.url.split('?', 2);
        return verifier.verify({ method: r.method, rawPath, rawQueryString, rawHeaders: r.rawHeaders, body: Buffer.from(r.body) });
      }),
    );
    expect(verdicts.filter((verdict) => !verdict.ok)).toEqual([]);
    client.destroy();
  });

  it('reports a function error from the X-Amz-Function-Error header', async () => {
    respond = (_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'x-amzn-RequestId': 'request-2',
        'X-Amz-Function-Error': 'Unhandled',
      });
      response.end(JSON.stringify({ errorType: 'InvalidNumber', errorMessage: 'not a number' }));
    };
    const { client } = create(10);

    const response = await invoke(client, 1);

    expect(response.FunctionError).toBe('Unhandled');
    expect(JSON.parse(new TextDecoder().decode(response.Payload))).toEqual({
      errorType: 'InvalidNumber',
      errorMessage: 'not a number',
    });
    client.destroy();
  });

  it('parses a 429 into TooManyRequestsException, with its fields and metadata', async () => {
    respond = (_request, response) => {
      response.writeHead(429, {
        'content-type': 'application/json',
        'x-amzn-RequestId': 'request-3',
        'x-amzn-ErrorType': 'TooManyRequestsException',
        'Retry-After': '1',
      });
      response.end(
        JSON.stringify({ Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }),
      );
    };
    const { client } = create(10);

    const error: unknown = await invoke(client, 1).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error).toBeInstanceOf(LambdaServiceException);
    const throttled = error as TooManyRequestsException;
    expect(throttled.message).toBe('Rate Exceeded.');
    expect(throttled.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(throttled.retryAfterSeconds).toBe('1');
    expect(throttled.$metadata).toMatchObject({ httpStatusCode: 429, requestId: 'request-3', attempts: 1 });
    // The client does not retry: the fan-out does.
    expect(seen).toHaveLength(1);
    client.destroy();
  });

  it('aborts every request in flight at once, closes their connections, and goes on serving later calls', async () => {
    const arrivals: (() => void)[] = [];
    const closed: Promise<unknown>[] = [];
    let arrived = 0;
    const allArrived = new Promise<void>((resolve) => arrivals.push(resolve));
    respond = (request, response) => {
      if (request.body === '{"number":99}') {
        response.writeHead(200, { 'x-amzn-RequestId': 'after-abort' });
        response.end(request.body);
        return;
      }
      closed.push(once(response, 'close'));
      arrived += 1;
      if (arrived === 5) arrivals[0]?.(); // and never answer
    };
    const { client, abortInFlight } = create(10);

    const pending = Array.from({ length: 5 }, (_, i) => invoke(client, i).catch((e: unknown) => e));
    await allArrived;
    abortInFlight('the request reached its deadline');
    const errors = await Promise.all(pending);

    expect(errors.map((error) => (error as Error).name)).toEqual(Array(5).fill('AbortError'));
    await Promise.all(closed);
    const later = await invoke(client, 99);
    expect(later.$metadata.requestId).toBe('after-abort');
    client.destroy();
  });

  it('aborting with nothing in flight changes nothing for the next call', async () => {
    respond = (_request, response) => {
      response.writeHead(200, { 'x-amzn-RequestId': 'request-5' });
      response.end('{}');
    };
    const { client, abortInFlight } = create(10);
    abortInFlight('nothing to abort');

    const response = await invoke(client, 1);

    expect(response.$metadata.requestId).toBe('request-5');
    client.destroy();
  });

  it("still honours a caller's own abort signal", async () => {
    let received!: () => void;
    const requestArrived = new Promise<void>((resolve) => (received = resolve));
    let connectionClosed!: Promise<unknown>;
    respond = (_request, response) => {
      connectionClosed = once(response, 'close');
      received(); // and never answer
    };
    const { client } = create(10);
    const controller = new AbortController();

    const pending = invoke(client, 1, controller.signal).catch((e: unknown) => e);
    await requestArrived;
    controller.abort();
    const error = await pending;

    expect((error as Error).name).toBe('AbortError');
    await connectionClosed;
    client.destroy();
  });

  it('surfaces a refused connection as an error with its code', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    // The SDK reads the endpoint from the environment at the first request.
    process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${port}`;
    const { client } = create(10);

    const error: unknown = await invoke(client, 1)
      .catch((e: unknown) => e)
      .finally(() => (process.env.AWS_ENDPOINT_URL_LAMBDA = endpoint));

    expect(error).toBeInstanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    client.destroy();
  });
});
