import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { CoordinatorEnv, requiredInteger, requiredString } from './commons/config';
import { fanOut } from './commons/fan-out';
import { errorResponse, json, rejectUnsupportedContentType } from './commons/http-response';
import { createFanOutLambdaClient } from './commons/lambda-client';
import { logger } from './commons/logger';
import { publishRequestMetrics } from './commons/metrics';
import { type ParsedNumber, toNumberValue } from './commons/square';
import { BadRequestError, parseSquareRequest } from './commons/square-request';
import { formatLine, type ResultItem, type SquareResponse } from './commons/square-response';
import { classifyInvokeError, createSquarerInvoker } from './commons/squarer-invoker';
import { traceAwsClient } from './commons/tracer';

/** Configuration, read once per execution environment; the stack sets each (lib/config.ts has the defaults). */
const squarerFunctionName = requiredString(CoordinatorEnv.squarerFunctionName);
const maxNumbers = requiredInteger(CoordinatorEnv.maxNumbers, 1);
const maxConcurrency = requiredInteger(CoordinatorEnv.maxConcurrency, 1);
/** Time kept back from the function's timeout to build and send the answer. */
const deadlineMarginMs = requiredInteger(CoordinatorEnv.deadlineMarginMs, 0);

/** A body holds numbers of at most 500 digits, so 1 KiB an item is generous; anything larger is refused before it is parsed. */
const maxBodyBytes = 4096 + maxNumbers * 1024;
/**
 * Connections INIT opens, a small number as issue 20 asks: the first fan-out's CPU per invoke was
 * about the same with 10 as with all 100 (1357–1400 against 1453 µs, bench/findings.md of
 * 2026-12-07), for a tenth of the handshakes in front of an on-demand start.
 */
const INIT_CONNECTIONS = 10;

const { client: untracedClient, abortInFlight, prepare } = createFanOutLambdaClient(maxConcurrency);
/**
 * What the first fan-out would otherwise pay, paid during INIT, before tracing joins the client
 * (docs/performance.md): credentials, endpoint, signer and key, the middleware stack's first run,
 * and the first {@link INIT_CONNECTIONS} of the pool's connections opened, TLS handshakes and all.
 * The bundle is an ES module, so INIT waits for this top-level `await`, as Lambda's runtime does
 * for an ES module's. A failure here is not the request's: the first fan-out then pays what is
 * left itself. Measured: bench/findings.md (2026-12-07).
 */
await prepare(squarerFunctionName, { connections: Math.min(maxConcurrency, INIT_CONNECTIONS) }).catch((error: unknown) =>
  logger.warn('preparing the Lambda client during INIT failed', { error }),
);
const client = traceAwsClient(untracedClient);
const invokeSquarer = createSquarerInvoker({
  client,
  functionName: squarerFunctionName,
  onRequestIdMismatch: (processName, invokeRequestId) =>
    logger.warn('squarer processName differs from the Invoke request ID', { processName, invokeRequestId }),
});

/** `POST /square`: squares each number in its own squarer invocation and waits for all. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  try {
    rejectUnsupportedContentType(event.headers['content-type']);
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const numbers = parseSquareRequest(body, { maxNumbers, maxBodyBytes });
    const response = await squareAll(numbers, Date.now() + context.getRemainingTimeInMillis() - deadlineMarginMs);
    const statusCode = response.stats.failed === 0 ? 200 : 502;
    logger.info('squared', { statusCode, ...response.stats });
    publishRequestMetrics(response.stats);
    return json(statusCode, response);
  } catch (error) {
    if (error instanceof BadRequestError) {
      // `message` is a key Powertools Logger reserves (it drops it with a warning), so the reason goes as `reason`.
      logger.info('bad request', { code: error.code, reason: error.message });
      return errorResponse(error.statusCode, error.code, error.message, error.details);
    }
    logger.error('unexpected failure', { error });
    return errorResponse(500, 'InternalError', 'the request failed unexpectedly; see the coordinator log');
  }
}

async function squareAll(numbers: ParsedNumber[], deadline: number): Promise<SquareResponse> {
  const lines: string[] = [];
  const { outcomes, stats } = await fanOut(numbers, invokeSquarer, {
    maxConcurrency,
    deadline,
    retry: { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1000, budget: 20 + numbers.length },
    classify: classifyInvokeError,
    onSettled: (_index, outcome) => {
      if (outcome.ok) lines.push(formatLine(outcome.value));
    },
  });
  // Only a fan-out cut short by the deadline leaves Invokes in flight: end them with the request.
  abortInFlight('the request reached its deadline');
  const results = outcomes.map(
    (outcome): ResultItem => (outcome.ok ? outcome.value : { number: toNumberValue(outcome.item), error: outcome.error }),
  );
  const failed = outcomes.filter((outcome) => !outcome.ok).length;
  return {
    results,
    lines,
    stats: { numbers: numbers.length, succeeded: numbers.length - failed, failed, ...stats },
  };
}
