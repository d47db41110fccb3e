/**
 * The coordinator's first request and its warm requests, as it runs on Lambda (its bundle's INIT,
 * then `POST /square`), against the HTTPS Invoke endpoint of part 1, each process fresh, bundles
 * alternated: issue 20's criterion for the coordinator. `npm run bench` runs it as its part
 * `coordinator`; by hand: `node --import tsx bench/coordinator-request.ts [rounds=3] [bundles=esm] [N=1000]`,
 * where each bundle is a shape (esm: as the stack builds it; cjs, cjs-unminified), or `<shape>@<checkout>` for another tree's
 * functions/ (`git archive main functions | tar -x -C <checkout>`), to compare trees in one run;
 * a trailing `@h2` points that bundle at the endpoint's HTTP/2 port (for a tree whose client speaks it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../lib/config';
import { median, projectDirectory, run } from './child';
import { type BundleShape, buildCoordinatorBundle } from './coordinator-bundle';
import type { CoordinatorRequestMeasurement } from './coordinator-request-worker';
import { startEndpoint } from './fan-out';
import { makeBenchCertificate } from './tls-certificate';

/** Issue 20's criterion: cold (a fresh process's first request) and warm, against the wave floor. */
export const COORDINATOR_CRITERIA = {
  cold: { wallOverFloor: 1.5, cpuUsPerInvoke: 600 },
  warm: { wallOverFloor: 1.2, cpuUsPerInvoke: 200 },
} as const;

export interface CoordinatorRequestResult {
  readonly n: number;
  readonly latencyMs: number;
  readonly maxConcurrency: number;
  /** ⌈N ÷ maxConcurrency⌉ waves of L: no fan-out at this concurrency can be faster. */
  readonly floorMs: number;
  readonly shapes: Record<string, CoordinatorRequestMeasurement[]>;
}

export async function measureCoordinatorRequests(
  { n, latencyMs, rounds, shapes }: { n: number; latencyMs: number; rounds: number; shapes: readonly string[] },
  log: (line: string) => void,
): Promise<CoordinatorRequestResult> {
  const maxConcurrency = DEFAULT_CONFIG.maxConcurrency;
  const scratch = mkdtempSync(path.join(tmpdir(), 'coordinator-request-'));
  const certificate = makeBenchCertificate();
  const endpoint = await startEndpoint(latencyMs, certificate);
  try {
    const bundles = new Map<string, string>();
    for (const [i, label] of shapes.entries()) {
      const [shape = 'esm', checkout] = label.replace(/@h2$/, '').split('@');
      bundles.set(label, await buildCoordinatorBundle(path.join(scratch, String(i)), shape as BundleShape, checkout));
    }
    const runs: Record<string, CoordinatorRequestMeasurement[]> = Object.fromEntries(shapes.map((shape) => [shape, []]));
    for (let round = 0; round < rounds; round += 1) {
      // Alternated, and reversed every other round, so that a change of load touches every shape alike.
      for (const shape of round % 2 === 0 ? shapes : [...shapes].reverse()) {
        const result = await run(
          process.execPath,
          [
            path.join(projectDirectory, 'bench/coordinator-request-worker.ts'),
            bundles.get(shape) as string,
            String(n),
            shape.endsWith('@h2') ? endpoint.h2Url : endpoint.url,
          ],
          {
            timeoutMs: 300_000,
            cwd: path.dirname(bundles.get(shape) as string),
            env: {
              NODE_EXTRA_CA_CERTS: certificate.caFile,
              NODE_OPTIONS: '',
              // As the stack configures the coordinator (lib/multi-square-stack.ts), with dummy credentials.
              SQUARER_FUNCTION_NAME: 'bench-squarer',
              MAX_NUMBERS: String(DEFAULT_CONFIG.maxNumbers),
              MAX_CONCURRENCY: String(maxConcurrency),
              DEADLINE_MARGIN_MS: '1000',
              AWS_REGION: 'us-east-1',
              AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
              AWS_SECRET_ACCESS_KEY: 'bench-secret',
              AWS_SESSION_TOKEN: '',
              AWS_PROFILE: '',
              POWERTOOLS_DEV: '',
            },
          },
        );
        const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
        if (result.code !== 0 || !lastLine.startsWith('{')) {
          throw new Error(`coordinator request worker (${shape}) failed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
        }
        const m = JSON.parse(lastLine) as CoordinatorRequestMeasurement;
        runs[shape]?.push(m);
        log(
          `  coordinator ${shape.padEnd(14)} INIT ${m.initMs.toFixed(0)} ms (${(m.initCpuUs / 1000).toFixed(0)} ms CPU); ` +
            `first request ${m.coldMs.toFixed(0)} ms, ${m.coldCpuUsPerInvoke.toFixed(0)} µs CPU/invoke; warm ${m.warmMedianMs.toFixed(0)} ms, ${m.warmMedianCpuUsPerInvoke.toFixed(0)} µs`,
        );
      }
    }
    return { n, latencyMs, maxConcurrency, floorMs: Math.ceil(n / maxConcurrency) * latencyMs, shapes: runs };
  } finally {
    endpoint.close();
    certificate.remove();
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface CoordinatorVerdicts {
  readonly coldWallOverFloor: number;
  readonly coldCpuUsPerInvoke: number;
  readonly warmWallOverFloor: number;
  readonly warmCpuUsPerInvoke: number;
  readonly initMs: number;
  readonly initCpuUs: number;
  readonly coldMet: boolean;
  readonly warmMet: boolean;
}

/** Medians over the fresh processes of one shape, and whether each criterion is met. */
export function coordinatorVerdicts(result: CoordinatorRequestResult, shape: string): CoordinatorVerdicts | undefined {
  const runs = result.shapes[shape];
  if (runs === undefined || runs.length === 0) return undefined;
  const m = (pick: (r: CoordinatorRequestMeasurement) => number) => median(runs.map(pick));
  const coldWallOverFloor = m((r) => r.coldMs) / result.floorMs;
  const coldCpuUsPerInvoke = m((r) => r.coldCpuUsPerInvoke);
  const warmWallOverFloor = m((r) => r.warmMedianMs) / result.floorMs;
  const warmCpuUsPerInvoke = m((r) => r.warmMedianCpuUsPerInvoke);
  const { cold, warm } = COORDINATOR_CRITERIA;
  return {
    coldWallOverFloor,
    coldCpuUsPerInvoke,
    warmWallOverFloor,
    warmCpuUsPerInvoke,
    initMs: m((r) => r.initMs),
    initCpuUs: m((r) => r.initCpuUs),
    coldMet: coldWallOverFloor <= cold.wallOverFloor && coldCpuUsPerInvoke <= cold.cpuUsPerInvoke,
    warmMet: warmWallOverFloor <= warm.wallOverFloor && warmCpuUsPerInvoke <= warm.cpuUsPerInvoke,
  };
}

/** The table and its met / not met lines, for the terminal and for REPORT.md alike. */
export function coordinatorTable(result: CoordinatorRequestResult): string[] {
  const { cold, warm } = COORDINATOR_CRITERIA;
  const lines = [
    `| bundle | INIT ms (CPU ms) | cold: wall ÷ floor | cold: CPU µs / invoke | warm: wall ÷ floor | warm: CPU µs / invoke | cold (≤ ${cold.wallOverFloor} ×, ≤ ${cold.cpuUsPerInvoke} µs) | warm (≤ ${warm.wallOverFloor} ×, ≤ ${warm.cpuUsPerInvoke} µs) |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const shape of Object.keys(result.shapes)) {
    const v = coordinatorVerdicts(result, shape);
    if (v === undefined) continue;
    lines.push(
      `| ${shape} | ${v.initMs.toFixed(0)} (${(v.initCpuUs / 1000).toFixed(0)}) | ${v.coldWallOverFloor.toFixed(2)} | ${v.coldCpuUsPerInvoke.toFixed(0)} | ${v.warmWallOverFloor.toFixed(2)} | ${v.warmCpuUsPerInvoke.toFixed(0)} | ${v.coldMet ? 'met' : 'not met'} | ${v.warmMet ? 'met' : 'not met'} |`,
    );
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [roundsArg = '3', shapesArg = 'esm', nArg = '1000'] = process.argv.slice(2);
  const result = await measureCoordinatorRequests(
    { n: Number(nArg), latencyMs: 50, rounds: Number(roundsArg), shapes: shapesArg.split(',') },
    console.log,
  );
  console.log(`\nN = ${result.n}, L = ${result.latencyMs} ms, maxConcurrency ${result.maxConcurrency}: floor ${result.floorMs} ms`);
  for (const line of coordinatorTable(result)) console.log(line);
}
