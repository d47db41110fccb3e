/**
 * `npm run square -- --job`: starts a job (`POST /jobs`), follows it (`GET /jobs/{jobId}`) with a
 * progress line on a terminal, and prints its lines when it ends; `--job-id` follows one already
 * started. The exit codes are the direct path's (cli/square.ts). Everything it touches is passed
 * in, so that it runs in process under test.
 */

/** Sends one request to the API: signed or not, as cli/square.ts decides. */
export type Send = (url: string, init: { method: string; headers?: Record<string, string>; body?: string }) => Promise<Response>;

export interface JobClientOptions {
  readonly send: Send;
  /** The API's base URL. */
  readonly url: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal: the progress line is drawn only there. */
  readonly isTTY: boolean;
  /** @default 1000 */
  readonly pollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Where each number came from (`argument 2`, `line 7 of numbers.txt`), for the failures' messages. */
type NumberSources = readonly string[];

interface ResultItem {
  readonly number: unknown;
  readonly error?: { readonly type: string; readonly message: string };
}

interface JobView {
  readonly jobId: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED';
  readonly progress?: { readonly done: number; readonly total: number };
  readonly lines?: unknown[];
  readonly results?: ResultItem[];
  readonly error?: { readonly type: string; readonly message: string };
}

/** Exit codes, as the direct path has them. */
const SQUARED = 0;
const SOME_FAILED = 1;
const REFUSED = 2;
const API_FAILED = 3;

/** Statuses a poll may get from an API that is busy, not broken. */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Failed polls in a row before following gives up (exit 3); with the doubling delays, about a minute at the 1 s interval. */
const MAX_FAILED_POLLS = 5;

/** Starts a job of `body` (the /square body) and follows it to its end. */
export async function startJob(
  body: string,
  sources: NumberSources,
  idempotencyKey: string | undefined,
  options: JobClientOptions,
): Promise<number> {
  const url = `${options.url.replace(/\/+$/, '')}/jobs`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  const answer = await request(options, url, { method: 'POST', headers, body });
  if ('failure' in answer) return apiFailed(options, answer);
  if (answer.status !== 202) return refusal(options, url, answer.status, answer.document, sources);
  const { jobId } = answer.document as { jobId?: unknown };
  if (typeof jobId !== 'string') {
    options.stderr(`${url} answered 202 without a jobId.\n`);
    return API_FAILED;
  }
  options.stderr(`Job ${jobId} started (follow it again with --job-id ${jobId}).\n`);
  return followJob(jobId, options, sources);
}

/** Polls the job until it ends, then prints its lines (stdout) and its failed numbers (stderr). */
export async function followJob(jobId: string, options: JobClientOptions, sources: NumberSources = []): Promise<number> {
  const url = `${options.url.replace(/\/+$/, '')}/jobs/${encodeURIComponent(jobId)}`;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  let drawn = false;
  let failedPolls = 0;
  for (;;) {
    const answer = await request(options, url, { method: 'GET' });
    // A poll is a read, safe to repeat: an API that is briefly unreachable, throttled or failing
    // (a jobs function past its timeout on a loaded machine, say) is asked again, later each time.
    const transient = answer.status === undefined || TRANSIENT_STATUSES.has(answer.status);
    if (transient && failedPolls < MAX_FAILED_POLLS) {
      failedPolls += 1;
      const delayMs = (options.pollIntervalMs ?? 1000) * 2 ** failedPolls;
      if (drawn) options.stderr('\r\u001b[K');
      drawn = false;
      options.stderr(
        `${'failure' in answer ? answer.failure : `${url} answered ${answer.status}: ${JSON.stringify(answer.document).slice(0, 200)}`}; asking again in ${delayMs / 1000} s (${failedPolls} of ${MAX_FAILED_POLLS})\n`,
      );
      await sleep(delayMs);
      continue;
    }
    if ('failure' in answer) return apiFailed(options, answer);
    failedPolls = 0;
    if (answer.status !== 200) {
      if (drawn) options.stderr('\r\u001b[K');
      return refusal(options, url, answer.status, answer.document, sources);
    }
    const job = answer.document as JobView;
    if (job.status !== 'RUNNING') {
      if (drawn) options.stderr('\r\u001b[K');
      return report(job, options, sources);
    }
    if (options.isTTY) {
      const { done = 0, total = 0 } = job.progress ?? {};
      options.stderr(`\rJob ${jobId}: ${done} of ${total} numbers done (${((now() - startedAt) / 1000).toFixed(1)} s)`);
      drawn = true;
    }
    await sleep(options.pollIntervalMs ?? 1000);
  }
}

function report(job: JobView, options: JobClientOptions, sources: NumberSources): number {
  if (job.status !== 'SUCCEEDED') {
    options.stderr(`Job ${job.jobId} ended ${job.status}: ${job.error?.type ?? ''}: ${job.error?.message ?? ''}\n`);
    return API_FAILED;
  }
  for (const line of job.lines ?? []) options.stdout(`${String(line)}\n`);
  const results = job.results ?? [];
  let failed = 0;
  results.forEach((item, index) => {
    if (item.error === undefined) return;
    failed += 1;
    options.stderr(
      `${String(item.number)} (${sources[index] ?? `numbers[${index}]`}, numbers[${index}]) failed: ${item.error.type}: ${item.error.message}\n`,
    );
  });
  if (failed === 0) return SQUARED;
  options.stderr(`${failed} of ${results.length} numbers could not be squared.\n`);
  return SOME_FAILED;
}

/** One request: its status and JSON body, or why there is none (the network, or a body that is not JSON). */
async function request(
  options: JobClientOptions,
  url: string,
  init: Parameters<Send>[1],
): Promise<{ status: number; document: unknown } | { failure: string; status?: number }> {
  let response: Response;
  let text: string;
  try {
    response = await options.send(url, init);
    text = await response.text();
  } catch (error) {
    return { failure: `Could not call ${url}: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    return { status: response.status, document: JSON.parse(text) };
  } catch {
    return { failure: `${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 500)}`, status: response.status };
  }
}

/** No answer to read: a 4xx is still a refusal (2); anything else is the API's failure (3). */
function apiFailed(options: JobClientOptions, answer: { failure: string; status?: number }): number {
  options.stderr(`${answer.failure}\n`);
  return answer.status !== undefined && answer.status >= 400 && answer.status < 500 ? REFUSED : API_FAILED;
}

/** A 4xx is a refusal (2), saying what and where; anything else is the API's failure (3). */
function refusal(options: JobClientOptions, url: string, status: number, document: unknown, sources: NumberSources): number {
  const error = (document as { error?: { code?: string; message?: string; details?: { path?: string; message?: string }[] } }).error;
  const lines = [`${url} answered ${status}: ${error?.code ?? ''}: ${error?.message ?? JSON.stringify(document)}`];
  for (const detail of error?.details ?? []) {
    const index = /^numbers\[(\d+)\]/.exec(String(detail.path))?.[1];
    const source = index === undefined ? undefined : sources[Number(index)];
    lines.push(`  ${source === undefined ? '' : `${source}, `}${String(detail.path)}: ${String(detail.message)}`);
  }
  options.stderr(`${lines.join('\n')}\n`);
  return status >= 400 && status < 500 ? REFUSED : API_FAILED;
}
