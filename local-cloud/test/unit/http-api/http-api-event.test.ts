/**
 * The HTTP API's payload format 2.0 event against a live capture of one: hotsock/voker's
 * vokerhttp/testdata/apigwv2-request.json (captured from CloudWatch, us-west-2, July 2026, for a
 * `POST /capture/space%20value?repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty=`).
 * The fields below are copied from that capture.
 */
import { describe, expect, it } from 'vitest';
import { buildProxyEventV2, eventPath } from '../../../http-api/proxy-event-v2';

const captured = {
  rawPath: '/capture/space value',
  rawQueryString: 'repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty=',
  queryStringParameters: { empty: '', encodedPlus: 'a+b', literalPlus: 'a b', redirect: 'https://example.com/a/b', repeat: 'one,two' },
  cookies: ['session=abc123', 'theme=dark'],
  httpPath: '/capture/space value',
};

describe('the HTTP API event, as API Gateway sent it in a live capture', () => {
  const event = buildProxyEventV2(
    {
      method: 'POST',
      rawPath: '/capture/space%20value',
      rawQueryString: captured.rawQueryString,
      rawHeaders: [
        'Host',
        'abc.execute-api.localhost',
        'Content-Type',
        'application/json',
        'Cookie',
        'session=abc123; theme=dark',
        'User-Agent',
        'curl/8.7.1',
      ],
      body: Buffer.from('{"hello":"world"}'),
      httpVersion: '1.1',
      sourceIp: '127.0.0.1',
      localPort: 3000,
      requestId: 'request-id',
      requestTimeEpoch: Date.UTC(2026, 6, 10),
    },
    { accountId: '000000000000', apiId: 'abc', stage: '$default', routeKey: '$default', pathParameters: {} },
  );

  it('decodes the path in rawPath and requestContext.http.path, and keeps the query string as sent', () => {
    expect(event.rawPath).toBe(captured.rawPath);
    expect(event.requestContext.http.path).toBe(captured.httpPath);
    expect(event.rawQueryString).toBe(captured.rawQueryString);
    expect(event.queryStringParameters).toEqual(captured.queryStringParameters);
    expect(event.cookies).toEqual(captured.cookies);
  });

  it('passes a path that is not valid percent-encoding on as sent', () => {
    expect(eventPath('/bad%zzpath')).toBe('/bad%zzpath');
    expect(eventPath('/plain')).toBe('/plain');
  });
});
