/**
 * The event an HTTP API sends to a Lambda proxy integration, payload format 2.0.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { randomBytes } from 'node:crypto';
/**
 * The IAM caller, `requestContext.authorizer.iam`. (`@types/aws-lambda` types `principalOrgId` as a
 * string; API Gateway sends `null` for a caller outside an organization, so the shape is ours.)
 */
export interface IamIdentity {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: string | null;
  readonly userArn: string;
  readonly userId: string;
}

export interface ProxyEventV2 {
  readonly version: '2.0';
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  readonly requestContext: {
    readonly accountId: string;
    readonly apiId: string;
    readonly authorizer?: { readonly iam: IamIdentity };
    readonly domainName: string;
    readonly domainPrefix: string;
    readonly http: {
      readonly method: string;
      readonly path: string;
      readonly protocol: string;
      readonly sourceIp: string;
      readonly userAgent: string;
    };
    readonly requestId: string;
    readonly routeKey: string;
    readonly stage: string;
    readonly time: string;
    readonly timeEpoch: number;
  };
  readonly body?: string;
  readonly pathParameters?: Record<string, string>;
  readonly isBase64Encoded: boolean;
  readonly stageVariables?: Record<string, string>;
}

/** What the server knows of one request once it has been read and routed. */
export interface IncomingApiRequest {
  readonly method: string;
  /** Path as sent, still percent-encoded (with the stage prefix when the stage is not `$default`). */
  readonly rawPath: string;
  /** Everything after `?`, as sent. */
  readonly rawQueryString: string;
  /** Node's `rawHeaders`: name, value, name, value… in arrival order. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly httpVersion: string;
  readonly sourceIp: string;
  readonly localPort: number;
  readonly requestId: string;
  readonly requestTimeEpoch: number;
}

export interface EventContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  /** Set on `AWS_IAM` routes once the signature is verified. */
  readonly iam?: IamIdentity;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `$context.requestTime`, CLF format: `12/Mar/2020:19:03:58 +0000`. */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()] ?? ''}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/**
 * HTTP API request IDs look like `JKJaXmPLvHcESHA=`: 16 characters of base64.
 * Also sent back as the `apigw-requestid` response header.
 */
export function newRequestId(): string {
  return randomBytes(11).toString('base64');
}

/** An X-Ray style trace header, as API Gateway adds one to every request it forwards. */
function traceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/**
 * The body is passed as text only for these media types; everything else, including a missing
 * Content-Type and form posts, is base64-encoded. The AWS docs say only "if the content type of the
 * request is binary"; this split was observed against real HTTP APIs
 * (https://github.com/ministackorg/ministack/pull/766).
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType === 'application/xml' ||
    mediaType === 'application/javascript'
  );
}

/**
 * Headers with lower-cased names, repeated headers comma-joined; `Cookie` headers move to the
 * `cookies` array ("All cookie headers in the request are combined with commas and added to the
 * cookies field").
 */
export function collectHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    // Hop-by-hop headers end at the gateway, as on AWS.
    if (HOP_BY_HOP.has(name)) continue;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ''),
      );
      continue;
    }
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return { headers, cookies };
}

/**
 * Decoded query parameters, duplicates comma-joined ("Duplicate query strings are combined with
 * commas"). Decoding follows form rules (`+` is a space), which the docs leave unsaid.
 */
export function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = parameters[name];
    parameters[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return Object.keys(parameters).length === 0 ? undefined : parameters;
}

/**
 * `rawPath` and `requestContext.http.path` as an HTTP API sends them: percent-decoded. A live
 * capture (hotsock/voker, vokerhttp/testdata/apigwv2-request.json, us-west-2, July 2026) shows a
 * request to `/capture/space%20value` arriving as `"rawPath": "/capture/space value"` and the same
 * `http.path`, while `rawQueryString` stays as sent (a Function URL, by contrast, keeps `%20`:
 * functionurl-request.json there). The capture has no `%2F`; it is decoded like the rest here.
 * A path that is not valid percent-encoding is passed on as sent.
 */
export function eventPath(rawPath: string): string {
  if (!rawPath.includes('%')) return rawPath;
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

export function buildProxyEventV2(request: IncomingApiRequest, context: EventContext): ProxyEventV2 {
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  // API Gateway adds the forwarding headers; X-Forwarded-For keeps what the client sent first.
  const forwardedFor = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor === undefined ? request.sourceIp : `${forwardedFor}, ${request.sourceIp}`;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(request.requestTimeEpoch);

  const domainName = headers.host ?? `${context.apiId}.execute-api.localhost`;
  const hasBody = request.body.length > 0;
  const base64 = hasBody && !isTextContentType(headers['content-type']);
  const queryStringParameters = queryParameters(request.rawQueryString);

  const requestContext = {
    accountId: context.accountId,
    apiId: context.apiId,
    ...(context.iam === undefined ? {} : { authorizer: { iam: context.iam } }),
    domainName,
    domainPrefix: domainName.split(':')[0]?.split('.')[0] ?? domainName,
    http: {
      method: request.method,
      path: eventPath(request.rawPath),
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp: request.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: request.requestId,
    routeKey: context.routeKey,
    stage: context.stage,
    time: formatRequestTime(request.requestTimeEpoch),
    timeEpoch: request.requestTimeEpoch,
  };

  // Fields with nothing to carry are left out, as API Gateway leaves them out.
  return {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath: eventPath(request.rawPath),
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters === undefined ? {} : { queryStringParameters }),
    requestContext,
    ...(hasBody ? { body: request.body.toString(base64 ? 'base64' : 'utf8') } : {}),
    ...(Object.keys(context.pathParameters).length > 0 ? { pathParameters: { ...context.pathParameters } } : {}),
    isBase64Encoded: base64,
  };
}
