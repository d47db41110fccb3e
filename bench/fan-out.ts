/**
 * Part 1: the coordinator's fan-out against a fixed-latency HTTPS Invoke endpoint in another
 * process, next to the naive baseline, and the client ladder; each measurement in a fresh process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { median, projectDirectory, runTs } from './child';
import { type FanOutVariant, HTTP2_VARIANT } from './client-ladder';
import type { FanOutMeasurement } from './fan-out-worker';
import { type BenchCertificate, makeBenchCertificate } from './tls-certificate';

/** Variants measured at one N, alternately, each in `repeats` fresh processes; the median is reported. */
interface FanOutGroup {
  readonly n: number;
  readonly variants: readonly FanOutVariant[];
  readonly repeats: number;
}

export interface FanOutPlan {
  readonly latencyMs: number;
  readonly groups: readonly FanOutGroup[];
}

export interface FanOutRow {
  readonly n: number;
  readonly variant: FanOutVariant;
  readonly runs: FanOutMeasurement[];
  /** Medians over the runs. */
  readonly wallMs: number;
  readonly cpuUsPerInvoke: number;
  readonly peakRssDeltaMb: number;
  readonly peakHeapDeltaMb: number;
  readonly firstWallMs: number;
  readonly firstCpuUsPerInvoke: number;
}

export interface Endpoint {
  /** HTTP/1.1 over TLS. */
  readonly url: string;
  /** HTTP/2 over TLS. */
  readonly h2Url: string;
  close(): void;
}

/** Starts bench/invoke-endpoint.ts in its own process; it exits when its stdin closes. */
export async function startEndpoint(latencyMs: number, certificate: BenchCertificate): Promise<Endpoint> {
  const script = path.join(projectDirectory, 'bench/invoke-endpoint.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(latencyMs), certificate.keyFile, certificate.certFile], {
    cwd: projectDirectory,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const { port, h2Port } = await new Promise<{ port: number; h2Port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Invoke endpoint did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the Invoke endpoint exited (${code})`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { port: number; h2Port: number });
    });
  });
  return {
    url: `https://127.0.0.1:${port}`,
    h2Url: `https://127.0.0.1:${h2Port}`,
    close: () => {
      child.stdin.end();
      child.kill('SIGTERM');
    },
  };
}

export async function measureFanOut(plan: FanOutPlan, log: (line: string) => void): Promise<FanOutRow[]> {
  const certificate = makeBenchCertificate();
  const rows: FanOutRow[] = [];
  let endpoint: Endpoint | undefined;
  try {
    endpoint = await startEndpoint(plan.latencyMs, certificate);
    for (const { n, variants, repeats } of plan.groups) {
      const runs = new Map<FanOutVariant, FanOutMeasurement[]>(variants.map((variant) => [variant, []]));
      // Alternate the variants, so that a change of load on the machine touches all alike.
      for (let i = 0; i < repeats; i += 1) {
        for (const variant of variants) {
          const measurement = await runTs<FanOutMeasurement>(
            path.join(projectDirectory, 'bench/fan-out-worker.ts'),
            [variant, String(n), variant === HTTP2_VARIANT.variant ? endpoint.h2Url : endpoint.url],
            { timeoutMs: 120_000, env: { NODE_EXTRA_CA_CERTS: certificate.caFile } },
          );
          if (measurement.failed > 0) throw new Error(`${variant} N=${n}: ${measurement.failed} invocations failed`);
          log(
            `  fan-out ${variant.padEnd(21)} N=${String(n).padEnd(5)} ${measurement.wallMs.toFixed(0)} ms, ${measurement.cpuUsPerInvoke.toFixed(0)} µs CPU/invoke; ` +
              `cold ${measurement.firstWallMs.toFixed(0)} ms, ${measurement.firstCpuUsPerInvoke.toFixed(0)} µs`,
          );
          runs.get(variant)?.push(measurement);
        }
      }
      for (const [variant, ofVariant] of runs) {
        const m = (pick: (r: FanOutMeasurement) => number) => median(ofVariant.map(pick));
        rows.push({
          n,
          variant,
          runs: ofVariant,
          wallMs: m((r) => r.wallMs),
          cpuUsPerInvoke: m((r) => r.cpuUsPerInvoke),
          peakRssDeltaMb: m((r) => r.peakRssDeltaMb),
          peakHeapDeltaMb: m((r) => r.peakHeapDeltaMb),
          firstWallMs: m((r) => r.firstWallMs),
          firstCpuUsPerInvoke: m((r) => r.firstCpuUsPerInvoke),
        });
      }
    }
  } finally {
    endpoint?.close();
    certificate.remove();
  }
  return rows;
}
