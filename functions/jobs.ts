import { randomUUID } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { JobsEnv, requiredInteger, requiredString } from './commons/config';
import { DurableJobs, JOB_ID_PATTERN } from './commons/durable-jobs';
import { errorResponse, json, rejectUnsupportedContentType } from './commons/http-response';
import { checkJobSize, DURABLE_INPUT_BYTES, MAX_JOB_NUMBERS_LIMIT } from './commons/job-limits';
import { logger } from './commons/logger';
import { toNumberValue } from './commons/square';
import { BadRequestError, parseSquareRequest } from './commons/square-request';

/**
 * The jobs API: `POST /jobs` starts a durable execution of the durable coordinator and answers
 * 202 at once; `GET /jobs/{jobId}` reads it back. A thin edge over commons/durable-jobs.ts.
 */

/** Configuration, read once per execution environment; the stack sets each. */
const maxNumbers = Math.min(requiredInteger(JobsEnv.maxNumbers, 1), MAX_JOB_NUMBERS_LIMIT);
const jobs = new DurableJobs({
  client: new LambdaClient({}),
  coordinatorAlias: requiredString(JobsEnv.coordinatorAlias),
  coordinatorName: requiredString(JobsEnv.coordinatorName),
});

/**
 * A body may spell its numbers with spaces or as longer literals than the execution's input will
 * (which checkJobSize limits to 256 KB): four times that, before anything is parsed.
 */
const maxBodyBytes = 4 * DURABLE_INPUT_BYTES;

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
  const input = checkJobSize(numbers);
  await jobs.start(jobId, input);
  const statusUrl = `/jobs/${jobId}`;
  logger.info('job started', { jobId, numbers: numbers.length });
  return json(202, { jobId, statusUrl }, { location: statusUrl });
}

async function readJob(jobId: string): Promise<APIGatewayProxyStructuredResultV2> {
  const job = await jobs.read(jobId);
  if (job === undefined) return errorResponse(404, 'JobNotFound', `there is no job ${JSON.stringify(jobId.slice(0, 100))}`);
  return json(200, job);
}

/** The client's own name for the job, so that its retry starts nothing new; a fresh one without it. */
function readIdempotencyKey(key: string | undefined): string {
  if (key === undefined) return randomUUID();
  if (!JOB_ID_PATTERN.test(key)) {
    throw new BadRequestError(400, 'InvalidIdempotencyKey', 'the Idempotency-Key must be 1 to 64 letters, digits, "-" or "_"', [
      { path: 'headers.idempotency-key', message: 'at most 64 of A-Z a-z 0-9 - _' },
    ]);
  }
  return key;
}
