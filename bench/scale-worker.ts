/**
 * The local cloud at Lambda's scale, in a process of its own: a stack whose squarer takes 1000 ms
 * (`npm start -- --latency-ms Squarer=1000`), then `POST /square` with 100 numbers (the first
 * request starts the environments: cold; the next ones find them: warm) and 1000 numbers (the
 * coordinator's maxConcurrency of 100: ten waves); then 200 concurrent squarer invocations, and the
 * memory of their 200 environments read from /proc. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { LOCAL_CREDENTIALS, signedFetch, startLocalStack } from '@multi-square/local-cloud';
import { projectDirectory } from './child';

export interface EnvironmentMemory {
  readonly environments: number;
  /** Resident set of each environment, summed: counts the node binary's shared pages once per process. */
  readonly rssMb: number;
  /** Proportional set: shared pages divided among the processes that share them. */
  readonly pssMb: number;
  /** Pages of each process alone (private clean + dirty). */
  readonly ussMb: number;
  /** How much MemAvailable fell while the environments started. */
  readonly memAvailableDropMb: number;
}

export interface ScaleMeasurement {
  readonly squarerLatencyMs: number;
  readonly maxEnvironments: number;
  readonly square100FirstMs: number;
  readonly square100WarmMs: number[];
  readonly square1000Ms: number[];
  readonly squarerEnvironmentsAfter1000: number;
  readonly queuedLines: number;
  readonly concurrent200Ms: number;
  readonly memory200: EnvironmentMemory;
}

const LATENCY_MS = 1000;

function memAvailableMb(): number {
  const match = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

function memoryOf(pids: readonly number[]): Omit<EnvironmentMemory, 'memAvailableDropMb'> {
  let rss = 0;
  let pss = 0;
  let uss = 0;
  for (const pid of pids) {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    rss += field('Rss');
    pss += field('Pss');
    uss += field('Private_Clean') + field('Private_Dirty');
  }
  return { environments: pids.length, rssMb: rss / 1024, pssMb: pss / 1024, ussMb: uss / 1024 };
}

const memAvailableAtStart = memAvailableMb();
let queuedLines = 0;
const stack = await startLocalStack({
  projectDirectory,
  httpPort: 0,
  lambdaPort: 0,
  credentials: LOCAL_CREDENTIALS,
  writeStateFile: false,
  lambda: { faultInjection: { targeted: [{ functionMatch: 'Squarer', latencyMs: LATENCY_MS }] } },
  logSink: (record) => {
    if (record.source === 'function' && record.text.startsWith('QUEUED RequestId')) queuedLines += 1;
  },
});
try {
  const service = stack.invokeApi.service;
  const squarer = stack.assembly.functions.find((f) => f.logicalId.startsWith('Squarer'));
  if (squarer === undefined) throw new Error('no squarer in the assembly');
  const square = async (n: number): Promise<number> => {
    const body = JSON.stringify({ numbers: Array.from({ length: n }, (_, i) => i + 2) });
    const t0 = performance.now();
    const response = await signedFetch(
      `${stack.httpApiUrl}/square`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body },
      { region: stack.region, credentials: stack.credentials },
    );
    const answer = (await response.json()) as { stats?: { failed?: number; succeeded?: number } };
    const ms = performance.now() - t0;
    if (response.status !== 200 || answer.stats?.succeeded !== n) {
      throw new Error(`POST /square of ${n} numbers answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
    }
    return ms;
  };

  const square100FirstMs = await square(100);
  process.stderr.write(`first 100: ${square100FirstMs.toFixed(0)} ms\n`);
  const square100WarmMs = [await square(100), await square(100), await square(100)];
  const square1000Ms = [await square(1000), await square(1000)];
  const squarerEnvironmentsAfter1000 = service.environmentCount(squarer.name);
  process.stderr.write(
    `warm 100: ${square100WarmMs.map((ms) => ms.toFixed(0)).join(', ')} ms; 1000: ${square1000Ms.map((ms) => ms.toFixed(0)).join(', ')} ms; ${squarerEnvironmentsAfter1000} squarer environments\n`,
  );

  // 200 squarer invocations at once, each holding its environment for the injected second.
  const t0 = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: 200 }, (_, i) => service.invoke(squarer.name, Buffer.from(JSON.stringify({ number: i })))),
  );
  const concurrent200Ms = performance.now() - t0;
  const failed = outcomes.filter((outcome) => outcome.functionError !== undefined);
  if (failed.length > 0) throw new Error(`${failed.length} of 200 squarer invocations failed, e.g. ${failed[0]?.payload.toString('utf8')}`);
  const pids = service.environmentPids(squarer.name);
  const memory200 = { ...memoryOf(pids), memAvailableDropMb: memAvailableAtStart - memAvailableMb() };

  const measurement: ScaleMeasurement = {
    squarerLatencyMs: LATENCY_MS,
    maxEnvironments: service.maxEnvironments,
    square100FirstMs,
    square100WarmMs,
    square1000Ms,
    squarerEnvironmentsAfter1000,
    queuedLines,
    concurrent200Ms,
    memory200,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
} finally {
  await stack.close();
}
process.exit(0);
