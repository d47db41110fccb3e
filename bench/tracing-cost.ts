/**
 * What X-Ray tracing costs the coordinator: the bundle `cdk synth` builds with tracing on (the
 * default) against the one built with `-c tracing=false`, compared for size, load time (a fresh
 * Node process requiring it, as a cold start does) and CPU per squarer invocation of a warm
 * fan-out, the real bundled handler called with `POST /square` events against the bench's Invoke
 * endpoint. With tracing, the X-Ray daemon is a UDP socket of the bench's, which counts what the
 * SDK sends.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleFile, median, projectDirectory, run, runTs } from './child';
import { startEndpoint } from './fan-out';
import { makeBenchCertificate } from './tls-certificate';
import type { TraceHeader, TracingCostMeasurement } from './tracing-cost-worker';

export type TracingVariant = 'tracing off' | 'tracing on, no trace header' | 'tracing on, not sampled' | 'tracing on, sampled';

export interface TracingCostRow {
  readonly variant: TracingVariant;
  readonly bundleBytes: number;
  readonly gzipBytes: number;
  /** Median `require` time in fresh processes. */
  readonly loadMs: number;
  /** Median over processes of the CPU per squarer invocation of warm requests. */
  readonly cpuUsPerInvoke: number;
  readonly wallMsPerRequest: number;
  readonly cpuRuns: number[];
  /** Datagrams the X-Ray SDK sent to the daemon per timed request (sampled requests only). */
  readonly datagramsPerRequest: number;
  readonly bytesPerRequest: number;
}

export interface TracingCostResult {
  readonly n: number;
  readonly latencyMs: number;
  readonly processes: number;
  readonly loadRuns: number;
  readonly warmUpInvocations: number;
  readonly rows: TracingCostRow[];
}

const N = 1000;
const LATENCY_MS = 50;
const PROCESSES = 3;
const LOAD_RUNS = 9;
/** Fewer than part 1's 10,000: each is a whole handler call here, and four variants run three times. */
const WARM_UP_INVOCATIONS = 5_000;

/** Measured in the child: from just before the handler's module is loaded to just after (for an ES module, its top-level await too), in ms. */
const LOAD_PROBE = `
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
const file = process.argv[1];
(file.endsWith('.mjs') ? import(require('node:url').pathToFileURL(file).href) : Promise.resolve(require(file))).then(() => {
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }) + '\\n');
  process.exit(0);
});
`;

/** The coordinator's bundle of `cdk synth` with the given context. */
async function synthesizeCoordinator(outdir: string, tracing: boolean): Promise<string> {
  const synth = await run('npx', ['cdk', 'synth', '--quiet', '-c', `tracing=${tracing}`, '--output', outdir], { timeoutMs: 180_000 });
  if (synth.code !== 0) throw new Error(`cdk synth -c tracing=${tracing} failed: ${synth.stderr.slice(-2000)}`);
  const template = JSON.parse(readFileSync(path.join(outdir, 'MultiSquare.template.json'), 'utf8')) as {
    Resources: Record<string, { Type?: string; Metadata?: Record<string, unknown> }>;
  };
  const [, coordinator] =
    Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Coordinator')) ?? [];
  const assetPath = coordinator?.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') throw new Error('no coordinator asset in the template');
  return bundleFile(path.join(outdir, assetPath));
}

async function loadTime(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < LOAD_RUNS; i += 1) {
    const result = await run(process.execPath, ['-e', LOAD_PROBE, file], { env, cwd: path.dirname(file), timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`loading ${file} failed: ${result.stderr.slice(-1000)}`);
    times.push((JSON.parse(result.stdout.trim()) as { ms: number }).ms);
  }
  return median(times);
}

export async function measureTracingCost(log: (line: string) => void): Promise<TracingCostResult> {
  const outdirs = [
    mkdtempSync(path.join(tmpdir(), 'multi-square-bench-traced-')),
    mkdtempSync(path.join(tmpdir(), 'multi-square-bench-untraced-')),
  ] as const;
  // The same TLS stand-in for Lambda's endpoint as the fan-out rows use.
  const certificate = makeBenchCertificate();
  const endpoint = await startEndpoint(LATENCY_MS, certificate);
  const daemon = createSocket('udp4');
  let datagrams = 0;
  let bytes = 0;
  daemon.on('message', (message) => {
    datagrams += 1;
    bytes += message.byteLength;
  });
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  const udpPort = daemon.address().port;
  try {
    const traced = await synthesizeCoordinator(outdirs[0], true);
    const untraced = await synthesizeCoordinator(outdirs[1], false);
    log(`  bundles: ${readFileSync(traced).byteLength} B with tracing, ${readFileSync(untraced).byteLength} B without`);
    const loadEnv = {
      SQUARER_FUNCTION_NAME: 'bench-squarer',
      MAX_NUMBERS: '1000',
      MAX_CONCURRENCY: '100',
      DEADLINE_MARGIN_MS: '1000',
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: 'bench-coordinator',
      // INIT prepares the client (functions/coordinator.ts): towards a closed local port, never AWS.
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
      AWS_SECRET_ACCESS_KEY: 'bench-secret',
      NODE_OPTIONS: '',
    };
    const variants: { variant: TracingVariant; file: string; header: TraceHeader; daemon: boolean }[] = [
      { variant: 'tracing off', file: untraced, header: 'none', daemon: false },
      { variant: 'tracing on, no trace header', file: traced, header: 'none', daemon: false },
      { variant: 'tracing on, not sampled', file: traced, header: 'unsampled', daemon: true },
      { variant: 'tracing on, sampled', file: traced, header: 'sampled', daemon: true },
    ];
    const loads = new Map<TracingVariant, number>();
    for (const v of variants) {
      // As at a cold start on Lambda: with tracing, the daemon's address is in the environment.
      const env = { ...loadEnv, LAMBDA_TASK_ROOT: path.dirname(v.file) };
      loads.set(v.variant, await loadTime(v.file, v.daemon ? { ...env, AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${udpPort}` } : env));
    }
    const runs = new Map<TracingVariant, TracingCostMeasurement[]>();
    const sent = new Map<TracingVariant, { datagrams: number; bytes: number }>();
    // Alternating, so that the machine's other load falls on every variant alike.
    for (let p = 0; p < PROCESSES; p += 1) {
      for (const v of variants) {
        const before = { datagrams, bytes };
        const measurement = await runTs<TracingCostMeasurement>(
          path.join(projectDirectory, 'bench/tracing-cost-worker.ts'),
          [v.file, String(N), endpoint.url, v.header, String(udpPort), String(WARM_UP_INVOCATIONS)],
          { timeoutMs: 120_000, env: { NODE_EXTRA_CA_CERTS: certificate.caFile } },
        );
        // Let the last datagrams arrive before counting them.
        await new Promise((resolve) => setTimeout(resolve, 200));
        runs.set(v.variant, [...(runs.get(v.variant) ?? []), measurement]);
        const total = sent.get(v.variant) ?? { datagrams: 0, bytes: 0 };
        sent.set(v.variant, { datagrams: total.datagrams + datagrams - before.datagrams, bytes: total.bytes + bytes - before.bytes });
        log(
          `  ${v.variant}: ${measurement.cpuUsPerInvoke.toFixed(0)} µs CPU per invoke, ${measurement.wallMsPerRequest.toFixed(0)} ms per request of ${N}`,
        );
      }
    }
    const rows = variants.map(({ variant, file }): TracingCostRow => {
      const source = readFileSync(file);
      const measurements = runs.get(variant) ?? [];
      // Warm-up and timed requests both sent datagrams: per request, over all of them.
      const requestsPerProcess = (measurements[0]?.warmUpRequests ?? 0) + (measurements[0]?.requests ?? 0);
      const total = sent.get(variant) ?? { datagrams: 0, bytes: 0 };
      return {
        variant,
        bundleBytes: source.byteLength,
        gzipBytes: gzipSync(source, { level: 9 }).byteLength,
        loadMs: loads.get(variant) ?? NaN,
        cpuUsPerInvoke: median(measurements.map((m) => m.cpuUsPerInvoke)),
        wallMsPerRequest: median(measurements.map((m) => m.wallMsPerRequest)),
        cpuRuns: measurements.map((m) => m.cpuUsPerInvoke),
        datagramsPerRequest: total.datagrams / (requestsPerProcess * PROCESSES),
        bytesPerRequest: total.bytes / (requestsPerProcess * PROCESSES),
      };
    });
    return { n: N, latencyMs: LATENCY_MS, processes: PROCESSES, loadRuns: LOAD_RUNS, warmUpInvocations: WARM_UP_INVOCATIONS, rows };
  } finally {
    endpoint.close();
    certificate.remove();
    daemon.close();
    for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
  }
}

/** The report's section on tracing, compared with "tracing off" in the same run. */
export function tracingCostReport(result: TracingCostResult): string[] {
  const off = result.rows.find((r) => r.variant === 'tracing off');
  const f0 = (x: number) => x.toFixed(0);
  const f1 = (x: number) => x.toFixed(1);
  const ratio = (x: number, base: number | undefined) => (base === undefined ? '' : `${(x / base).toFixed(2)} ×`);
  const lines = ['## 5. Tracing: what X-Ray costs the coordinator', ''];
  lines.push(
    `The coordinator's bundle from \`cdk synth -c tracing=true\` and from \`cdk synth -c tracing=false\` (the default: the X-Ray SDK left out). ` +
      `Load: \`require(index.js)\` in a fresh \`node\`, median of ${result.loadRuns}; with tracing, AWS_XRAY_DAEMON_ADDRESS is set as Lambda sets it, so the Tracer is on. ` +
      `CPU: the bundled handler called with \`POST /square\` events of ${result.n} numbers against an Invoke endpoint answering after ${result.latencyMs} ms, after ${result.warmUpInvocations} warm-up invocations; ` +
      `\`process.cpuUsage()\` over 5 requests ÷ their invocations, median of ${result.processes} processes run alternately. ` +
      'Each request gets a fresh `_X_AMZN_TRACE_ID` as Lambda\'s runtime sets it; "sampled" requests send their subsegments by UDP to a socket of the bench standing in for the X-Ray daemon. ' +
      '"no trace header" is the traced bundle where no daemon address is set (as on the local cloud): the Tracer stays off, so what it shows is the cost of the X-Ray SDK merely loaded. ' +
      "Load times are the most sensitive to the machine's other load (see the load average above).",
    '',
  );
  lines.push(
    '| variant | index.js bytes | gzip -9 bytes | require ms | ÷ off | CPU µs / invoke | ÷ off | runs (µs / invoke) | ms per request | UDP datagrams / request | UDP KB / request |',
  );
  lines.push(`|${Array(11).fill('---').join('|')}|`);
  for (const r of result.rows) {
    lines.push(
      `| ${[r.variant, r.bundleBytes, r.gzipBytes, f1(r.loadMs), ratio(r.loadMs, off?.loadMs), f0(r.cpuUsPerInvoke), ratio(r.cpuUsPerInvoke, off?.cpuUsPerInvoke), r.cpuRuns.map(f0).join(', '), f0(r.wallMsPerRequest), f0(r.datagramsPerRequest), f1(r.bytesPerRequest / 1024)].join(' | ')} |`,
    );
  }
  lines.push('');
  return lines;
}
