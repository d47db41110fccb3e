/**
 * The bench's pictures, drawn from a run's own results (results.json): written beside its
 * REPORT.md by bench/run.ts, and again by `--report-only`.
 */
import { median } from './child';
import type { Results } from './report';
import { barChart, lineChart } from './svg-chart';

/** File name → SVG text. */
export function charts(results: Results): Record<string, string> {
  const coordinator = results.fanOut.filter((row) => row.variant === 'coordinator').sort((a, b) => a.n - b.n);
  // Waves of at most maxConcurrency Invokes, each taking the endpoint's latency: no client can do better.
  const floor = (row: (typeof coordinator)[number]) => Math.ceil(row.n / (row.runs[0]?.maxConcurrency ?? row.n)) * results.latencyMs;
  const files: Record<string, string> = {
    'fan-out.svg': lineChart({
      title: `The coordinator's fan-out against a ${results.latencyMs} ms Invoke endpoint`,
      xLabel: 'numbers in the request (log scale)',
      yLabel: 'wall time (ms)',
      logX: true,
      series: [
        { name: 'first request (cold)', points: coordinator.map((row) => [row.n, row.firstWallMs] as const) },
        { name: 'warm (median)', points: coordinator.map((row) => [row.n, row.wallMs] as const) },
        { name: 'wave floor', points: coordinator.map((row) => [row.n, floor(row)] as const), dashed: true },
      ],
    }),
  };
  const endToEnd = results.endToEnd;
  if (endToEnd !== undefined) {
    const bars: { label: string; value: number }[] = [];
    if ('medianMs' in endToEnd.tutorial) bars.push({ label: 'tutorial (Python)', value: endToEnd.tutorial.medianMs });
    if ('squareFirstMs' in endToEnd.stack) {
      const stack = endToEnd.stack;
      bars.push({ label: 'first', value: stack.squareFirstMs });
      bars.push({ label: 'repeated', value: median(stack.squareWarmMs) });
      if (Array.isArray(stack.cliWarmMs)) bars.push({ label: 'CLI, repeated', value: median(stack.cliWarmMs) });
    }
    if ('medianMs' in endToEnd.cli) bars.push({ label: 'CLI + own stack', value: endToEnd.cli.medianMs });
    files['end-to-end.svg'] = barChart({
      title: `${endToEnd.n} numbers squared end to end, locally, against the tutorial`,
      yLabel: 'wall time (ms)',
      bars: bars.map((bar) => ({ ...bar, note: `${Math.round(bar.value)} ms` })),
    });
    if ('squareFirstMs' in endToEnd.stack && endToEnd.stack.initsPerRequest !== undefined) {
      const inits = endToEnd.stack.initsPerRequest;
      files['environments.svg'] = barChart({
        title: `Execution environments started per request of ${endToEnd.n} numbers, on a just-started stack`,
        yLabel: 'INIT_START lines (squarer and coordinator)',
        bars: inits.map((value, index) => ({ label: index === 0 ? 'first' : `repeat ${index}`, value, note: String(value) })),
      });
    }
  }
  return files;
}
