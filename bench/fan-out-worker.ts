/**
 * One fan-out measurement, in a process of its own: `node --import tsx bench/fan-out-worker.ts
 * <variant> <N> <endpoint-url>`. Warms up (JIT, credentials, endpoint, sockets; see WARM_UP below;
 * the first fan-out of the process is reported as the cold figure), then times five fan-outs of N
 * invocations (one at N = 5000) and prints one JSON line. The endpoint is HTTPS: its authority comes in
 * `NODE_EXTRA_CA_CERTS` (bench/tls-certificate.ts).
 *
 * Variants (see VARIANTS below):
 * - naive: what a first version would do: `new LambdaClient({})` and `Promise.all` of InvokeCommands.
 * - coordinator: the real fan-out of functions/coordinator.ts: `fanOut` + `createSquarerInvoker`
 *   + `createFanOutLambdaClient(maxConcurrency)`.
 * - the client ladder, each through the same `fanOut` + `createSquarerInvoker`: the SDK's default
 *   client, the stock client with a sized keep-alive pool, then each optional part of
 *   lambda-client.ts added in turn; and the SDK's `NodeHttp2Handler`, measured only.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { AbortInFlightHandler } from '../functions/commons/abort-in-flight-handler';
import { fanOut } from '../functions/commons/fan-out';
import { type ClientParts, createFanOutLambdaClient } from '../functions/commons/lambda-client';
import type { ParsedNumber } from '../functions/commons/square';
import { classifyInvokeError, createSquarerInvoker } from '../functions/commons/squarer-invoker';
import { median } from './child';
import { CLIENT_LADDER, type FanOutVariant, HTTP2_VARIANT, NO_PARTS } from './client-ladder';

export interface FanOutMeasurement {
  readonly variant: FanOutVariant;
  readonly n: number;
  readonly maxConcurrency: number | null;
  /** The median of the timed fan-outs (TIMED below). */
  readonly wallMs: number;
  /** process.cpuUsage() (user + system, all threads) over a timed fan-out, per invocation: the median of the timed fan-outs. */
  readonly cpuUsPerInvoke: number;
  readonly timedWallMs: readonly number[];
  readonly timedCpuUsPerInvoke: readonly number[];
  readonly userUsPerInvoke: number;
  readonly systemUsPerInvoke: number;
  /** Highest RSS / heapUsed sampled during the fan-out, less the value at its start. */
  readonly peakRssDeltaMb: number;
  readonly peakHeapDeltaMb: number;
  readonly peakRssMb: number;
  readonly failed: number;
  /** The first fan-out of a fresh process: cold JIT, a new TLS connection per socket. */
  readonly firstWallMs: number;
  readonly firstCpuUsPerInvoke: number;
  /** The coordinator's client built (and prepared, unless BENCH_PREPARE=off) before the first fan-out: wall and CPU. */
  readonly initMs: number;
  readonly initCpuUs: number;
  readonly warmUpSize: number;
  readonly warmUpInvocations: number;
}

const VARIANTS: readonly string[] = ['naive', 'coordinator', ...CLIENT_LADDER.map((row) => row.variant), HTTP2_VARIANT.variant];
const [variantArg = '', nArg, endpoint] = process.argv.slice(2);
if (!VARIANTS.includes(variantArg) || nArg === undefined || endpoint === undefined) {
  throw new Error(`usage: fan-out-worker.ts <${VARIANTS.join('|')}> <N> <endpoint-url>`);
}
const variant = variantArg as FanOutVariant;
const n = Number(nArg);
/** The coordinator's cap: all of N in flight, up to the 1000 that Lambda's default account concurrency allows. */
const MAX_CONCURRENCY_CAP = 1000;
const maxConcurrency = Math.min(n, MAX_CONCURRENCY_CAP);
/**
 * The warm-up: fan-outs as large as the measured one (up to the cap). The first is the cold
 * figure: a fresh process, cold JIT, and a TLS handshake for every new connection. Then more,
 * until 10,000 invocations or 6 s after the first, so that the JIT has compiled the hot path, as
 * in an environment that has served a few requests. One fan-out is far from enough: CPU per
 * invoke keeps falling over the first ~10,000 invocations of a process.
 */
const WARM_UP = Math.min(n, MAX_CONCURRENCY_CAP);
const WARM_UP_INVOCATIONS = 10_000;
const WARM_UP_MS = 6000;
const FUNCTION_NAME = 'bench-squarer';

// Only the local endpoint, with dummy credentials: nothing leaves 127.0.0.1.
process.env.AWS_ENDPOINT_URL_LAMBDA = endpoint;
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCHMARK';
process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;

const numbers = (count: number, from: number): ParsedNumber[] =>
  Array.from({ length: count }, (_, i) => ({ kind: 'integer', value: BigInt(from + i) }));

type Run = (items: ParsedNumber[]) => Promise<number>;

/** `fanOut` + `createSquarerInvoker`, as the coordinator runs them, with the given client. */
function fanOutRun(client: LambdaClient): Run {
  const invoke = createSquarerInvoker({ client, functionName: FUNCTION_NAME });
  return async (items) => {
    const { outcomes } = await fanOut(items, invoke, {
      maxConcurrency,
      deadline: Date.now() + 60_000,
      retry: { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1000, budget: 20 + items.length },
      classify: classifyInvokeError,
    });
    const failures = outcomes.filter((outcome) => !outcome.ok);
    if (failures[0] !== undefined) process.stderr.write(`first failure: ${JSON.stringify(failures[0].error)}\n`);
    return failures.length;
  };
}

/** The client of a ladder row: the stock client with the parts of its row and of the rows above. */
function ladderClient(name: FanOutVariant): LambdaClient {
  if (name === 'sdk-default') return new LambdaClient({});
  const parts: Record<keyof ClientParts, boolean> = { ...NO_PARTS };
  for (const row of CLIENT_LADDER) {
    if ('part' in row) parts[row.part] = true;
    if (row.variant === name) return createFanOutLambdaClient(maxConcurrency, parts).client;
  }
  throw new Error(`no ladder row ${name}`);
}

function http2Client(): LambdaClient {
  return new LambdaClient({
    maxAttempts: 1,
    requestHandler: new AbortInFlightHandler(new NodeHttp2Handler({ maxConcurrentStreams: maxConcurrency })),
  });
}

function naiveRun(): Run {
  const client = new LambdaClient({});
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return async (items) => {
    const answers = await Promise.all(
      items.map(async (item) => {
        const number = Number(item.value);
        const response = await client.send(
          new InvokeCommand({ FunctionName: FUNCTION_NAME, Payload: encoder.encode(JSON.stringify({ number })) }),
        );
        const answer = JSON.parse(decoder.decode(response.Payload)) as { number: unknown };
        return response.FunctionError === undefined && answer.number === number;
      }),
    );
    return answers.filter((ok) => !ok).length;
  };
}

/**
 * The coordinator's INIT: its client, prepared as functions/coordinator.ts prepares it (timed
 * apart, as INIT); BENCH_PREPARE=off leaves that to the first fan-out, as before it was prepared.
 */
const initCpu0 = process.cpuUsage();
const initT0 = performance.now();
let coordinatorClient: LambdaClient | undefined;
if (variant === 'coordinator') {
  const built = createFanOutLambdaClient(maxConcurrency);
  coordinatorClient = built.client;
  const prepare = process.env.BENCH_PREPARE ?? 'on';
  // client: the client alone; on: as the coordinator does (and a TLS session); connections-<k>: k idle connections instead.
  const connections = Number(/^connections-(\d+)$/.exec(prepare)?.[1] ?? 0);
  if (prepare !== 'off') await built.prepare(FUNCTION_NAME, { connections, tlsSession: prepare === 'on' });
}
const initMs = performance.now() - initT0;
const initCpu = process.cpuUsage(initCpu0);
const run =
  variant === 'naive' ? naiveRun() : fanOutRun(coordinatorClient ?? (variant === 'http2' ? http2Client() : ladderClient(variant)));
const warmCpu0 = process.cpuUsage();
const warmT0 = performance.now();
let warmUpFailed = await run(numbers(WARM_UP, 1_000_000));
const firstWallMs = performance.now() - warmT0;
const warmCpu = process.cpuUsage(warmCpu0);
let warmUpInvocations = WARM_UP;
const warmedAt = performance.now();
while (warmUpInvocations < WARM_UP_INVOCATIONS && performance.now() - warmedAt < WARM_UP_MS) {
  warmUpFailed += await run(numbers(WARM_UP, 1_000_000));
  warmUpInvocations += WARM_UP;
}
if (warmUpFailed > 0) throw new Error(`${warmUpFailed} warm-up invocations failed`);

const rss0 = process.memoryUsage().rss;
const heap0 = process.memoryUsage().heapUsed;
let peakRss = rss0;
let peakHeap = heap0;
const sampler = setInterval(() => {
  const { rss, heapUsed } = process.memoryUsage();
  if (rss > peakRss) peakRss = rss;
  if (heapUsed > peakHeap) peakHeap = heapUsed;
}, 5);
const items = numbers(n, 2);
// BENCH_PROFILE=<file.cpuprofile>: a CPU profile of the timed fan-outs alone (read it with bench/profile-summary.ts).
const profileFile = process.env.BENCH_PROFILE;
const profiler = profileFile ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
/**
 * Timed fan-outs of N, back to back: the median of five is steadier than one on a shared machine
 * (another process's burst touches one of them, not the median); one at N = 5000.
 */
const TIMED = n <= MAX_CONCURRENCY_CAP ? 5 : 1;
const timedWallMs: number[] = [];
const timedCpuUsPerInvoke: number[] = [];
let failed = 0;
let user = 0;
let system = 0;
for (let i = 0; i < TIMED; i += 1) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  failed += await run(items);
  timedWallMs.push(performance.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  timedCpuUsPerInvoke.push((cpu.user + cpu.system) / n);
  user += cpu.user;
  system += cpu.system;
}
clearInterval(sampler);
if (profiler && profileFile) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(profileFile, JSON.stringify(profile));
}
const { rss, heapUsed } = process.memoryUsage();
peakRss = Math.max(peakRss, rss);
peakHeap = Math.max(peakHeap, heapUsed);

const MB = 1024 * 1024;
const measurement: FanOutMeasurement = {
  variant,
  n,
  maxConcurrency: variant === 'naive' ? null : maxConcurrency,
  wallMs: median(timedWallMs),
  cpuUsPerInvoke: median(timedCpuUsPerInvoke),
  timedWallMs,
  timedCpuUsPerInvoke,
  userUsPerInvoke: user / (n * TIMED),
  systemUsPerInvoke: system / (n * TIMED),
  peakRssDeltaMb: (peakRss - rss0) / MB,
  peakHeapDeltaMb: (peakHeap - heap0) / MB,
  peakRssMb: peakRss / MB,
  failed,
  firstWallMs,
  firstCpuUsPerInvoke: (warmCpu.user + warmCpu.system) / WARM_UP,
  initMs,
  initCpuUs: initCpu.user + initCpu.system,
  warmUpSize: WARM_UP,
  warmUpInvocations,
};
process.stdout.write(`${JSON.stringify(measurement)}\n`);
process.exit(0);
