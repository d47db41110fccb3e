/**
 * Part 1: the coordinator's fan-out against a fixed-latency Invoke endpoint in another process,
 * next to the naive baseline, each measurement in a fresh process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { median, projectDirectory, runTs } from './child';
import type { FanOutMeasurement, FanOutVariant } from './fan-out-worker';

export interface FanOutPlan {
  readonly latencyMs: number;
  readonly sizes: readonly number[];
  /** Fresh processes per (variant, N); the median is reported. */
  readonly repeats: (n: number) => number;
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
  readonly url: string;
  close(): void;
}

/** Starts bench/invoke-endpoint.ts in its own process; it exits when its stdin closes. */
export async function startEndpoint(latencyMs: number): Promise<Endpoint> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectDirectory, 'bench/invoke-endpoint.ts'), String(latencyMs)], {
    cwd: projectDirectory,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Invoke endpoint did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the Invoke endpoint exited (${code})`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      child.stdin.end();
      child.kill('SIGTERM');
    },
  };
}

export async function measureFanOut(plan: FanOutPlan, log: (line: string) => void): Promise<FanOutRow[]> {
  const endpoint = await startEndpoint(plan.latencyMs);
  const rows: FanOutRow[] = [];
  try {
    for (const n of plan.sizes) {
      const runs: Record<FanOutVariant, FanOutMeasurement[]> = { coordinator: [], naive: [] };
      // Alternate the variants, so that a change of load on the machine touches both alike.
      for (let i = 0; i < plan.repeats(n); i += 1) {
        for (const variant of ['coordinator', 'naive'] as const) {
          const measurement = await runTs<FanOutMeasurement>(
            path.join(projectDirectory, 'bench/fan-out-worker.ts'),
            [variant, String(n), endpoint.url],
            { timeoutMs: 120_000 },
          );
          if (measurement.failed > 0) throw new Error(`${variant} N=${n}: ${measurement.failed} invocations failed`);
          log(`  fan-out ${variant.padEnd(11)} N=${String(n).padEnd(5)} ${measurement.wallMs.toFixed(0)} ms, ${measurement.cpuUsPerInvoke.toFixed(0)} µs CPU/invoke`);
          runs[variant].push(measurement);
        }
      }
      for (const variant of ['coordinator', 'naive'] as const) {
        const ofVariant = runs[variant];
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
    endpoint.close();
  }
  return rows;
}
