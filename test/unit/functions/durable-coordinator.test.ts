/**
 * The durable coordinator run by AWS's own in-memory durable backend, LocalDurableTestRunner: its
 * map, chained invokes, checkpoints and replays are the SDK's, and the squarer registered as the
 * chained-invoke target is the real handler (functions/squarer.ts), faults injected around it.
 */
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobOperations } from '../../../functions/commons/job-limits';
import type { NumberValue } from '../../../functions/commons/square';
import type { ResultItem, SquareResponse } from '../../../functions/commons/square-response';
import type { SquareResult } from '../../../functions/commons/squarer-contract';
import { handler as squarer } from '../../../functions/squarer';

const SQUARER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Squarer:1';

vi.stubEnv('SQUARER_FUNCTION', SQUARER_ARN);
vi.stubEnv('JOB_MAX_NUMBERS', '2480');
vi.stubEnv('JOB_MAX_CONCURRENCY', '50');
vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', 'ERROR');
const { handler } = await import('../../../functions/durable-coordinator');

beforeAll(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true }));
afterAll(() => LocalDurableTestRunner.teardownTestEnvironment());

/** An error as the Node.js runtime reports a handler's: its name is the invocation's errorType. */
function functionError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

type Squarer = (event: { number: NumberValue }, context: Context) => Promise<SquareResult>;

/** Runs one job through the runner with `target` as the squarer; answers its result and each chained invoke's count. */
async function runJob(numbers: NumberValue[], target: Squarer = squarer) {
  const calls = new Map<string, number>();
  const runner = new LocalDurableTestRunner<SquareResponse>({ handlerFunction: handler });
  runner.registerFunction(SQUARER_ARN, async (event: { number: NumberValue }, context: Context) => {
    const key = String(event.number);
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return target(event, context);
  });
  const execution = await runner.run({ payload: { numbers } });
  return { execution, calls };
}

describe('durable coordinator', () => {
  it('squares each number in its own chained invoke, in input order, each with its own request ID', async () => {
    const { execution, calls } = await runJob([3, -4, '123456789012345678901']);
    expect(execution.getStatus()).toBe('SUCCEEDED');
    const { results, lines, stats } = execution.getResult() as SquareResponse;
    expect(results.map((item) => ('result' in item ? item.result : item.error))).toEqual([
      9,
      16,
      (123456789012345678901n ** 2n).toString(),
    ]);
    const processNames = results.map((item) => ('processName' in item ? item.processName : ''));
    expect(new Set(processNames).size).toBe(3);
    expect(lines[0]).toBe(`3 squared to 9 by: ${processNames[0]}`);
    expect(stats).toMatchObject({ numbers: 3, succeeded: 3, failed: 0, invocations: 3, retries: 0, peakConcurrency: 3 });
    expect([...calls.values()]).toEqual([1, 1, 1]);
    const invokes = execution.getOperations().filter((operation) => operation.getType() === 'CHAINED_INVOKE');
    expect(invokes.map((operation) => operation.getName()).sort()).toEqual(['square-0', 'square-1', 'square-2']);
  });

  it('keeps 100 numbers in place when some squarers fail, with their errors as the direct API reports them', async () => {
    const numbers = Array.from({ length: 100 }, (_, index) => index + 1);
    const failedOnce = new Set<number>();
    const { execution, calls } = await runJob(numbers, async (event, context) => {
      const number = Number(event.number);
      // A final failure: the squarer refuses the number, as its own InvalidNumber would.
      if (number % 10 === 3) throw functionError('InvalidNumber', `${number} is unlucky`);
      // Its environment crashed once: retried in the next round, then squared.
      if (number % 50 === 5 && !failedOnce.has(number)) {
        failedOnce.add(number);
        throw functionError('Runtime.ExitError', 'RequestId: x Error: Runtime exited with error: signal: killed');
      }
      // Crashes every time: given up after the last attempt, with the runtime's errorType.
      if (number === 77) throw functionError('Runtime.ExitError', 'Runtime exited with error: exit status 1');
      return squarer(event, context);
    });
    expect(execution.getStatus()).toBe('SUCCEEDED');
    const { results, lines, stats } = execution.getResult() as SquareResponse;
    expect(results).toHaveLength(100);
    results.forEach((item: ResultItem, index) => {
      const number = index + 1;
      expect(item.number).toBe(number);
      if (number % 10 === 3) {
        expect(item).toEqual({ number, error: { type: 'InvalidNumber', message: `${number} is unlucky` } });
      } else if (number === 77) {
        expect(item).toEqual({ number, error: { type: 'Runtime.ExitError', message: 'Runtime exited with error: exit status 1' } });
      } else {
        expect(item).toMatchObject({ number, result: number * number });
      }
    });
    expect(stats).toMatchObject({ numbers: 100, failed: 11, succeeded: 89, retries: 2 + 2, invocations: 104 });
    expect(lines).toHaveLength(89);
    // InvalidNumber is final: one invoke each; a crash once: two; 77 crashes on all three attempts.
    expect(calls.get('13')).toBe(1);
    expect(calls.get('5')).toBe(2);
    expect(calls.get('77')).toBe(3);
    // The execution was suspended and replayed many times, and no replay invoked a squarer again.
    expect(execution.getInvocations().length).toBeGreaterThan(1);
    const retried = new Set([77, ...failedOnce]);
    expect(numbers.filter((number) => !retried.has(number) && calls.get(String(number)) !== 1)).toEqual([]);
    expect(execution.getOperations().length).toBeLessThanOrEqual(jobOperations(100));
  });

  it('reports an answer that is not the square as InvalidSquarerResponse, in place', async () => {
    const { execution } = await runJob([2, 3], async (event, context) => {
      const answer = await squarer(event, context);
      return event.number === 3 ? { ...answer, result: 10 } : answer;
    });
    const { results } = execution.getResult() as SquareResponse;
    expect(results[0]).toMatchObject({ number: 2, result: 4 });
    expect(results[1]).toEqual({
      number: 3,
      error: { type: 'InvalidSquarerResponse', message: 'the squarer answered 10 for 3, which is not its square' },
    });
  });

  it('fails the execution with InvalidJobInput, saying where, on input the jobs API would not send', async () => {
    const { execution, calls } = await runJob([1, 'x2'] as NumberValue[]);
    expect(execution.getStatus()).toBe('FAILED');
    expect(execution.getError()).toMatchObject({ errorType: 'InvalidJobInput', errorMessage: expect.stringContaining('numbers[1]') });
    expect(calls.size).toBe(0);
  });
});
