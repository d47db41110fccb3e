import { randomUUID } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { JobsEnv, requiredInteger, requiredString } from './commons/config';
import { batchInputs, DurableJobs, IDEMPOTENCY_KEY_PATTERN } from './commons/durable-jobs';
import { errorResponse, json, rejectUnsupportedContentType } from './commons/http-response';
import { DURABLE_INPUT_BYTES, JOB_MAX_EXECUTIONS, MAX_JOB_NUMBERS_LIMIT, splitJob } from './commons/job-limits';
import { logger } from './commons/logger';
import { toNumberValue } from './commons/square';
import { BadRequestError, parseSquareRequest } from './commons/square-request';

/**
 * The jobs API: `POST /jobs` splits its numbers into batches that each fit one durable execution,
 * starts one execution of the durable coordinator per batch and answers 202 at once;
 * `GET /jobs/{jobId}` reads them back, joined. A thin edge over commons/durable-jobs.ts.
 */

/** Configuration, read once per execution environment; the stack sets each. */
const perExecution = Math.min(requiredInteger(JobsEnv.maxNumbers, 1), MAX_JOB_NUMBERS_LIMIT);
/** Most numbers in one job: its executions' (fewer when the numbers are long, splitJob). */
const maxNumbers = perExecution * JOB_MAX_EXECUTIONS;
const jobs = new DurableJobs({
  client: new LambdaClient({}),
  coordinatorAlias: requiredString(JobsEnv.coordinatorAlias),
  coordinatorName: requiredString(JobsEnv.coordinatorName),
});

/**
 * A body may spell its numbers with spaces or as longer literals than the executions' inputs will
 * (256 KB each, splitJob): twice their sum, 2.5 MiB, before anything is parsed. Not more: the body
 * arrives as a JSON string in the event, and Lambda takes at most 6 MB of it.
 */
const maxBodyBytes = 2 * DURABLE_INPUT_BYTES * JOB_MAX_EXECUTIONS;

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  try {
    if (event.routeKey === 'POST /jobs') return await startJob(event);
    if (event.routeKey === 'GET /jobs/{jobId}') return await readJob(event.pathParameters?.jobId ?? '');
    return errorResponse(404, 'NotFound', `no route ${JSON.stringify(event.routeKey)}`);
  } catch (error) {
    if (error instanceof BadRequestError) {
      logger.info('bad request', { code: error.code, reason: error.message });
      return errorResponse(error.statusCode, error.code, error.message, error.details);
    }
    logger.error('unexpected failure', { error });
    return errorResponse(500, 'InternalError', 'the request failed unexpectedly; see the jobs log');
  }
}

async function startJob(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  rejectUnsupportedContentType(event.headers['content-type']);
  const jobId = readIdempotencyKey(event.headers['idempotency-key']);
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const numbers = parseSquareRequest(body, { maxNumbers, maxBodyBytes }).map(toNumberValue);
  const batches = splitJob(numbers, perExecution);
  await jobs.start(jobId, batchInputs(jobId, batches));
  const statusUrl = `/jobs/${jobId}`;
  logger.info('job started', { jobId, numbers: numbers.length, executions: batches.length });
  return json(202, { jobId, statusUrl }, { location: statusUrl });
}

async function readJob(jobId: string): Promise<APIGatewayProxyStructuredResultV2> {
  const job = await jobs.read(jobId);
  if (job === undefined) return errorResponse(404, 'JobNotFound', `there is no job ${JSON.stringify(jobId.slice(0, 100))}`);
  return json(200, job);
}

/**
 * The client's own name for the job, so that its retry starts nothing new; a fresh, unguessable one
 * (a random UUID) without it.
 */
function readIdempotencyKey(key: string | undefined): string {
  if (key === undefined) return randomUUID();
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new BadRequestError(400, 'InvalidIdempotencyKey', 'the Idempotency-Key must be 1 to 62 letters, digits, "-" or "_"', [
      { path: 'headers.idempotency-key', message: 'at most 62 of A-Z a-z 0-9 - _' },
    ]);
  }
  return key;
}
