import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHttpApi, startHttpApi } from '../../../http-api/http-api-server';
import { jsonObject, sendRequest } from '../../support/http-api-client';
import { api, route } from '../../support/http-api-definition';
import { createInProcessInvoker, type InProcessInvoker, THROTTLED } from '../../support/http-api-in-process-invoker';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const echo = async (event: unknown) => event;
let slowSignal: AbortSignal | undefined;

const invoker: InProcessInvoker = createInProcessInvoker({
  echo,
  text: async () => 'Hello from Lambda!',
  object: async () => ({ message: 'Hello from Lambda!' }),
  structured: async () => ({
    statusCode: 201,
    headers: { 'X-Custom': 'yes', 'Content-Type': 'application/octet-stream' },
    cookies: ['c1=v1; Secure', 'c2=v2'],
    body: Buffer.from([0, 1, 2, 255]).toString('base64'),
    isBase64Encoded: true,
  }),
  failing: async () => {
    throw new TypeError('boom');
  },
  malformed: async () => ({ statusCode: 'two hundred', body: 'x' }),
  slow: (_event, signal) =>
    new Promise((resolve) => {
      slowSignal = signal;
      const timer = setTimeout(() => resolve('late'), 5_000);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve('aborted');
      });
    }),
  throttled: THROTTLED,
});

const logLines: string[] = [];
let server: RunningHttpApi;

beforeAll(async () => {
  server = await startHttpApi({
    api: api([
      // The example routes of "Working with routes for HTTP APIs".
      route('GET /pets/dog/1', 'echo'),
      route('GET /pets/dog/{id}', 'echo'),
      route('GET /pets/{proxy+}', 'echo'),
      route('ANY /{proxy+}', 'echo'),
      route('POST /echo', 'echo'),
      route('GET /text', 'text'),
      route('GET /object', 'object'),
      route('GET /structured', 'structured'),
      route('GET /failing', 'failing'),
      route('GET /malformed', 'malformed'),
      route('GET /slow', 'slow', 100),
      route('GET /throttled', 'throttled'),
      route('GET /missing-function', 'nobody'),
    ]),
    invoker,
    credentials,
    region: 'us-east-1',
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await server.close();
});

function lastEvent(): Record<string, unknown> {
  const events = invoker.events.get('echo') ?? [];
  const event = events[events.length - 1];
  if (typeof event !== 'object' || event === null) throw new Error('echo received no event');
  return event as Record<string, unknown>;
}

describe('route matching', () => {
  it.each([
    ['GET', '/pets/dog/1', 'GET /pets/dog/1', undefined],
    ['GET', '/pets/dog/2', 'GET /pets/dog/{id}', { id: '2' }],
    ['GET', '/pets/cat/1', 'GET /pets/{proxy+}', { proxy: 'cat/1' }],
    ['POST', '/pets/dog/1', 'ANY /{proxy+}', { proxy: 'pets/dog/1' }],
    ['GET', '/pets/dog/a%20b', 'GET /pets/dog/{id}', { id: 'a b' }],
  ])('%s %s goes to %s', async (method, path, routeKey, pathParameters) => {
    const response = await sendRequest(`${server.url}${path}`, { method });
    expect(response.status).toBe(200);
    const event = jsonObject(response.text);
    expect(event.routeKey).toBe(routeKey);
    expect(event.pathParameters).toEqual(pathParameters);
  });

  it('answers 404 {"message":"Not Found"} when no route matches (a greedy variable needs a segment)', async () => {
    const response = await sendRequest(`${server.url}/`);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.text).toBe('{"message":"Not Found"}');
  });

  it('sends unmatched requests to $default when there is one', async () => {
    const withDefault = await startHttpApi({
      api: api([route('GET /only', 'echo'), route('$default', 'echo')]),
      invoker,
      credentials,
      region: 'us-east-1',
    });
    try {
      const response = await sendRequest(`${withDefault.url}/any/where?x=1`, { method: 'DELETE' });
      expect(response.status).toBe(200);
      expect(jsonObject(response.text)).toMatchObject({ routeKey: '$default', rawPath: '/any/where' });
    } finally {
      await withDefault.close();
    }
  });

  it('matches routes below a named stage and keeps the stage in rawPath, as AWS does', async () => {
    const staged = await startHttpApi({
      api: api([route('GET /pets/{id}', 'echo')], { stageName: 'dev' }),
      invoker,
      credentials,
      region: 'us-east-1',
    });
    try {
      const response = await sendRequest(`${staged.url}/dev/pets/7`);
      expect(response.status).toBe(200);
      const event = jsonObject(response.text);
      expect(event).toMatchObject({ rawPath: '/dev/pets/7', pathParameters: { id: '7' } });
      expect(event.requestContext).toMatchObject({ stage: 'dev' });
      expect((await sendRequest(`${staged.url}/pets/7`)).status).toBe(404);
    } finally {
      await staged.close();
    }
  });
});

describe('payload format 2.0 event', () => {
  it('has the documented shape', async () => {
    const response = await sendRequest(`${server.url}/echo?b=2&a=1&a=3&enc=%20x%2By&flag`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'http-api-test',
        'X-Multi': ['one', 'two'],
        Cookie: ['a=1; b=2', 'c=3'],
      },
      body: '{"n":3}',
    });
    expect(response.status).toBe(200);
    const event = lastEvent();
    const requestId = response.headers['apigw-requestid'];
    expect(requestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);

    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /echo',
      rawPath: '/echo',
      rawQueryString: 'b=2&a=1&a=3&enc=%20x%2By&flag',
      cookies: ['a=1', 'b=2', 'c=3'],
      headers: {
        'content-type': 'application/json',
        'content-length': '7',
        'user-agent': 'http-api-test',
        'x-multi': 'one,two',
        host: `127.0.0.1:${server.port}`,
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-port': String(server.port),
        'x-forwarded-proto': 'http',
        'x-amzn-trace-id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
      },
      queryStringParameters: { a: '1,3', b: '2', enc: ' x+y', flag: '' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'abcde12345',
        domainName: `127.0.0.1:${server.port}`,
        domainPrefix: '127',
        http: {
          method: 'POST',
          path: '/echo',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'http-api-test',
        },
        requestId,
        routeKey: 'POST /echo',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
      body: '{"n":3}',
      isBase64Encoded: false,
    });
    const context = event.requestContext as { time: string; timeEpoch: number };
    expect(Math.abs(context.timeEpoch - Date.now())).toBeLessThan(5_000);
    // `time` is `timeEpoch` to the second.
    const [day, month, rest] = context.time.split('/');
    expect(new Date(`${month} ${day} ${rest?.replace(':', ' ').replace(' +0000', ' UTC')}`).getTime()).toBe(
      Math.floor(context.timeEpoch / 1000) * 1000,
    );
  });

  it('leaves out body, cookies, query and path parameters when there are none', async () => {
    await sendRequest(`${server.url}/echo`, { method: 'POST' });
    const event = lastEvent();
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event.rawQueryString).toBe('');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it.each([
    ['application/octet-stream', Buffer.from([0, 255, 1]), true],
    [undefined, Buffer.from('hi'), true],
    ['application/x-www-form-urlencoded', Buffer.from('a=1'), true],
    ['image/png', Buffer.from([137, 80, 78, 71]), true],
    ['text/plain; charset=utf-8', Buffer.from('héllo'), false],
    ['application/xml', Buffer.from('<a/>'), false],
    ['application/javascript', Buffer.from('x()'), false],
  ])('a %s body is base64-encoded: %#', async (contentType, body, base64) => {
    await sendRequest(`${server.url}/echo`, {
      method: 'POST',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body,
    });
    const event = lastEvent();
    expect(event.isBase64Encoded).toBe(base64);
    expect(event.body).toBe(body.toString(base64 ? 'base64' : 'utf8'));
  });
});

describe('response mapping', () => {
  it('passes a JSON string result as the body, 200 application/json', async () => {
    const response = await sendRequest(`${server.url}/text`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.text).toBe('Hello from Lambda!');
  });

  it('passes a result without statusCode as JSON, 200 application/json', async () => {
    const response = await sendRequest(`${server.url}/object`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.text)).toEqual({ message: 'Hello from Lambda!' });
  });

  it('uses statusCode, headers, cookies and a base64 body', async () => {
    const response = await sendRequest(`${server.url}/structured`);
    expect(response.status).toBe(201);
    expect(response.headers['x-custom']).toBe('yes');
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['set-cookie']).toEqual(['c1=v1; Secure', 'c2=v2']);
    expect([...response.body]).toEqual([0, 1, 2, 255]);
    expect(response.headers['apigw-requestid']).toMatch(/^[A-Za-z0-9+/]{15}=$/);
  });

  it.each([
    ['/failing', 'a function error'],
    ['/malformed', 'a malformed response'],
    ['/throttled', 'a throttled invocation (429 from Lambda)'],
    ['/missing-function', 'an unknown function'],
  ])('answers 500 {"message":"Internal Server Error"} for %s (%s)', async (path) => {
    const response = await sendRequest(`${server.url}${path}`);
    expect(response.status).toBe(500);
    expect(response.text).toBe('{"message":"Internal Server Error"}');
  });

  it('answers 503 {"message":"Service Unavailable"} past the integration timeout and aborts the invocation', async () => {
    const started = performance.now();
    const response = await sendRequest(`${server.url}/slow`);
    expect(response.status).toBe(503);
    expect(response.text).toBe('{"message":"Service Unavailable"}');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(slowSignal?.aborted).toBe(true);
  });

  it('answers 413 for a body over 10 MB', async () => {
    const response = await sendRequest(`${server.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(response.text).toBe('{"message":"Request Entity Too Large"}');
  });
});

describe('access log', () => {
  it('writes one JSON line per request, with the integration error', async () => {
    const before = logLines.length;
    const response = await sendRequest(`${server.url}/failing`);
    expect(logLines.length).toBe(before + 1);
    const line = jsonObject(logLines[logLines.length - 1] ?? '');
    expect(line).toMatchObject({
      requestId: response.headers['apigw-requestid'],
      ip: '127.0.0.1',
      httpMethod: 'GET',
      routeKey: 'GET /failing',
      status: 500,
      protocol: 'HTTP/1.1',
      responseLength: response.body.length,
      integrationStatus: 200,
      integrationError: 'The function returned an error (Unhandled)',
    });
    expect(line.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });
});
