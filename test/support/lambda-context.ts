import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** A Lambda `context` as the Node.js runtime passes it, for calling a handler in process. */
export function lambdaContext(awsRequestId: string, remainingMs = 28_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId,
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'local-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:local-function',
    memoryLimitInMB: '1024',
    logGroupName: '/aws/lambda/local-function',
    logStreamName: '2026/11/25/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * An HTTP API payload format 2.0 event for `POST /square`, shaped as
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function squareRequestEvent(
  body: string | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  isBase64Encoded = false,
): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'POST /square',
    rawPath: '/square',
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'localapi01',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method: 'POST', path: '/square', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'local-request',
      routeKey: 'POST /square',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded,
  };
}
