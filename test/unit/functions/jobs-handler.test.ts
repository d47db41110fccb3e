/**
 * The jobs handler (functions/jobs.ts) against a fake Lambda: an in-memory stand-in for the
 * durable execution APIs it calls (Invoke with DurableExecutionName, ListDurableExecutionsByFunction,
 * GetDurableExecution, GetDurableExecutionHistory), idempotent by name as Lambda documents it.
 */
import {
  DurableExecutionAlreadyStartedException,
  type Event,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SquareResponse } from '../../../functions/commons/square-response';
import { lambdaContext } from '../../support/lambda-context';

const ALIAS = 'arn:aws:lambda:us-east-1:123456789012:function:DurableCoordinator:live';
const NAME = 'DurableCoordinator';

interface FakeExecution {
  readonly arn: string;
  readonly name: string;
  readonly input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  result?: string;
  error?: { ErrorType: string; ErrorMessage: string };
  events: Event[];
}

/** The durable executions of one function, and every command the handler sent. */
class FakeLambda {
  readonly executions = new Map<string, FakeExecution>();
  readonly commands: unknown[] = [];

  async send(command: unknown): Promise<unknown> {
    this.commands.push(command);
    if (command instanceof InvokeCommand) return this.invoke(command.input);
    if (command instanceof ListDurableExecutionsByFunctionCommand) {
      expect(command.input.FunctionName).toBe(NAME);
      // Lambda's filter matches more than the exact name: so does this one.
      const matching = [...this.executions.values()].filter((execution) =>
        execution.name.includes(command.input.DurableExecutionName ?? ''),
      );
      return {
        DurableExecutions: matching.map((execution) => ({ DurableExecutionArn: execution.arn, DurableExecutionName: execution.name })),
      };
    }
    if (command instanceof GetDurableExecutionCommand) {
      const execution = this.byArn(command.input.DurableExecutionArn);
      return { Status: execution.status, InputPayload: execution.input, Result: execution.result, Error: execution.error };
    }
    if (command instanceof GetDurableExecutionHistoryCommand) {
      expect(command.input).toMatchObject({ IncludeExecutionData: false, ReverseOrder: true });
      return { Events: [...this.byArn(command.input.DurableExecutionArn).events].reverse() };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }

  private invoke(input: InvokeCommand['input']) {
    expect(input).toMatchObject({ FunctionName: ALIAS, InvocationType: 'Event' });
    const name = input.DurableExecutionName ?? '';
    const payload = new TextDecoder().decode(input.Payload as Uint8Array);
    const existing = this.executions.get(name);
    if (existing !== undefined && existing.input !== payload) {
      throw new DurableExecutionAlreadyStartedException({ message: 'already started with another input', $metadata: {} });
    }
    const arn =
      existing?.arn ?? `arn:aws:lambda:us-east-1:123456789012:function:${NAME}:1/durable-execution/${name}/${this.executions.size}`;
    if (existing === undefined) this.executions.set(name, { arn, name, input: payload, status: 'RUNNING', events: [] });
    return { StatusCode: 202, DurableExecutionArn: arn, $metadata: {} };
  }

  private byArn(arn: string | undefined): FakeExecution {
    const execution = [...this.executions.values()].find((candidate) => candidate.arn === arn);
    if (execution === undefined) throw new Error(`no execution ${arn}`);
    return execution;
  }
}

let lambda: FakeLambda;
let handler: typeof import('../../../functions/jobs').handler;

beforeEach(async () => {
  lambda = new FakeLambda();
  vi.spyOn(LambdaClient.prototype, 'send').mockImplementation((command: unknown) => lambda.send(command) as never);
  vi.stubEnv('DURABLE_COORDINATOR_ALIAS', ALIAS);
  vi.stubEnv('DURABLE_COORDINATOR_NAME', NAME);
  vi.stubEnv('JOB_MAX_NUMBERS', '2480');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.resetModules();
  ({ handler } = await import('../../../functions/jobs'));
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function request(
  routeKey: string,
  options: { body?: string; headers?: Record<string, string>; jobId?: string } = {},
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey,
    rawPath: options.jobId === undefined ? '/jobs' : `/jobs/${options.jobId}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.jobId === undefined ? {} : { pathParameters: { jobId: options.jobId } }),
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
  };
}

async function call(event: APIGatewayProxyEventV2) {
  const response = (await handler(event, lambdaContext('jobs-request'))) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(String(response.body)) };
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  call(request('POST /jobs', { body: typeof body === 'string' ? body : JSON.stringify(body), headers }));
const get = (jobId: string) => call(request('GET /jobs/{jobId}', { jobId }));

describe('POST /jobs', () => {
  it('starts an execution on the alias and answers 202 with the job ID, its status URL and a Location header', async () => {
    const { status, headers, body } = await post('{"numbers": [3, 123456789012345678901, "-12"]}');
    expect(status).toBe(202);
    expect(body).toEqual({ jobId: expect.stringMatching(/^[0-9a-f-]{36}$/), statusUrl: `/jobs/${body.jobId}` });
    expect(headers.location).toBe(body.statusUrl);
    // The execution's name is the job ID, and its input the numbers as they travel in JSON.
    expect([...lambda.executions.values()]).toMatchObject([{ name: body.jobId, input: '{"numbers":[3,"123456789012345678901",-12]}' }]);
  });

  it('gives a retry with the same Idempotency-Key and body the same job, and 409 to another body under that key', async () => {
    const key = { 'idempotency-key': 'order-42_retry' };
    const first = await post({ numbers: [1, 2] }, key);
    const retry = await post('{ "numbers" : [ 1 , 2 ] }', key);
    expect(first).toMatchObject({ status: 202, body: { jobId: 'order-42_retry', statusUrl: '/jobs/order-42_retry' } });
    expect(retry).toEqual(first);
    expect(lambda.executions.size).toBe(1);
    const other = await post({ numbers: [1, 2, 3] }, key);
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'IdempotencyKeyReused', message: expect.stringContaining('order-42_retry') });
  });

  it.each([['has space'], ['x'.repeat(65)], ['é']])('refuses the Idempotency-Key %j with 400, saying where', async (key) => {
    const { status, body } = await post({ numbers: [1] }, { 'idempotency-key': key });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'InvalidIdempotencyKey', details: [{ path: 'headers.idempotency-key' }] });
    expect(lambda.executions.size).toBe(0);
  });

  it('takes 2,480 negative numbers of 20 digits in one job', async () => {
    const numbers = Array.from({ length: 2480 }, (_, index) => `-${String(index).padStart(20, '9')}`);
    const { status } = await post({ numbers });
    expect(status).toBe(202);
  });

  it("takes 332 numbers of 500 digits, and refuses 333 up front with 413 saying how many fit one execution's 1 MB of result", async () => {
    const number = `-${'9'.repeat(500)}`;
    expect((await post({ numbers: Array(332).fill(number) })).status).toBe(202);
    const { status, body } = await post({ numbers: Array(333).fill(number) });
    expect(status).toBe(413);
    expect(body.error).toMatchObject({ code: 'JobTooLarge', details: [{ path: 'numbers' }] });
    expect(body.error.message).toContain('split them into jobs of at most 332 numbers');
    expect(lambda.executions.size).toBe(1);
  });

  it('refuses more numbers than a job takes, and bad numbers with their paths', async () => {
    const tooMany = await post({ numbers: Array(2481).fill(1) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details).toEqual([{ path: 'numbers', message: 'at most 2480 items' }]);
    const bad = await post({ numbers: [1, 'two', 3, `${'1'.repeat(501)}`] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['numbers[1]', 'numbers[3]']);
    const form = await post('numbers=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(lambda.executions.size).toBe(0);
  });
});

describe('GET /jobs/{jobId}', () => {
  const started = async (numbers: number[]) => {
    const { body } = await post({ numbers });
    const execution = lambda.executions.get(body.jobId);
    if (execution === undefined) throw new Error('not started');
    return { jobId: body.jobId as string, execution };
  };
  const invokeEvent = (type: string, name: string): Event => ({ EventType: type as Event['EventType'], Name: name });

  it('answers 404 JobNotFound for a job that does not exist, or whose ID no execution could have', async () => {
    await started([1]);
    for (const jobId of ['no-such-job', 'bad id!']) {
      const { status, body } = await get(jobId);
      expect(status).toBe(404);
      expect(body.error.code).toBe('JobNotFound');
    }
  });

  it('finds its own execution when the name filter also matches others', async () => {
    await post({ numbers: [1] }, { 'idempotency-key': 'job-10' });
    await post({ numbers: [1, 2] }, { 'idempotency-key': 'job-1' });
    const { body } = await get('job-1');
    expect(body).toMatchObject({ jobId: 'job-1', progress: { total: 2 } });
  });

  it('shows a running job with its progress: the first attempts ended, retries not counted twice', async () => {
    const { jobId, execution } = await started([1, 2, 3, 4, 5]);
    execution.events.push(
      invokeEvent('ChainedInvokeStarted', 'square-0'),
      invokeEvent('ChainedInvokeStarted', 'square-1'),
      invokeEvent('ChainedInvokeSucceeded', 'square-0'),
      invokeEvent('ChainedInvokeStarted', 'square-2'),
      invokeEvent('ChainedInvokeFailed', 'square-1'),
      invokeEvent('ChainedInvokeStarted', 'square-1-attempt-2'),
      invokeEvent('ChainedInvokeSucceeded', 'square-1-attempt-2'),
    );
    const { status, body } = await get(jobId);
    expect(status).toBe(200);
    expect(body).toEqual({ jobId, status: 'RUNNING', progress: { done: 2, total: 5 } });
  });

  it('shows a succeeded job with results, lines and stats in the /square shape', async () => {
    const { jobId, execution } = await started([3, 4]);
    const result: SquareResponse = {
      results: [
        { number: 3, result: 9, processName: 'a' },
        { number: 4, error: { type: 'InvalidNumber', message: 'no' } },
      ],
      lines: ['3 squared to 9 by: a'],
      stats: { numbers: 2, succeeded: 1, failed: 1, invocations: 2, retries: 0, throttles: 0, peakConcurrency: 2, durationMs: 5 },
    };
    Object.assign(execution, { status: 'SUCCEEDED', result: JSON.stringify(result) });
    const { status, body } = await get(jobId);
    expect(status).toBe(200);
    expect(body).toEqual({ jobId, status: 'SUCCEEDED', progress: { done: 2, total: 2 }, ...result });
  });

  it("shows a failed job with its execution's error", async () => {
    const { jobId, execution } = await started([3]);
    Object.assign(execution, { status: 'FAILED', error: { ErrorType: 'InvalidJobInput', ErrorMessage: 'numbers[0]: bad' } });
    const { body } = await get(jobId);
    expect(body).toEqual({
      jobId,
      status: 'FAILED',
      progress: { done: 0, total: 1 },
      error: { type: 'InvalidJobInput', message: 'numbers[0]: bad' },
    });
  });
});
