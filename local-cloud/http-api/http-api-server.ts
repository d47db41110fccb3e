/**
 * A local API Gateway HTTP API on node:http: routes requests to Lambda proxy integrations
 * (payload format 2.0) through a `LambdaInvoker`, with IAM (SigV4) authorization, stage throttling,
 * integration timeouts and access logs as the real service has them.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_LOCAL_ACCOUNT_ID } from '../core/defaults';
import type { HttpApiDefinition, LambdaInvoker, RouteDefinition } from '../core/types';
import { type RequestGuard, startGuardedServer } from '../server/guarded-server';
import { DEFAULT_HTTP_API_MAX_CONNECTIONS, defaultServerLimits, type ServerLimits } from '../server/server-limits';
import { createSignatureGate } from '../server/signature-gate';
import type { AwsCredentials } from '../sigv4/verifier';
import {
  type GatewayError,
  GatewayExchange,
  INTERNAL_SERVER_ERROR,
  NOT_FOUND,
  OVER_BUFFER_BUDGET,
  REQUEST_TOO_LARGE,
  TOO_MANY_REQUESTS,
} from './gateway-exchange';
import { answerIntegration, invokeIntegration } from './integration';
import { buildProxyEventV2, type IamIdentity, type ProxyEventV2 } from './proxy-event-v2';
import { createRouteMatcher, type RouteMatch } from './route-matcher';
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

/** Stage default route throttling, applied to each route on its own. */
function routeThrottle(api: HttpApiDefinition): (route: RouteDefinition) => boolean {
  const buckets = new Map<string, TokenBucket>();
  const throttling = api.throttling;
  return (route) => {
    if (throttling === undefined) return false;
    let bucket = buckets.get(route.routeKey);
    if (bucket === undefined) {
      bucket = new TokenBucket(throttling.rateLimit, throttling.burstLimit);
      buckets.set(route.routeKey, bucket);
    }
    return !bucket.tryTake();
  };
}

export async function startHttpApi(options: HttpApiServerOptions): Promise<RunningHttpApi> {
  const { api, invoker, region } = options;
  refuseUnsupported(api);
  const accountId = options.accountId ?? DEFAULT_LOCAL_ACCOUNT_ID;
  const matcher = createRouteMatcher(api.routes);
  const limits: ServerLimits = { ...defaultServerLimits(DEFAULT_HTTP_API_MAX_CONNECTIONS), ...options.limits };
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  // Only the configured credentials verify, so the caller is always the same one.
  const callerId = callerIdFor(options.credentials.accessKeyId);
  const throttled = routeThrottle(api);
  const stagePrefix = api.stageName === '$default' ? '' : `/${api.stageName}`;

  /** The route for the request's method and path (a named stage is the path's first segment; rawPath keeps it, as on AWS). */
  function matchRoute(exchange: GatewayExchange): RouteMatch | undefined {
    let routePath = exchange.rawPath;
    if (stagePrefix !== '') {
      if (routePath !== stagePrefix && !routePath.startsWith(`${stagePrefix}/`)) return undefined;
      routePath = routePath.slice(stagePrefix.length) || '/';
    }
    return matcher.match(exchange.method, routePath);
  }

  /** The body, read under the limits and (on an AWS_IAM route) signed; undefined once the request is answered. */
  async function readBody(
    exchange: GatewayExchange,
    route: RouteDefinition,
    guard: RequestGuard,
    response: ServerResponse,
  ): Promise<{ readonly body: Buffer; readonly iam?: IamIdentity } | undefined> {
    const signed = route.authorizationType === 'AWS_IAM';
    // Throttled after the key and scope are checked: a request that could never be served spends no token of the stage.
    const read = await guard.readSignedBody(exchange.request, response, MAX_REQUEST_BODY_BYTES, signed, () => !throttled(route));
    switch (read.kind) {
      case 'cut':
        return undefined;
      case 'not-admitted':
        exchange.refuseBeforeBody(TOO_MANY_REQUESTS);
        return undefined;
      case 'refused-before-body':
        exchange.refuseBeforeBody({ status: 403, message: read.refusal.message, errorType: read.refusal.errorType });
        return undefined;
      case 'refused':
        exchange.fail({ status: 403, message: read.refusal.message, errorType: read.refusal.errorType });
        return undefined;
      case 'too-large':
        exchange.fail(REQUEST_TOO_LARGE);
        return undefined;
      case 'over-budget':
        warn(
          `local HTTP API: ${read.inUse} bytes of request bodies held, the cap is ${limits.maxBufferedBytes}: answered 503 (raise it with --http-max-buffered-mb)`,
        );
        exchange.refuseBeforeBody(OVER_BUFFER_BUDGET);
        return undefined;
      case 'ok':
        return read.accessKeyId === undefined ? { body: read.body } : { body: read.body, iam: iamIdentity(read.accessKeyId) };
    }
  }

  function iamIdentity(accessKey: string): IamIdentity {
    return {
      accessKey,
      accountId,
      callerId,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: `arn:aws:iam::${accountId}:user/local-cloud`,
      userId: callerId,
    };
  }

  function proxyEvent(exchange: GatewayExchange, match: RouteMatch, body: Buffer, iam: IamIdentity | undefined): ProxyEventV2 {
    const { request } = exchange;
    return buildProxyEventV2(
      {
        method: exchange.method,
        rawPath: exchange.rawPath,
        rawQueryString: exchange.rawQueryString,
        rawHeaders: request.rawHeaders,
        body,
        httpVersion: request.httpVersion,
        sourceIp: exchange.sourceIp,
        localPort: request.socket.localPort ?? 0,
        requestId: exchange.requestId,
        requestTimeEpoch: exchange.requestTimeEpoch,
      },
      {
        accountId,
        apiId: api.apiId,
        stage: api.stageName,
        routeKey: match.route.routeKey,
        pathParameters: match.pathParameters,
        ...(iam === undefined ? {} : { iam }),
      },
    );
  }

  /** The request's route, or the gateway's refusal before a byte of body is read: a declared body over the quota, no route. */
  function routeOrRefusal(exchange: GatewayExchange): RouteMatch | GatewayError {
    if (Number(exchange.request.headers['content-length'] ?? '0') > MAX_REQUEST_BODY_BYTES) return REQUEST_TOO_LARGE;
    const match = matchRoute(exchange);
    if (match === undefined) return NOT_FOUND;
    exchange.entry.routeKey = match.route.routeKey;
    return match;
  }

  /** One request, stage by stage: route (or refuse), read the body under the limits and the signature, build the event, integrate. */
  async function handle(request: IncomingMessage, response: ServerResponse, guard: RequestGuard): Promise<void> {
    const exchange = new GatewayExchange(request, response, options.log);
    const match = routeOrRefusal(exchange);
    if (!('route' in match)) {
      exchange.refuseBeforeBody(match);
      return;
    }
    const read = await readBody(exchange, match.route, guard, response);
    if (read === undefined) return;
    const event = proxyEvent(exchange, match, read.body, read.iam);
    answerIntegration(exchange, match.route, await invokeIntegration(invoker, match.route, event, exchange));
  }

  const signatures = createSignatureGate({
    credentials: [options.credentials],
    region,
    service: 'execute-api',
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return startGuardedServer({
    name: 'local HTTP API',
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    limits,
    warn,
    signatures,
    handle,
    onError: (error, response) => {
      // A bug of ours, not of the function: still answer as the gateway would.
      options.log?.(JSON.stringify({ level: 'ERROR', message: 'local HTTP API failed', error: String(error) }));
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: INTERNAL_SERVER_ERROR.message }));
      }
    },
  });
}
