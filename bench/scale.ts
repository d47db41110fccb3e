/**
 * Part 5: the local cloud at Lambda's scale (bench/scale-worker.ts in a process of its own), and
 * the lines of its section of the report, with the goals of issue 10 item 1.
 */
import path from 'node:path';
import { median, projectDirectory, runTs } from './child';
import type { ScaleMeasurement } from './scale-worker';

export type ScaleResult = ScaleMeasurement | { readonly failed: string };

export async function measureScale(log: (line: string) => void): Promise<ScaleResult> {
  const result = await runTs<ScaleMeasurement>(path.join(projectDirectory, 'bench/scale-worker.ts'), [], { timeoutMs: 300_000 }).catch(
    (error: unknown) => ({ failed: error instanceof Error ? error.message : String(error) }),
  );
  if ('failed' in result) {
    log(`  scale: ${result.failed}`);
    return result;
  }
  const f0 = (ms: number) => ms.toFixed(0);
  log(
    `  100 numbers, squarer ${result.squarerLatencyMs} ms: first ${f0(result.square100FirstMs)} ms (cold), then ${result.square100WarmMs.map(f0).join(', ')} ms`,
  );
  log(`  1000 numbers: ${result.square1000Ms.map(f0).join(', ')} ms with ${result.squarerEnvironmentsAfter1000} squarer environments`);
  const { memory200: m } = result;
  log(
    `  ${m.environments} environments: ${f0(m.rssMb)} MB resident (${(m.rssMb / m.environments).toFixed(1)} MB each), ${f0(m.pssMb)} MB proportional (${(m.pssMb / m.environments).toFixed(1)} MB each)`,
  );
  return result;
}

export function scaleReportLines(result: ScaleResult | undefined): string[] {
  const lines = ["## 6. The local cloud at Lambda's scale", ''];
  if (result === undefined || 'failed' in result) {
    lines.push(`Not measured${result === undefined ? '' : `: ${result.failed}`}.`, '');
    return lines;
  }
  const f0 = (ms: number) => ms.toFixed(0);
  const warm = median(result.square100WarmMs);
  const thousand = median(result.square1000Ms);
  const verdict = (met: boolean) => (met ? '**met**' : '**not met**');
  const { memory200: m } = result;
  lines.push(
    `bench/scale-worker.ts: a local stack started as \`npm start -- --latency-ms Squarer=${result.squarerLatencyMs}\` would start it (the squarer holds each invocation ${result.squarerLatencyMs} ms; the coordinator runs as fast as it can), ` +
      `signed \`POST /square\` requests one after the other, then 200 squarer invocations at once through the service. Every invocation in flight has an execution environment (a process) of its own; ` +
      `the local resource budget was ${result.maxEnvironments} environments; ${result.queuedLines} invocations waited for a local limit (QUEUED log lines: the budget, or the environments starting at once). ` +
      'The figures are wall times on a shared machine: other work on it (see the load average above) shows in them.',
    '',
    '| goal | measured | |',
    '|---|---|---|',
    `| 100 numbers once the environments exist ≤ 1.5 s | ${f0(warm)} ms (median of ${result.square100WarmMs.map(f0).join(', ')}) | ${verdict(warm <= 1500)} |`,
    `| 1000 numbers (coordinator maxConcurrency 100: ten waves) ≤ 12 s | ${f0(thousand)} ms (${result.square1000Ms.map(f0).join(', ')}), ${result.squarerEnvironmentsAfter1000} squarer environments | ${verdict(thousand <= 12_000)} |`,
    `| the first, cold request of 100 numbers (100 environments start) | ${f0(result.square100FirstMs)} ms | reported |`,
    `| 200 concurrent squarer environments | ${m.environments} alive; the 200 invocations took ${f0(result.concurrent200Ms)} ms | ${verdict(m.environments >= 200)} |`,
    '',
    `Memory of the ${m.environments} squarer environments, from /proc/<pid>/smaps_rollup: resident ${f0(m.rssMb)} MB (${(m.rssMb / m.environments).toFixed(1)} MB each), ` +
      `of which most are the node binary's pages shared by every environment; proportional set ${f0(m.pssMb)} MB (${(m.pssMb / m.environments).toFixed(1)} MB each); ` +
      `private ${f0(m.ussMb)} MB (${(m.ussMb / m.environments).toFixed(1)} MB each).`,
    '',
  );
  return lines;
}
