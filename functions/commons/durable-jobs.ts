import { createHash } from 'node:crypto';
import {
  DurableExecutionAlreadyStartedException,
  type Event,
  GetDurableExecutionCommand,
  type GetDurableExecutionCommandOutput,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  type LambdaClient,
  ListDurableExecutionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import type { ItemError } from './fan-out';
import { encodeJobInput, JOB_MAX_EXECUTIONS, type JobInput } from './job-limits';
import type { NumberValue } from './square';
import { BadRequestError } from './square-request';
import type { SquareResponse } from './square-response';

/**
 * Jobs as durable executions of the durable coordinator. A job of one execution is named by its job
 * ID; a larger one is split (job-limits.ts, splitJob) into up to 5 executions named `<jobId>`,
 * `<jobId>-1`, … `<jobId>-4`, each tagged in its input with the job ID, its place, their count and a
 * digest of all the job's numbers, and joined on read. Nothing else is stored: Lambda keeps each
 * execution, its input, result and history for the function's retention period.
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html
 */

/** What a durable execution's name may be, so what a job ID may be. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** What an `Idempotency-Key` may be: a job ID with room for the `-<n>` of its later executions. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{1,62}$/;

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

/** What a job of several executions writes into each one's input beside its numbers. */
interface BatchTag {
  readonly id: string;
  readonly batch: number;
  readonly of: number;
  /** SHA-256 (base64url) of all the job's numbers: another body under the same key differs in every execution's input. */
  readonly digest: string;
}

/** One execution of a job, as read. */
interface BatchView {
  readonly status: JobStatus;
  readonly done: number;
  readonly total: number;
  readonly result?: SquareResponse;
  readonly error?: ItemError;
}

/** The name of a job's execution `batch`: the first is the job ID itself, so a job of one execution is named as before. */
export function executionName(jobId: string, batch: number): string {
  return batch === 0 ? jobId : `${jobId}-${batch}`;
}

/** The input of each execution of a job of `batches`: a job of one is `{"numbers": [...]}` alone. */
export function batchInputs(jobId: string, batches: readonly (readonly NumberValue[])[]): string[] {
  if (batches.length === 1) return batches.map(encodeJobInput);
  const digest = createHash('sha256').update(encodeJobInput(batches.flat())).digest('base64url');
  return batches.map((numbers, batch) =>
    JSON.stringify({ numbers, job: { id: jobId, batch, of: batches.length, digest } satisfies BatchTag }),
  );
}

/** A job's first squarer invocation, named by the coordinator (`square-<index>`); later attempts have a suffix. */
const FIRST_ATTEMPT = /^square-(\d+)$/;
/** How long after a job's first execution started its later ones may still be starting: the jobs handler's timeout, and more. */
const START_GRACE_MS = 60_000;
/** The newest history events read to estimate a running job's progress: one page. */
const PROGRESS_EVENTS = 1000;

const encoder = new TextEncoder();

export class DurableJobs {
  constructor(private readonly options: DurableJobsOptions) {}

  /**
   * Starts the job named `jobId`, one execution per input, in order (asynchronously: the answer
   * comes before the first squarer). Lambda makes each name idempotent: the same name and input is
   * the execution already started, another input under the same name is refused, which the API
   * answers 409. Every input of a job of several carries the digest of all its numbers, so another
   * body under the same key is refused at the first execution, before anything starts.
   */
  async start(jobId: string, inputs: readonly string[]): Promise<void> {
    for (const [batch, input] of inputs.entries()) {
      try {
        await this.options.client.send(
          new InvokeCommand({
            FunctionName: this.options.coordinatorAlias,
            InvocationType: 'Event',
            DurableExecutionName: executionName(jobId, batch),
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
  }

  /**
   * The job as `GET /jobs/{jobId}` shows it, or undefined when there is no such job: RUNNING until
   * every execution has ended, then the first one's status that did not succeed, or SUCCEEDED with
   * their results and lines joined in input order.
   */
  async read(jobId: string): Promise<JobView | undefined> {
    if (!JOB_ID_PATTERN.test(jobId)) return undefined;
    const first = await this.readExecution(jobId);
    if (first === undefined) return undefined;
    const tag = readTag(first.input);
    // An execution that is a later part of some job is no job of its own.
    if (tag !== undefined && (tag.id !== jobId || tag.batch !== 0)) return undefined;
    const count = tag?.of ?? 1;
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, async (_, index): Promise<BatchView> => {
        const batch = index + 1;
        const execution = await this.readExecution(executionName(jobId, batch));
        const its = execution === undefined ? undefined : readTag(execution.input);
        // Never show an execution this job did not start: its name could be another job's.
        if (execution === undefined || its === undefined || its.id !== jobId || its.batch !== batch || its.digest !== tag?.digest) {
          // A POST still starting its executions (a GET by Idempotency-Key may come before its 202).
          const startedAt = first.StartTimestamp?.getTime() ?? 0;
          if (execution === undefined && Date.now() - startedAt < START_GRACE_MS) return { status: 'RUNNING', done: 0, total: 0 };
          return incomplete(batch, count);
        }
        return this.view(execution);
      }),
    );
    return join(jobId, [await this.view(first), ...rest], count);
  }

  /** The execution named `name`, with its input: the name filter may match more than the exact name. */
  private async readExecution(name: string): Promise<(GetDurableExecutionCommandOutput & { arn: string; input: string }) | undefined> {
    const { DurableExecutions = [] } = await this.options.client.send(
      new ListDurableExecutionsByFunctionCommand({ FunctionName: this.options.coordinatorName, DurableExecutionName: name }),
    );
    const arn = DurableExecutions.find((execution) => execution.DurableExecutionName === name)?.DurableExecutionArn;
    if (arn === undefined) return undefined;
    const execution = await this.options.client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    return { ...execution, arn, input: execution.InputPayload ?? '' };
  }

  private async view(execution: GetDurableExecutionCommandOutput & { arn: string; input: string }): Promise<BatchView> {
    const status = (execution.Status ?? 'RUNNING') as JobStatus;
    const total = countNumbers(execution.input);
    if (status === 'SUCCEEDED' && execution.Result !== undefined) {
      return { status, done: total, total, result: JSON.parse(execution.Result) as SquareResponse };
    }
    const done = Math.min(total, await this.firstAttemptsDone(execution.arn));
    if (status === 'RUNNING') return { status, done, total };
    const error = {
      type: execution.Error?.ErrorType ?? status,
      message: execution.Error?.ErrorMessage ?? `the job's execution ended ${status}`,
    };
    return { status, done, total, error };
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

/** A later execution that is missing (its start failed and was not retried) or is not this job's. */
function incomplete(batch: number, count: number): BatchView {
  return {
    status: 'FAILED',
    done: 0,
    total: 0,
    error: {
      type: 'JobIncomplete',
      message: `execution ${batch + 1} of ${count} of this job was never started; POST the same numbers with the same Idempotency-Key to start it`,
    },
  };
}

/** The job from its executions, in order. */
function join(jobId: string, batches: readonly BatchView[], count: number): JobView {
  const progress = {
    done: batches.reduce((sum, batch) => sum + batch.done, 0),
    total: batches.reduce((sum, batch) => sum + batch.total, 0),
  };
  if (batches.some((batch) => batch.status === 'RUNNING')) return { jobId, status: 'RUNNING', progress };
  const index = batches.findIndex((batch) => batch.status !== 'SUCCEEDED' || batch.result === undefined);
  const ended = batches[index];
  if (ended !== undefined) {
    const error = ended.error ?? { type: ended.status, message: `the job's execution ended ${ended.status} without a result` };
    const message = count === 1 ? error.message : `execution ${index + 1} of ${count}: ${error.message}`;
    return { jobId, status: ended.status === 'SUCCEEDED' ? 'FAILED' : ended.status, progress, error: { type: error.type, message } };
  }
  const results = batches.map((batch) => batch.result as SquareResponse);
  const sum = (key: Exclude<keyof SquareResponse['stats'], 'durationMs'>) =>
    results.reduce((total, result) => total + result.stats[key], 0);
  return {
    jobId,
    status: 'SUCCEEDED',
    progress,
    results: results.flatMap((result) => result.results),
    lines: results.flatMap((result) => result.lines),
    stats: {
      numbers: sum('numbers'),
      succeeded: sum('succeeded'),
      failed: sum('failed'),
      invocations: sum('invocations'),
      retries: sum('retries'),
      throttles: sum('throttles'),
      // The executions run at once: each one's cap, added up.
      peakConcurrency: sum('peakConcurrency'),
      // From the first start to the last end, at most: the longest execution's.
      durationMs: Math.max(...results.map((result) => result.stats.durationMs)),
    },
  };
}

/** A job of several executions' tag in an execution's input; undefined for a job of one. */
function readTag(input: string): BatchTag | undefined {
  try {
    const { job } = JSON.parse(input) as { job?: Partial<BatchTag> };
    if (job === undefined || typeof job !== 'object' || job === null) return undefined;
    const { id, batch, of, digest } = job;
    if (typeof id !== 'string' || typeof batch !== 'number' || typeof of !== 'number' || typeof digest !== 'string') return undefined;
    // The jobs API writes at most JOB_MAX_EXECUTIONS; anything else is not its tag.
    if (!Number.isSafeInteger(of) || of < 1 || of > JOB_MAX_EXECUTIONS) return undefined;
    return { id, batch, of, digest };
  } catch {
    return undefined;
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
