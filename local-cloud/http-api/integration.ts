/**
 * The Lambda proxy integration of a route: the invocation under the integration timeout, and its
 * outcome as the HTTP API answers it (the function's response, or the gateway's 500 / 503).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { type InvokeOutcome, type LambdaInvoker, LambdaServiceError, type RouteDefinition } from '../core/types';
import { type GatewayExchange, INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE } from './gateway-exchange';
import type { ProxyEventV2 } from './proxy-event-v2';
import { mapProxyResponseV2 } from './proxy-response-v2';

type IntegrationResult =
  | { readonly kind: 'outcome'; readonly outcome: InvokeOutcome }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout' };

/**
 * Invokes the route's function with the event. At the integration timeout API Gateway stops
 * waiting (and answers 503); the invocation is told to stop.
 */
export async function invokeIntegration(
  invoker: LambdaInvoker,
  route: RouteDefinition,
  event: ProxyEventV2,
  exchange: GatewayExchange,
): Promise<IntegrationResult> {
  const controller = new AbortController();
  const invokedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ readonly kind: 'timeout' }>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), route.integration.timeoutMs);
  });
  const invocation = invoker
    .invoke(route.integration.functionName, Buffer.from(JSON.stringify(event), 'utf8'), {
      signal: controller.signal,
      // The event's trace header: the caller's, or the one the gateway made up for it.
      ...(event.headers['x-amzn-trace-id'] === undefined ? {} : { traceId: event.headers['x-amzn-trace-id'] }),
    })
    .then(
      (outcome) => ({ kind: 'outcome', outcome }) as const,
      (error: unknown) => ({ kind: 'error', error }) as const,
    );
  const result = await Promise.race([invocation, timedOut]);
  clearTimeout(timer);
  if (result.kind === 'timeout') controller.abort();
  exchange.entry.integrationLatency = Math.round(performance.now() - invokedAt);
  return result;
}

/** Answers with what the integration gave, logging why when it is the gateway's error instead. */
export function answerIntegration(exchange: GatewayExchange, route: RouteDefinition, result: IntegrationResult): void {
  const { entry } = exchange;
  switch (result.kind) {
    case 'timeout':
      entry.integrationError = `The integration timed out after ${route.integration.timeoutMs} ms`;
      exchange.fail(SERVICE_UNAVAILABLE);
      return;
    case 'error': {
      // A Lambda service error (a throttle, an unknown function…) is an integration failure: 500.
      const { error } = result;
      if (error instanceof LambdaServiceError) {
        entry.integrationStatus = error.statusCode;
        entry.integrationError = `${error.code}: ${error.message}`;
      } else {
        entry.integrationError = error instanceof Error ? error.message : String(error);
      }
      exchange.fail(INTERNAL_SERVER_ERROR);
      return;
    }
    case 'outcome': {
      const { outcome } = result;
      entry.integrationStatus = 200;
      if (outcome.functionError !== undefined) {
        entry.integrationError = `The function returned an error (${outcome.functionError})`;
        exchange.fail(INTERNAL_SERVER_ERROR);
        return;
      }
      const mapped = mapProxyResponseV2(outcome.payload);
      if (!mapped.ok) {
        entry.integrationError = mapped.reason;
        exchange.fail(INTERNAL_SERVER_ERROR);
        return;
      }
      exchange.send(mapped.response.statusCode, mapped.response.headers, mapped.response.body);
      return;
    }
  }
}
