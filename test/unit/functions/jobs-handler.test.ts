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
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  result?: string;
  error?: { ErrorType: string; ErrorMessage: string };
  events: Event[];
  startedAt?: Date;
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
      return {
        Status: execution.status,
        InputPayload: execution.input,
        Result: execution.result,
        Error: execution.error,
        StartTimestamp: execution.startedAt,
      };
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
    expect((await post({ numbers: [1] }, { 'idempotency-key': 'k'.repeat(62) })).status).toBe(202);
    expect(retry).toEqual(first);
    expect(lambda.executions.size).toBe(2);
    const other = await post({ numbers: [1, 2, 3] }, key);
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'IdempotencyKeyReused', message: expect.stringContaining('order-42_retry') });
  });

  it.each([['has space'], ['x'.repeat(63)], ['é']])('refuses the Idempotency-Key %j with 400, saying where', async (key) => {
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

  it('splits a job into executions as full as they fit, named from the job ID, up to 5 × 2,480 numbers of 20 digits', async () => {
    const numbers = (count: number) => Array.from({ length: count }, (_, index) => `-${String(index).padStart(20, '9')}`);
    const sizes = async (count: number) => {
      lambda.executions.clear();
      const { status, body } = await post({ numbers: numbers(count) });
      expect(status).toBe(202);
      return [...lambda.executions.values()].map((execution) => {
        const input = JSON.parse(execution.input);
        return [execution.name.replace(body.jobId, 'J'), input.numbers.length, input.job?.batch, input.job?.of];
      });
    };
    // One execution: named by the job ID and with its numbers alone, as before.
    expect(await sizes(2480)).toEqual([['J', 2480, undefined, undefined]]);
    expect(await sizes(2481)).toEqual([
      ['J', 2480, 0, 2],
      ['J-1', 1, 1, 2],
    ]);
    expect(await sizes(10_000)).toEqual([
      ['J', 2480, 0, 5],
      ['J-1', 2480, 1, 5],
      ['J-2', 2480, 2, 5],
      ['J-3', 2480, 3, 5],
      ['J-4', 80, 4, 5],
    ]);
    expect((await sizes(12_400)).map(([, size]) => size)).toEqual([2480, 2480, 2480, 2480, 2480]);
    lambda.executions.clear();
    const tooMany = await post({ numbers: numbers(12_401) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details).toEqual([{ path: 'numbers', message: 'at most 12400 items' }]);
    expect(lambda.executions.size).toBe(0);
  });

  it('takes 5 × 332 numbers of 500 digits, and refuses 1,661 up front with 413 saying how many fit, starting nothing', async () => {
    const number = `-${'9'.repeat(500)}`;
    expect((await post({ numbers: Array(332).fill(number) })).status).toBe(202);
    expect(lambda.executions.size).toBe(1);
    expect((await post({ numbers: Array(333).fill(number) })).status).toBe(202);
    expect(lambda.executions.size).toBe(3);
    expect((await post({ numbers: Array(1660).fill(number) })).status).toBe(202);
    expect(lambda.executions.size).toBe(8);
    const { status, body } = await post({ numbers: Array(1661).fill(number) });
    expect(status).toBe(413);
    expect(body.error).toMatchObject({ code: 'JobTooLarge', details: [{ path: 'numbers' }] });
    expect(body.error.message).toContain('split them into jobs of at most 1660 numbers');
    expect(lambda.executions.size).toBe(8);
  });

  it('gives a retry of a job of several executions the same job, starting nothing new, and 409 to another body under its key', async () => {
    const key = { 'idempotency-key': 'big-order' };
    const numbers = Array.from({ length: 5000 }, (_, index) => index);
    const first = await post({ numbers }, key);
    expect(first).toMatchObject({ status: 202, body: { jobId: 'big-order', statusUrl: '/jobs/big-order' } });
    expect([...lambda.executions.keys()]).toEqual(['big-order', 'big-order-1', 'big-order-2']);
    const invokes = () => lambda.commands.filter((command) => command instanceof InvokeCommand).length;
    const before = invokes();
    expect(await post({ numbers }, key)).toEqual(first);
    expect(lambda.executions.size).toBe(3);
    // Another body that differs only in its last execution's numbers is refused at the first execution.
    const other = await post({ numbers: [...numbers.slice(0, -1), 7] }, key);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IdempotencyKeyReused');
    expect(invokes() - before).toBe(4);
    expect(lambda.executions.size).toBe(3);
    // A POST that failed after its first executions started is completed by its retry.
    lambda.executions.delete('big-order-2');
    expect(await post({ numbers }, key)).toEqual(first);
    expect([...lambda.executions.keys()]).toEqual(['big-order', 'big-order-1', 'big-order-2']);
  });

  it('refuses more numbers than a job takes, and bad numbers with their paths', async () => {
    const tooMany = await post({ numbers: Array(12_401).fill(1) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details).toEqual([{ path: 'numbers', message: 'at most 12400 items' }]);
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

  describe('of a job of several executions', () => {
    const answer = (from: number, to: number, processName: string): SquareResponse => {
      const numbers = Array.from({ length: to - from }, (_, index) => from + index);
      return {
        results: numbers.map((number) => ({ number, result: number * number, processName })),
        lines: numbers.map((number) => `${number} squared to ${number * number} by: ${processName}`),
        stats: {
          numbers: numbers.length,
          succeeded: numbers.length,
          failed: 0,
          invocations: numbers.length,
          retries: 1,
          throttles: 0,
          peakConcurrency: 100,
          durationMs: from,
        },
      };
    };
    const bigJob = async () => {
      const { body } = await post({ numbers: Array.from({ length: 6000 }, (_, index) => index) });
      const executions = [body.jobId, `${body.jobId}-1`, `${body.jobId}-2`].map((name) => lambda.executions.get(name) as FakeExecution);
      return { jobId: body.jobId as string, executions };
    };
    const succeed = (execution: FakeExecution, result: SquareResponse) =>
      Object.assign(execution, { status: 'SUCCEEDED', result: JSON.stringify(result) });

    it('is RUNNING until every execution has ended, with their progress added up', async () => {
      const { jobId, executions } = await bigJob();
      const [first, second, third] = executions as [FakeExecution, FakeExecution, FakeExecution];
      succeed(first, answer(0, 2480, 'a'));
      second.events.push(invokeEvent('ChainedInvokeStarted', 'square-0'), invokeEvent('ChainedInvokeSucceeded', 'square-0'));
      Object.assign(third, { status: 'FAILED', error: { ErrorType: 'Boom', ErrorMessage: 'no' } });
      expect((await get(jobId)).body).toEqual({ jobId, status: 'RUNNING', progress: { done: 2481, total: 6000 } });
    });

    it('ends with the status of the first execution that did not succeed, saying which', async () => {
      const { jobId, executions } = await bigJob();
      const [first, second, third] = executions as [FakeExecution, FakeExecution, FakeExecution];
      succeed(first, answer(0, 2480, 'a'));
      Object.assign(second, { status: 'TIMED_OUT' });
      Object.assign(third, { status: 'FAILED', error: { ErrorType: 'Boom', ErrorMessage: 'no' } });
      expect((await get(jobId)).body).toEqual({
        jobId,
        status: 'TIMED_OUT',
        progress: { done: 2480, total: 6000 },
        error: { type: 'TIMED_OUT', message: "execution 2 of 3: the job's execution ended TIMED_OUT" },
      });
    });

    it('succeeds when every execution has, with results and lines in input order and stats added up', async () => {
      const { jobId, executions } = await bigJob();
      const [first, second, third] = executions as [FakeExecution, FakeExecution, FakeExecution];
      // Ended in another order than they started.
      succeed(third, answer(4960, 6000, 'c'));
      succeed(first, answer(0, 2480, 'a'));
      succeed(second, answer(2480, 4960, 'b'));
      const { status, body } = await get(jobId);
      expect(status).toBe(200);
      expect(body).toMatchObject({ jobId, status: 'SUCCEEDED', progress: { done: 6000, total: 6000 } });
      expect(body.results.map((item: { number: number }) => item.number)).toEqual(Array.from({ length: 6000 }, (_, index) => index));
      expect(body.lines).toHaveLength(6000);
      expect(body.lines[2480]).toBe('2480 squared to 6150400 by: b');
      expect(body.stats).toEqual({
        numbers: 6000,
        succeeded: 6000,
        failed: 0,
        invocations: 6000,
        retries: 3,
        throttles: 0,
        peakConcurrency: 300,
        durationMs: 4960,
      });
    });

    it('is RUNNING while a later execution may still be starting, and FAILED JobIncomplete a minute on', async () => {
      const { jobId, executions } = await bigJob();
      for (const execution of executions) succeed(execution, answer(0, 1, 'x'));
      lambda.executions.delete(`${jobId}-2`);
      (executions[0] as FakeExecution).startedAt = new Date(Date.now() - 5_000);
      expect((await get(jobId)).body).toMatchObject({ status: 'RUNNING' });
      (executions[0] as FakeExecution).startedAt = new Date(Date.now() - 61_000);
      expect((await get(jobId)).body).toMatchObject({ status: 'FAILED', error: { type: 'JobIncomplete' } });
    });

    it("is no job under a later execution's name, and never shows an execution it did not start", async () => {
      const { jobId, executions } = await bigJob();
      for (const execution of executions) succeed(execution, answer(0, 1, 'x'));
      expect((await get(`${jobId}-1`)).status).toBe(404);
      // Another caller's job of one execution holds the name of this job's third one.
      lambda.executions.delete(`${jobId}-2`);
      expect((await post({ numbers: [5] }, { 'idempotency-key': `${jobId}-2` })).status).toBe(202);
      succeed(lambda.executions.get(`${jobId}-2`) as FakeExecution, answer(5, 6, 'secret'));
      const { body } = await get(jobId);
      expect(body).toMatchObject({
        status: 'FAILED',
        error: { type: 'JobIncomplete', message: expect.stringContaining('execution 3 of 3') },
      });
      expect(JSON.stringify(body)).not.toContain('secret');
    });
  });
});
