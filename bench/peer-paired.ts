/**
 * The local cloud against the peer users would pick instead (issue 20, item 5): serverless-offline
 * 13.10.1 on serverless 3.40.0, installed on demand (bench/peer-install.ts), in its default worker
 * threads and in its in-process mode, all three serving the squarer (bench/peer-emulators.ts),
 * invoked the same way in one run: the stock SDK `LambdaClient` on a keep-alive pool of
 * `CONCURRENCY` sockets, as bench/invoke-rate-paired.ts invokes.
 * - **Warm**: each emulator is warmed until its tasks (processes and threads) stop growing, then
 *   batches alternate between the three in an order rotated each round; per batch, the rate and
 *   the CPU of the emulator's whole process tree (/proc: the local cloud and its environments;
 *   serverless-offline with its worker threads) per invocation. Ratios are medians of per-round ratios.
 * - **Cold**: a freshly started emulator's first `COLD_INVOCATIONS` invocations at concurrency
 *   `COLD_CONCURRENCY`, one emulator at a time: throughput, p50 and p95 latency.
 * Prints one JSON line ({@link PeerMeasurement}, or `{unavailable}` when the peer cannot be installed).
 *
 * Run: `node_modules/.bin/node --import tsx bench/peer-paired.ts [--rounds 8] [--batch 1500] [--cold-rounds 2]`.
 */
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { median } from './child';
import {
  CREDENTIALS,
  type Emulator,
  nodeBinary,
  prepareService,
  SIDES,
  type SideName,
  startLocalCloud,
  startServerlessOffline,
} from './peer-emulators';
import { pairedRatios, percentile, type RatioSummary, rotation } from './peer-figures';
import { type InstalledPeer, installPeer } from './peer-install';
import { mainThreadCpuMicros, treeUsage } from './proc-stat';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    batch: { type: 'string', default: '1500' },
    'cold-rounds': { type: 'string', default: '2' },
  },
});
const ROUNDS = Number(values.rounds);
const BATCH = Number(values.batch);
const COLD_ROUNDS = Number(values['cold-rounds']);
const CONCURRENCY = 32;
const COLD_INVOCATIONS = 1000;
const COLD_CONCURRENCY = 100;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface WarmBatch {
  readonly failures: number;
  readonly firstFailure?: string;
  readonly invocationsPerSecond: number;
  /** CPU of the emulator's process tree ÷ invocations, µs. */
  readonly cpuMicrosPerInvocation: number;
  /** CPU of the emulator's main thread alone (its JavaScript thread: server, scheduling, logs) ÷ invocations, µs. */
  readonly mainThreadCpuMicrosPerInvocation: number;
  /** CPU of this process (the SDK client) ÷ invocations, µs. */
  readonly clientCpuMicrosPerInvocation: number;
}

interface ColdRun {
  readonly readyMs: number;
  readonly failures: number;
  readonly firstFailure?: string;
  readonly invocationsPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly cpuMicrosPerInvocation: number;
  /** Processes and threads of the emulator's tree after the run. */
  readonly processes: number;
  readonly threads: number;
}

export interface PeerSideResult {
  readonly side: SideName;
  readonly warm: {
    readonly invocationsPerSecond: number;
    readonly cpuMicrosPerInvocation: number;
    readonly mainThreadCpuMicrosPerInvocation: number;
    readonly clientCpuMicrosPerInvocation: number;
    readonly processes: number;
    readonly threads: number;
    /** Failed invocations in all its timed batches. */
    readonly failures: number;
    readonly batches: readonly WarmBatch[];
  };
  readonly cold: {
    readonly invocationsPerSecond: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly cpuMicrosPerInvocation: number;
    readonly failures: number;
    readonly runs: readonly ColdRun[];
  };
}

export interface PeerMeasurement {
  readonly versions: Record<string, string>;
  readonly installedThisRun: boolean;
  readonly node: string;
  readonly rounds: number;
  readonly batch: number;
  readonly concurrency: number;
  readonly coldInvocations: number;
  readonly coldConcurrency: number;
  readonly coldRounds: number;
  readonly sides: readonly PeerSideResult[];
  readonly ratios: {
    /** Issue 20's criterion: ≤ 1. */
    readonly warmCpuLocalToInProcess: RatioSummary;
    readonly warmCpuLocalToWorker: RatioSummary;
    readonly warmRateLocalToInProcess: RatioSummary;
    readonly warmRateLocalToWorker: RatioSummary;
    /** Issue 20's criterion against serverless-offline's default (worker threads): ≤ 1. */
    readonly coldP50LocalToWorker: RatioSummary;
    readonly coldP50LocalToInProcess: RatioSummary;
  };
  readonly loadAverage: { readonly start: number; readonly end: number };
}

function clientOf(emulator: Emulator, sockets: number): LambdaClient {
  return new LambdaClient({
    endpoint: emulator.lambdaUrl,
    region: emulator.region,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: sockets }) }),
  });
}

interface Invoked {
  readonly wallMs: number;
  /** Invocations that failed (a function error, a reset connection): counted, not retried. */
  readonly failures: number;
  readonly firstFailure?: string;
}

/**
 * `count` invocations, `concurrency` at a time; each successful one's latency into `latencies` when
 * given. A failure is counted and the run goes on: serverless-offline, its event loop blocked while
 * it starts worker threads, resets a few keep-alive connections at cold starts on a loaded machine
 * (a request already sent, its idle timer fired first); more than 10 % of them stops the bench.
 */
async function invokeMany(
  emulator: Emulator,
  client: LambdaClient,
  count: number,
  concurrency: number,
  latencies?: number[],
): Promise<Invoked> {
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const encoder = new TextEncoder();
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const sentAt = performance.now();
        try {
          const output = await client.send(
            new InvokeCommand({ FunctionName: emulator.functionName, Payload: encoder.encode(`{"number":${next}}`) }),
          );
          if (output.FunctionError !== undefined || output.StatusCode !== 200)
            throw new Error(`the squarer failed: ${new TextDecoder().decode(output.Payload).slice(0, 300)}`);
          latencies?.push(performance.now() - sentAt);
        } catch (error) {
          failures += 1;
          firstFailure ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
      }
    }),
  );
  if (failures > count / 10) throw new Error(`${emulator.side}: ${failures} of ${count} invocations failed, the first: ${firstFailure}`);
  return { wallMs: performance.now() - startedAt, failures, ...(firstFailure === undefined ? {} : { firstFailure }) };
}

interface WarmSide {
  readonly emulator: Emulator;
  readonly client: LambdaClient;
  processes: number;
  threads: number;
}

/** Warmed until the tree's tasks stop growing: no environment or worker starts inside a timed batch. */
async function warmUp(emulator: Emulator): Promise<WarmSide> {
  const side: WarmSide = { emulator, client: clientOf(emulator, CONCURRENCY), processes: 0, threads: 0 };
  let threads = -1;
  for (let round = 0; round < 20; round += 1) {
    await invokeMany(emulator, side.client, 1000, CONCURRENCY);
    const usage = treeUsage(emulator.pid);
    side.processes = usage.processes;
    side.threads = usage.threads;
    if (usage.threads <= threads) break;
    threads = usage.threads;
  }
  log(`  ${emulator.side}: warm with ${side.processes} processes, ${side.threads} threads`);
  return side;
}

async function timeBatch(side: WarmSide): Promise<WarmBatch> {
  const before = treeUsage(side.emulator.pid).cpuMicros;
  const mainBefore = mainThreadCpuMicros(side.emulator.pid);
  const clientBefore = process.cpuUsage();
  const { wallMs, failures, firstFailure } = await invokeMany(side.emulator, side.client, BATCH, CONCURRENCY);
  const client = process.cpuUsage(clientBefore);
  const after = treeUsage(side.emulator.pid).cpuMicros;
  const mainAfter = mainThreadCpuMicros(side.emulator.pid);
  return {
    failures,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    mainThreadCpuMicrosPerInvocation: (mainAfter - mainBefore) / BATCH,
    invocationsPerSecond: ((BATCH - failures) / wallMs) * 1000,
    cpuMicrosPerInvocation: (after - before) / BATCH,
    clientCpuMicrosPerInvocation: (client.user + client.system) / BATCH,
  };
}

function start(peer: InstalledPeer, service: string, side: SideName, tag: string): Promise<Emulator> {
  return side === 'local' ? startLocalCloud(peer, tag) : startServerlessOffline(peer, service, side, tag);
}

async function coldRun(peer: InstalledPeer, service: string, side: SideName, tag: string): Promise<ColdRun> {
  const emulator = await start(peer, service, side, tag);
  const client = clientOf(emulator, COLD_CONCURRENCY);
  try {
    const before = treeUsage(emulator.pid).cpuMicros;
    const latencies: number[] = [];
    const { wallMs, failures, firstFailure } = await invokeMany(emulator, client, COLD_INVOCATIONS, COLD_CONCURRENCY, latencies);
    const after = treeUsage(emulator.pid);
    return {
      readyMs: emulator.readyMs,
      failures,
      ...(firstFailure === undefined ? {} : { firstFailure }),
      invocationsPerSecond: (latencies.length / wallMs) * 1000,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      cpuMicrosPerInvocation: (after.cpuMicros - before) / COLD_INVOCATIONS,
      processes: after.processes,
      threads: after.threads,
    };
  } finally {
    client.destroy();
    await emulator.stop();
  }
}

async function measure(peer: InstalledPeer): Promise<PeerMeasurement> {
  const loadAtStart = loadavg()[0] ?? 0;
  // The local cloud first: it synthesizes the app whose squarer bundle serverless-offline then serves.
  const emulators: Emulator[] = [await startLocalCloud(peer, 'warm')];
  const warm = new Map<SideName, WarmSide>();
  const batches = new Map<SideName, WarmBatch[]>(SIDES.map((side) => [side, []]));
  let service: string;
  try {
    service = prepareService(peer);
    for (const side of ['worker', 'in-process'] as const) emulators.push(await startServerlessOffline(peer, service, side, 'warm'));
    log(`  started: ${emulators.map((e) => `${e.side} in ${(e.readyMs / 1000).toFixed(1)} s`).join(', ')}`);
    for (const emulator of emulators) warm.set(emulator.side, await warmUp(emulator));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const side of rotation(SIDES, round)) batches.get(side)?.push(await timeBatch(warm.get(side) as WarmSide));
      const figures = SIDES.map((side) => {
        const last = batches.get(side)?.at(-1);
        return `${side} ${last?.invocationsPerSecond.toFixed(0)}/s ${last?.cpuMicrosPerInvocation.toFixed(0)} µs`;
      });
      log(`  round ${round + 1}/${ROUNDS}: ${figures.join(', ')}`);
    }
  } finally {
    for (const side of warm.values()) side.client.destroy();
    for (const emulator of emulators) await emulator.stop();
  }
  const cold = new Map<SideName, ColdRun[]>(SIDES.map((side) => [side, []]));
  for (let round = 0; round < COLD_ROUNDS; round += 1) {
    for (const side of rotation(SIDES, round)) {
      const run = await coldRun(peer, service, side, `cold-${round + 1}`);
      cold.get(side)?.push(run);
      log(
        `  cold ${round + 1}/${COLD_ROUNDS} ${side}: ${run.invocationsPerSecond.toFixed(0)}/s, p50 ${run.p50Ms.toFixed(0)} ms, p95 ${run.p95Ms.toFixed(0)} ms`,
      );
    }
  }
  const warmOf = (side: SideName) => batches.get(side) ?? [];
  const coldOf = (side: SideName) => cold.get(side) ?? [];
  const sides = SIDES.map((side): PeerSideResult => {
    const own = warmOf(side);
    const runs = coldOf(side);
    return {
      side,
      warm: {
        invocationsPerSecond: median(own.map((b) => b.invocationsPerSecond)),
        cpuMicrosPerInvocation: median(own.map((b) => b.cpuMicrosPerInvocation)),
        mainThreadCpuMicrosPerInvocation: median(own.map((b) => b.mainThreadCpuMicrosPerInvocation)),
        clientCpuMicrosPerInvocation: median(own.map((b) => b.clientCpuMicrosPerInvocation)),
        processes: warm.get(side)?.processes ?? 0,
        threads: warm.get(side)?.threads ?? 0,
        failures: own.reduce((sum, b) => sum + b.failures, 0),
        batches: own,
      },
      cold: {
        invocationsPerSecond: median(runs.map((r) => r.invocationsPerSecond)),
        p50Ms: median(runs.map((r) => r.p50Ms)),
        p95Ms: median(runs.map((r) => r.p95Ms)),
        cpuMicrosPerInvocation: median(runs.map((r) => r.cpuMicrosPerInvocation)),
        failures: runs.reduce((sum, r) => sum + r.failures, 0),
        runs,
      },
    };
  });
  const warmRatio = (figure: 'invocationsPerSecond' | 'cpuMicrosPerInvocation', other: SideName) =>
    pairedRatios(
      warmOf('local').map((b) => b[figure]),
      warmOf(other).map((b) => b[figure]),
    );
  const coldRatio = (other: SideName) =>
    pairedRatios(
      coldOf('local').map((r) => r.p50Ms),
      coldOf(other).map((r) => r.p50Ms),
    );
  return {
    versions: peer.versions,
    installedThisRun: peer.installed,
    node: nodeBinary,
    rounds: ROUNDS,
    batch: BATCH,
    concurrency: CONCURRENCY,
    coldInvocations: COLD_INVOCATIONS,
    coldConcurrency: COLD_CONCURRENCY,
    coldRounds: COLD_ROUNDS,
    sides,
    ratios: {
      warmCpuLocalToInProcess: warmRatio('cpuMicrosPerInvocation', 'in-process'),
      warmCpuLocalToWorker: warmRatio('cpuMicrosPerInvocation', 'worker'),
      warmRateLocalToInProcess: warmRatio('invocationsPerSecond', 'in-process'),
      warmRateLocalToWorker: warmRatio('invocationsPerSecond', 'worker'),
      coldP50LocalToWorker: coldRatio('worker'),
      coldP50LocalToInProcess: coldRatio('in-process'),
    },
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
  };
}

const peer = await installPeer(log);
const result = 'unavailable' in peer ? peer : await measure(peer);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
