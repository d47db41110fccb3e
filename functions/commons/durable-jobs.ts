import {
  DurableExecutionAlreadyStartedException,
  type Event,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  type LambdaClient,
  ListDurableExecutionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import type { ItemError } from './fan-out';
import type { JobInput } from './job-limits';
import { BadRequestError } from './square-request';
import type { SquareResponse } from './square-response';

/**
 * Jobs as durable executions of the durable coordinator: a job's ID is its execution's name.
 * Nothing else is stored: Lambda keeps each execution, its input, result and history for the
 * function's retention period.
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html
 */

/** What a durable execution's name may be, so what a job ID and an `Idempotency-Key` may be. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export type JobStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED';

/** The body of `GET /jobs/{jobId}`: results, lines and stats once it has succeeded, its error once it failed. */
export type JobView = {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly progress: { readonly done: number; readonly total: number };
} & (Partial<SquareResponse> & { readonly error?: ItemError });

export interface DurableJobsOptions {
  readonly client: LambdaClient;
  /** The coordinator's alias ARN: a durable function is started by a qualified ARN. */
  readonly coordinatorAlias: string;
  /** The coordinator's name: its executions are listed across versions, so a deployment loses no job. */
  readonly coordinatorName: string;
}

/** A job's first squarer invocation, named by the coordinator (`square-<index>`); later attempts have a suffix. */
const FIRST_ATTEMPT = /^square-(\d+)$/;
/** The newest history events read to estimate a running job's progress: one page. */
const PROGRESS_EVENTS = 1000;

const encoder = new TextEncoder();

export class DurableJobs {
  constructor(private readonly options: DurableJobsOptions) {}

  /**
   * Starts the job named `jobId` (asynchronously: the answer comes before the first squarer).
   * Lambda makes the name idempotent: the same name and input is the job already started, another
   * input under the same name is refused, which the API answers 409.
   */
  async start(jobId: string, input: string): Promise<void> {
    try {
      await this.options.client.send(
        new InvokeCommand({
          FunctionName: this.options.coordinatorAlias,
          InvocationType: 'Event',
          DurableExecutionName: jobId,
          Payload: encoder.encode(input),
        }),
      );
    } catch (error) {
      if (error instanceof DurableExecutionAlreadyStartedException) {
        throw new BadRequestError(
          409,
          'IdempotencyKeyReused',
          `the Idempotency-Key ${JSON.stringify(jobId)} names a job started with other numbers; send those numbers, or another key`,
        );
      }
      throw error;
    }
  }

  /** The job as `GET /jobs/{jobId}` shows it, or undefined when there is no such job. */
  async read(jobId: string): Promise<JobView | undefined> {
    if (!JOB_ID_PATTERN.test(jobId)) return undefined;
    const arn = await this.findExecution(jobId);
    if (arn === undefined) return undefined;
    const execution = await this.options.client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    const status = (execution.Status ?? 'RUNNING') as JobStatus;
    const total = countNumbers(execution.InputPayload);
    if (status === 'SUCCEEDED' && execution.Result !== undefined) {
      const result = JSON.parse(execution.Result) as SquareResponse;
      return { jobId, status, progress: { done: total, total }, results: result.results, lines: result.lines, stats: result.stats };
    }
    const progress = { done: Math.min(total, await this.firstAttemptsDone(arn)), total };
    if (status === 'RUNNING') return { jobId, status, progress };
    return {
      jobId,
      status,
      progress,
      error: {
        type: execution.Error?.ErrorType ?? status,
        message: execution.Error?.ErrorMessage ?? `the job's execution ended ${status}`,
      },
    };
  }

  /** The execution named `jobId`: the name filter may match more than the exact name. */
  private async findExecution(jobId: string): Promise<string | undefined> {
    const { DurableExecutions = [] } = await this.options.client.send(
      new ListDurableExecutionsByFunctionCommand({ FunctionName: this.options.coordinatorName, DurableExecutionName: jobId }),
    );
    return DurableExecutions.find((execution) => execution.DurableExecutionName === jobId)?.DurableExecutionArn;
  }

  /**
   * An estimate, from one page of the newest history events, of how many numbers have had their
   * first squarer invocation end: the map starts numbers in index order, so every number up to the
   * highest started has started, and those started but not ended are still running. A number whose
   * start is older than the page and still running counts as done: a few at most, at the
   * coordinator's concurrency.
   */
  private async firstAttemptsDone(arn: string): Promise<number> {
    const { Events = [] } = await this.options.client.send(
      new GetDurableExecutionHistoryCommand({
        DurableExecutionArn: arn,
        IncludeExecutionData: false,
        ReverseOrder: true,
        MaxItems: PROGRESS_EVENTS,
      }),
    );
    const started = new Set<number>();
    const ended = new Set<number>();
    let highest = -1;
    for (const event of Events) {
      const index = firstAttemptIndex(event);
      if (index === undefined) continue;
      highest = Math.max(highest, index);
      (event.EventType === 'ChainedInvokeStarted' ? started : ended).add(index);
    }
    const running = [...started].filter((index) => !ended.has(index)).length;
    return Math.max(0, highest + 1 - running);
  }
}

function firstAttemptIndex(event: Event): number | undefined {
  if (!event.EventType?.startsWith('ChainedInvoke')) return undefined;
  const match = FIRST_ATTEMPT.exec(event.Name ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** How many numbers the execution was started with (the jobs API wrote its input). */
function countNumbers(inputPayload: string | undefined): number {
  if (inputPayload === undefined) return 0;
  try {
    const input = JSON.parse(inputPayload) as Partial<JobInput>;
    return Array.isArray(input.numbers) ? input.numbers.length : 0;
  } catch {
    return 0;
  }
}
