/**
 * Part 7 on the local stack, in a process of its own: the direct path (`POST /square`) against a
 * job (`POST /jobs`, then `GET /jobs/{jobId}` every 250 ms until it ends) at each N, warm (one of
 * each at N = 100 first, not counted), one after the other on the same stack. A direct request
 * takes at most 1000 numbers, so a larger N is sent as that many requests of 1000 at once, as a
 * client would split it. Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { LOCAL_CREDENTIALS, signedFetch, startLocalStack } from '@multi-square/local-cloud';
import { projectDirectory } from './child';

export interface JobsBenchRow {
  readonly n: number;
  /** Requests of the direct path (N / 1000, rounded up), sent at once. */
  readonly directRequests: number;
  readonly directMs: number;
  readonly jobMs: number;
  /** The job's own figures (its `stats`): squarer invocations and retries. */
  readonly jobStats: unknown;
}

export interface JobsBenchResult {
  readonly rows: JobsBenchRow[];
}

const SIZES = (process.argv[2] ?? '100,1000,2480,12400').split(',').map(Number);
const DIRECT_MAX = 1000;
const POLL_MS = 250;

const stack = await startLocalStack({
  projectDirectory,
  httpPort: 0,
  lambdaPort: 0,
  credentials: LOCAL_CREDENTIALS,
  writeStateFile: false,
  logSink: () => {},
  // The bench's own requests and polls, not the stage's 10 per second, are what is measured.
  httpApiThrottling: { rateLimit: 10_000, burstLimit: 5_000 },
});

async function call(method: string, path: string, body?: string): Promise<{ status: number; document: Record<string, unknown> }> {
  const response = await signedFetch(
    `${stack.httpApiUrl}${path}`,
    { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }) },
    { region: stack.region, credentials: stack.credentials },
  );
  return { status: response.status, document: (await response.json()) as Record<string, unknown> };
}

/** Distinct negative numbers of 20 digits: the size jobs are stated for. */
const numbersOf = (n: number, salt: number) => Array.from({ length: n }, (_, i) => `-${String(salt * 10_000_000 + i).padStart(20, '9')}`);

async function direct(numbers: readonly string[]): Promise<number> {
  const t0 = performance.now();
  const chunks = Array.from({ length: Math.ceil(numbers.length / DIRECT_MAX) }, (_, i) =>
    numbers.slice(i * DIRECT_MAX, (i + 1) * DIRECT_MAX),
  );
  const answers = await Promise.all(chunks.map((chunk) => call('POST', '/square', JSON.stringify({ numbers: chunk }))));
  const ms = performance.now() - t0;
  const failed = answers.find((answer) => answer.status !== 200);
  if (failed !== undefined) throw new Error(`POST /square answered ${failed.status}: ${JSON.stringify(failed.document).slice(0, 300)}`);
  return ms;
}

async function job(numbers: readonly string[]): Promise<{ ms: number; stats: unknown }> {
  const t0 = performance.now();
  const started = await call('POST', '/jobs', JSON.stringify({ numbers }));
  if (started.status !== 202) throw new Error(`POST /jobs answered ${started.status}: ${JSON.stringify(started.document).slice(0, 300)}`);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const { status, document } = await call('GET', String(started.document.statusUrl));
    if (status === 200 && document.status === 'RUNNING') continue;
    if (status !== 200 || document.status !== 'SUCCEEDED') {
      throw new Error(`GET /jobs answered ${status}: ${JSON.stringify(document).slice(0, 300)}`);
    }
    return { ms: performance.now() - t0, stats: document.stats };
  }
}

try {
  // Warm: a coordinator, a durable coordinator and a jobs function, and the squarers' environments.
  await direct(numbersOf(100, 1));
  await job(numbersOf(100, 2));
  const rows: JobsBenchRow[] = [];
  for (const [index, n] of SIZES.entries()) {
    const directMs = await direct(numbersOf(n, 10 + index));
    const { ms: jobMs, stats } = await job(numbersOf(n, 20 + index));
    rows.push({ n, directRequests: Math.ceil(n / DIRECT_MAX), directMs, jobMs, jobStats: stats });
    process.stderr.write(`  N = ${n}: direct ${directMs.toFixed(0)} ms, job ${jobMs.toFixed(0)} ms\n`);
  }
  process.stdout.write(`${JSON.stringify({ rows } satisfies JobsBenchResult)}\n`);
} finally {
  await stack.close();
}
