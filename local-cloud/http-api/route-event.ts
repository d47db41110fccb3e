/**
 * The payload 2.0 event an HTTP API would send a function for a request like `POST /square`, built
 * by the same code the local HTTP API uses, for `npm run invoke -- FUNCTION --http 'POST /square'`.
 * The route is found as API Gateway finds it, among the routes that integrate the function.
 */
import { UsageError } from '../core/errors';
import type { CloudAssemblyDefinition, FunctionDefinition } from '../core/types';
import { callerIdFor } from './http-api-server';
import { buildProxyEventV2, newRequestId, type ProxyEventV2 } from './proxy-event-v2';
import { createRouteMatcher } from './route-matcher';

export interface HttpRequestForEvent {
  /** `POST /square?x=1`: a method and a path, with an optional query. */
  readonly request: string;
  readonly body?: string;
  /** `name: value` pairs. */
  readonly headers?: readonly string[];
  /** The caller's access key on an AWS_IAM route. */
  readonly accessKeyId: string;
}

/** An `--http` request that names no route of the function. */
export class RouteEventError extends UsageError {}

export function proxyEventForRoute(
  assembly: CloudAssemblyDefinition,
  target: FunctionDefinition,
  input: HttpRequestForEvent,
): ProxyEventV2 {
  const parsed = /^([A-Za-z]+)\s+(\/\S*)$/.exec(input.request.trim());
  if (parsed === null) throw new RouteEventError(`--http "${input.request}": expected a method and a path, e.g. --http 'POST /square'`);
  const method = (parsed[1] ?? '').toUpperCase();
  const [rawPath = '/', rawQueryString = ''] = (parsed[2] ?? '/').split(/\?(.*)/s, 2);
  const candidates = assembly.httpApis.flatMap((api) =>
    api.routes.filter((route) => route.integration.functionName === target.name).map((route) => ({ api, route })),
  );
  if (candidates.length === 0) throw new RouteEventError(`No HTTP API route integrates ${target.name}: invoke it with --event instead.`);
  for (const { api } of candidates) {
    const match = createRouteMatcher(api.routes.filter((route) => route.integration.functionName === target.name)).match(method, rawPath);
    if (match === undefined) continue;
    const rawHeaders = (input.headers ?? []).flatMap((header) => {
      const colon = header.indexOf(':');
      if (colon <= 0) throw new RouteEventError(`--header "${header}": expected "name: value"`);
      return [header.slice(0, colon).trim(), header.slice(colon + 1).trim()];
    });
    const hasContentType = rawHeaders.some((value, index) => index % 2 === 0 && value.toLowerCase() === 'content-type');
    const body = Buffer.from(input.body ?? '', 'utf8');
    const requestTimeEpoch = Date.now();
    const iam =
      match.route.authorizationType === 'AWS_IAM'
        ? {
            accessKey: input.accessKeyId,
            accountId: assembly.accountId,
            callerId: callerIdFor(input.accessKeyId),
            cognitoIdentity: null,
            principalOrgId: null,
            userArn: `arn:aws:iam::${assembly.accountId}:user/local-cloud`,
            userId: callerIdFor(input.accessKeyId),
          }
        : undefined;
    return buildProxyEventV2(
      {
        method,
        rawPath,
        rawQueryString,
        rawHeaders: [
          'host',
          `${api.apiId}.execute-api.${assembly.region}.amazonaws.com`,
          'user-agent',
          'local-cloud-invoke',
          ...(body.length > 0 && !hasContentType ? ['content-type', 'application/json'] : []),
          ...(body.length > 0 ? ['content-length', String(body.length)] : []),
          ...rawHeaders,
        ],
        body,
        httpVersion: '1.1',
        sourceIp: '127.0.0.1',
        localPort: 443,
        requestId: newRequestId(),
        requestTimeEpoch,
      },
      {
        accountId: assembly.accountId,
        apiId: api.apiId,
        stage: api.stageName,
        routeKey: match.route.routeKey,
        pathParameters: match.pathParameters,
        ...(iam === undefined ? {} : { iam }),
      },
    );
  }
  const routes = candidates.map(({ route }) => route.routeKey).join(', ');
  throw new RouteEventError(`${method} ${rawPath} matches no route of ${target.name}; its routes: ${routes}`);
}
