/**
 * The coordinator as it runs on Lambda, in a process of its own: its bundle's INIT, then its first
 * request (`POST /square` of N numbers: the cold figure), then more until it is warm, then five
 * timed requests (the warm figure). Prints one JSON line ({@link CoordinatorRequestMeasurement}).
 *
 * `node bench/coordinator-request-worker.ts <bundle file> <N> <endpoint-url>` (Node's own type
 * stripping, no loader: nothing but Node and the bundle in the process, as in an environment).
 * The endpoint is bench/invoke-endpoint.ts, its authority in `NODE_EXTRA_CA_CERTS`; the environment
 * names the squarer, MAX_CONCURRENCY and the rest as the stack does (bench/coordinator-request.ts).
 *
 * INIT is what Lambda's runtime does before the first request: load the handler's module (`require`
 * for CommonJS; for an ES module `import()`, which also waits for its top-level `await`). A CommonJS module's unfinished
 * promises are the first request's to finish, as on Lambda, where the invocation that caused the
 * start is already waiting when INIT ends.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export interface CoordinatorRequestMeasurement {
  readonly bundle: string;
  readonly n: number;
  /** Loading the handler's module (and, for an ES module, its top-level await): wall ms and CPU µs. */
  readonly initMs: number;
  readonly initCpuUs: number;
  /** The first request of the process. */
  readonly coldMs: number;
  readonly coldCpuUsPerInvoke: number;
  /** The timed warm requests, and their medians. */
  readonly warmMs: readonly number[];
  readonly warmCpuUsPerInvoke: readonly number[];
  readonly warmMedianMs: number;
  readonly warmMedianCpuUsPerInvoke: number;
  readonly warmUpRequests: number;
}

const [bundle, nArg, endpoint] = process.argv.slice(2);
if (bundle === undefined || nArg === undefined || endpoint === undefined) {
  throw new Error('usage: coordinator-request-worker.ts <bundle file> <N> <endpoint-url>');
}
const n = Number(nArg);
process.env.AWS_ENDPOINT_URL_LAMBDA = endpoint;

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

const cpuUs = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return user + system;
};
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

// BENCH_PROFILE_COLD=<file.cpuprofile>: a CPU profile of INIT and the first request.
const coldProfileFile = process.env.BENCH_PROFILE_COLD;
const coldProfiler = coldProfileFile ? new Session() : undefined;
if (coldProfiler) {
  coldProfiler.connect();
  await coldProfiler.post('Profiler.enable');
  await coldProfiler.post('Profiler.setSamplingInterval', { interval: 100 });
  await coldProfiler.post('Profiler.start');
}
const initCpu = process.cpuUsage();
const initT0 = performance.now();
// As Lambda's Node.js runtime loads a handler: `require` for CommonJS, `import()` for an ES module.
const { handler } = (bundle.endsWith('.mjs') ? await import(pathToFileURL(bundle).href) : createRequire(import.meta.url)(bundle)) as {
  handler: Handler;
};
const initMs = performance.now() - initT0;
const initCpuUs = cpuUs(initCpu);

let requests = 0;
/** One `POST /square` of N numbers, as API Gateway hands it to the function; wall ms and CPU µs per invoke. */
async function request(): Promise<{ ms: number; cpuUsPerInvoke: number }> {
  requests += 1;
  const body = JSON.stringify({ numbers: Array.from({ length: n }, (_, i) => i + requests * n) });
  const event = { body, isBase64Encoded: false, headers: { 'content-type': 'application/json' }, rawPath: '/square' };
  const deadline = Date.now() + 60_000;
  const context = {
    awsRequestId: `bench-${requests}`,
    functionName: 'bench-coordinator',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-coordinator',
    memoryLimitInMB: '1769',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const response = await handler(event, context);
  const ms = performance.now() - t0;
  const cpuUsPerInvoke = cpuUs(cpu0) / n;
  if (response.statusCode !== 200) throw new Error(`request ${requests}: ${response.statusCode} ${response.body.slice(0, 500)}`);
  return { ms, cpuUsPerInvoke };
}

const cold = await request();
if (coldProfiler && coldProfileFile) writeFileSync(coldProfileFile, JSON.stringify((await coldProfiler.post('Profiler.stop')).profile));
/** Warm-up: requests until 10,000 invocations or 6 s, as the fan-out worker warms up. */
const warmedAt = performance.now();
while (requests * n < 10_000 && performance.now() - warmedAt < 6000) await request();
const warmUpRequests = requests - 1;
const warm: { ms: number; cpuUsPerInvoke: number }[] = [];
// BENCH_PROFILE=<file.cpuprofile>: a CPU profile of the timed requests alone (bench/profile-summary.ts reads it).
const profileFile = process.env.BENCH_PROFILE;
const profiler = profileFile ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
for (let i = 0; i < 5; i += 1) warm.push(await request());
if (profiler && profileFile) writeFileSync(profileFile, JSON.stringify((await profiler.post('Profiler.stop')).profile));

const measurement: CoordinatorRequestMeasurement = {
  bundle,
  n,
  initMs,
  initCpuUs,
  coldMs: cold.ms,
  coldCpuUsPerInvoke: cold.cpuUsPerInvoke,
  warmMs: warm.map((w) => w.ms),
  warmCpuUsPerInvoke: warm.map((w) => w.cpuUsPerInvoke),
  warmMedianMs: median(warm.map((w) => w.ms)),
  warmMedianCpuUsPerInvoke: median(warm.map((w) => w.cpuUsPerInvoke)),
  warmUpRequests,
};
process.stdout.write(`\n${JSON.stringify(measurement)}\n`);
process.exit(0);
