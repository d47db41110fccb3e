import type { HttpApiDefinition, RouteDefinition } from '../../core/types';

/** A route with no authorization to `functionName` (payload format 2.0). */
export function route(routeKey: string, functionName: string, timeoutMs = 30_000): RouteDefinition {
  return {
    routeKey,
    authorizationType: 'NONE',
    integration: { functionName, payloadFormatVersion: '2.0', timeoutMs },
  };
}

/** A route authorized by IAM (SigV4) to `functionName` (payload format 2.0). */
export function iamRoute(routeKey: string, functionName: string, timeoutMs = 30_000): RouteDefinition {
  return { ...route(routeKey, functionName, timeoutMs), authorizationType: 'AWS_IAM' };
}

/** An HTTP API with `routes` on the `$default` stage, `extra` on top. */
export function api(routes: RouteDefinition[], extra: Partial<HttpApiDefinition> = {}): HttpApiDefinition {
  return {
    logicalId: 'HttpApi',
    stackName: 'TestStack',
    name: 'TestStack-HttpApi',
    apiId: 'abcde12345',
    routes,
    stageName: '$default',
    ...extra,
  };
}
