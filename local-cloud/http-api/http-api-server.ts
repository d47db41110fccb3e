/**
 * A local API Gateway HTTP API on node:http: routes requests to Lambda proxy integrations
 * (payload format 2.0) through a `LambdaInvoker`, with IAM (SigV4) authorization, stage throttling,
 * integration timeouts and access logs as the real service has them.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DEFAULT_LOCAL_ACCOUNT_ID } from '../core/defaults';
import { type HttpApiDefinition, type LambdaInvoker, LambdaServiceError, type RouteDefinition } from '../core/types';
import { refuseBrowserRequest } from '../server/browser-guard';
import { readBoundedBody } from '../server/read-body';
import {
  applyConnectionLimits,
  BufferBudget,
  connectionsCheckingIntervalFor,
  DEFAULT_HTTP_API_MAX_CONNECTIONS,
  defaultServerLimits,
  type ServerLimits,
} from '../server/server-limits';
import { createSignatureGate } from '../server/signature-gate';
import type { AwsCredentials } from '../sigv4/verifier';
import { buildProxyEventV2, formatRequestTime, type IamIdentity, type IncomingApiRequest, newRequestId } from './proxy-event-v2';
import { mapProxyResponseV2 } from './proxy-response-v2';
import { createRouteMatcher } from './route-matcher';
import { TokenBucket } from './token-bucket';

export interface HttpApiServerOptions {
  readonly api: HttpApiDefinition;
  readonly invoker: LambdaInvoker;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** The one identity `AWS_IAM` routes accept. */
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** The account the API belongs to and the caller is in. @default DEFAULT_LOCAL_ACCOUNT_ID */
  readonly accountId?: string;
  /** Receives one JSON access-log line per request. */
  readonly log?: (line: string) => void;
  /** Clock for SigV4 date checks. @default () => new Date() */
  readonly now?: () => Date;
  /** Timeouts, connection cap and buffered-bytes cap. @default see local-cloud/server/server-limits.ts */
  readonly limits?: Partial<ServerLimits>;
  /** Told when a limit binds. @default stderr */
  readonly warn?: (message: string) => void;
}

export interface RunningHttpApi {
  /** e.g. `http://127.0.0.1:49152`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** HTTP API payload quota: 10 MB. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

interface GatewayError {
  readonly status: number;
  readonly message: string;
  readonly errorType?: string;
}

// HTTP API's own answers; note the title case ("Internal Server Error"), unlike REST APIs.
const NOT_FOUND: GatewayError = { status: 404, message: 'Not Found' };
const TOO_MANY_REQUESTS: GatewayError = { status: 429, message: 'Too Many Requests' };
const INTERNAL_SERVER_ERROR: GatewayError = { status: 500, message: 'Internal Server Error' };
const SERVICE_UNAVAILABLE: GatewayError = { status: 503, message: 'Service Unavailable' };
const REQUEST_TOO_LARGE: GatewayError = { status: 413, message: 'Request Entity Too Large' };
/** A local bound, not an AWS one: said as such, so nobody mistakes it for the service's behaviour. */
const OVER_BUFFER_BUDGET: GatewayError = {
  status: 503,
  message: 'Service Unavailable: the local HTTP API holds its cap of buffered request bytes (--max-buffered-mb)',
};

/** Fields of `$context` an access-log format would name. */
interface AccessLogEntry {
  requestId: string;
  ip: string;
  requestTime: string;
  requestTimeEpoch: number;
  httpMethod: string;
  path: string;
  routeKey: string;
  status: number;
  protocol: string;
  responseLength: number;
  responseLatency: number;
  integrationStatus: number | '-';
  integrationLatency: number | '-';
  integrationError: string;
  errorMessage: string;
  userAgent: string;
}

function refuseUnsupported(api: HttpApiDefinition): void {
  for (const route of api.routes) {
    if (route.integration.payloadFormatVersion !== '2.0') {
      throw new Error(
        `HTTP API ${api.name}: route "${route.routeKey}" uses payload format ${route.integration.payloadFormatVersion}; ` +
          'the local HTTP API supports only 2.0',
      );
    }
    if (route.authorizationType !== 'NONE' && route.authorizationType !== 'AWS_IAM') {
      throw new Error(
        `HTTP API ${api.name}: route "${route.routeKey}" uses ${route.authorizationType} authorization; ` +
          'the local HTTP API supports only NONE and AWS_IAM',
      );
    }
  }
}

/** A stable IAM-style unique ID for the configured key, like the `AIDA…` IDs of IAM users. */
export function callerIdFor(accessKeyId: string): string {
  return `AIDA${createHash('sha256').update(accessKeyId).digest('hex').slice(0, 17).toUpperCase()}`;
}

function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

export async function startHttpApi(options: HttpApiServerOptions): Promise<RunningHttpApi> {
  const { api, invoker, region } = options;
  refuseUnsupported(api);
  const accountId = options.accountId ?? DEFAULT_LOCAL_ACCOUNT_ID;
  const matcher = createRouteMatcher(api.routes);
  const signatures = createSignatureGate({
    credentials: [options.credentials],
    region,
    service: 'execute-api',
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const limits: ServerLimits = { ...defaultServerLimits(DEFAULT_HTTP_API_MAX_CONNECTIONS), ...options.limits };
  const budget = new BufferBudget(limits.maxBufferedBytes);
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  // Only the configured credentials verify, so the caller is always the same one.
  const callerId = callerIdFor(options.credentials.accessKeyId);
  // Stage default route throttling applies to each route on its own.
  const buckets = new Map<string, TokenBucket>();
  const throttling = api.throttling;
  const bucketFor = (route: RouteDefinition): TokenBucket | undefined => {
    if (throttling === undefined) return undefined;
    let bucket = buckets.get(route.routeKey);
    if (bucket === undefined) {
      bucket = new TokenBucket(throttling.rateLimit, throttling.burstLimit);
      buckets.set(route.routeKey, bucket);
    }
    return bucket;
  };
  const stagePrefix = api.stageName === '$default' ? '' : `/${api.stageName}`;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const requestTimeEpoch = Date.now();
    const requestId = newRequestId();
    const method = (request.method ?? 'GET').toUpperCase();
    const target = request.url ?? '/';
    const queryIndex = target.indexOf('?');
    const rawPath = queryIndex === -1 ? target : target.slice(0, queryIndex);
    const rawQueryString = queryIndex === -1 ? '' : target.slice(queryIndex + 1);
    const sourceIp = sourceIpOf(request);
    const entry: AccessLogEntry = {
      requestId,
      ip: sourceIp,
      requestTime: formatRequestTime(requestTimeEpoch),
      requestTimeEpoch,
      httpMethod: method,
      path: rawPath,
      routeKey: '-',
      status: 0,
      protocol: `HTTP/${request.httpVersion}`,
      responseLength: 0,
      responseLatency: 0,
      integrationStatus: '-',
      integrationLatency: '-',
      integrationError: '-',
      errorMessage: '-',
      userAgent: request.headers['user-agent'] ?? '-',
    };

    const send = (status: number, headers: readonly (readonly [string, string])[], body: Buffer) => {
      for (const [name, value] of headers) {
        // Framing is ours to set, whatever the function returned.
        if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
        response.appendHeader(name, value);
      }
      response.setHeader('content-length', body.length);
      response.setHeader('apigw-requestid', requestId);
      response.writeHead(status);
      response.end(body);
      entry.status = status;
      entry.responseLength = body.length;
      entry.responseLatency = Math.round(performance.now() - startedAt);
      options.log?.(JSON.stringify(entry));
    };
    const fail = (error: GatewayError) => {
      entry.errorMessage = error.message;
      const headers: [string, string][] = [['content-type', 'application/json']];
      if (error.errorType !== undefined) headers.push(['x-amzn-errortype', error.errorType]);
      send(error.status, headers, Buffer.from(JSON.stringify({ message: error.message }), 'utf8'));
    };

    const declaredLength = Number(request.headers['content-length'] ?? '0');
    if (declaredLength > MAX_REQUEST_BODY_BYTES) {
      response.setHeader('connection', 'close');
      fail(REQUEST_TOO_LARGE);
      request.resume();
      return;
    }
    // Unroutable, throttled or unsigned requests are refused before their body is read: it would
    // only cost memory. The connection closes after the answer, so the unread body goes nowhere.
    const refuseBeforeBody = (error: GatewayError) => {
      response.setHeader('connection', 'close');
      fail(error);
      request.resume();
    };

    // A named stage is the first path segment; rawPath keeps it, as it does on AWS.
    let routePath = rawPath;
    if (stagePrefix !== '') {
      if (rawPath !== stagePrefix && !rawPath.startsWith(`${stagePrefix}/`)) return refuseBeforeBody(NOT_FOUND);
      routePath = rawPath.slice(stagePrefix.length) || '/';
    }
    const match = matcher.match(method, routePath);
    if (match === undefined) return refuseBeforeBody(NOT_FOUND);
    const { route } = match;
    entry.routeKey = route.routeKey;

    const iamRoute = route.authorizationType === 'AWS_IAM';
    if (iamRoute) {
      const refusal = await signatures.beforeBody(request);
      if (refusal !== undefined) return refuseBeforeBody({ status: 403, message: refusal.message, errorType: refusal.errorType });
    }
    // After the key and scope: a request that could never be served spends no token of the stage.
    if (bucketFor(route)?.tryTake() === false) return refuseBeforeBody(TOO_MANY_REQUESTS);

    const read = await readBoundedBody(request, MAX_REQUEST_BODY_BYTES, {
      budget,
      heldUntil: response,
      idleTimeoutMs: limits.bodyIdleTimeoutMs,
    });
    if (read.kind === 'cut') return;
    if (read.kind === 'too-large') return fail(REQUEST_TOO_LARGE);
    if (read.kind === 'over-budget') {
      warn(
        `local HTTP API: ${budget.inUse} bytes of request bodies held, the cap is ${limits.maxBufferedBytes}: answered 503 (raise it with --max-buffered-mb)`,
      );
      return refuseBeforeBody(OVER_BUFFER_BUDGET);
    }
    const { body } = read;

    let iam: IamIdentity | undefined;
    if (iamRoute) {
      const verdict = await signatures.afterBody(request, body);
      if (!verdict.ok) return fail({ status: 403, message: verdict.message, errorType: verdict.errorType });
      iam = {
        accessKey: verdict.accessKeyId,
        accountId,
        callerId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: `arn:aws:iam::${accountId}:user/local-cloud`,
        userId: callerId,
      };
    }

    const incoming: IncomingApiRequest = {
      method,
      rawPath,
      rawQueryString,
      rawHeaders: request.rawHeaders,
      body,
      httpVersion: request.httpVersion,
      sourceIp,
      localPort: request.socket.localPort ?? 0,
      requestId,
      requestTimeEpoch,
    };
    const event = buildProxyEventV2(incoming, {
      accountId,
      apiId: api.apiId,
      stage: api.stageName,
      routeKey: route.routeKey,
      pathParameters: match.pathParameters,
      ...(iam === undefined ? {} : { iam }),
    });

    // The integration timeout: API Gateway stops waiting and answers 503; the invocation is told to stop.
    const controller = new AbortController();
    const invokedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ readonly kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), route.integration.timeoutMs);
    });
    const invocation = invoker
      .invoke(route.integration.functionName, Buffer.from(JSON.stringify(event), 'utf8'), { signal: controller.signal })
      .then(
        (outcome) => ({ kind: 'outcome', outcome }) as const,
        (error: unknown) => ({ kind: 'error', error }) as const,
      );
    const result = await Promise.race([invocation, timedOut]);
    clearTimeout(timer);
    entry.integrationLatency = Math.round(performance.now() - invokedAt);

    switch (result.kind) {
      case 'timeout':
        controller.abort();
        entry.integrationError = `The integration timed out after ${route.integration.timeoutMs} ms`;
        return fail(SERVICE_UNAVAILABLE);
      case 'error': {
        // A Lambda service error (a throttle, an unknown function…) is an integration failure: 500.
        const { error } = result;
        if (error instanceof LambdaServiceError) {
          entry.integrationStatus = error.statusCode;
          entry.integrationError = `${error.code}: ${error.message}`;
        } else {
          entry.integrationError = error instanceof Error ? error.message : String(error);
        }
        return fail(INTERNAL_SERVER_ERROR);
      }
      case 'outcome': {
        const { outcome } = result;
        entry.integrationStatus = 200;
        if (outcome.functionError !== undefined) {
          entry.integrationError = `The function returned an error (${outcome.functionError})`;
          return fail(INTERNAL_SERVER_ERROR);
        }
        const mapped = mapProxyResponseV2(outcome.payload);
        if (!mapped.ok) {
          entry.integrationError = mapped.reason;
          return fail(INTERNAL_SERVER_ERROR);
        }
        return send(mapped.response.statusCode, mapped.response.headers, mapped.response.body);
      }
    }
  }

  const server = createServer(
    { connectionsCheckingInterval: connectionsCheckingIntervalFor(limits), headersTimeout: limits.headersTimeoutMs },
    (request, response) => {
      if (refuseBrowserRequest(request, response, options.host ?? '127.0.0.1')) return;
      handle(request, response).catch((error: unknown) => {
        // A bug of ours, not of the function: still answer as the gateway would.
        options.log?.(JSON.stringify({ level: 'ERROR', message: 'local HTTP API failed', error: String(error) }));
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ message: INTERNAL_SERVER_ERROR.message }));
        }
      });
    },
  );

  applyConnectionLimits(server, limits, 'local HTTP API', warn);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The local HTTP API is not listening on TCP');
  const { port } = address;
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
