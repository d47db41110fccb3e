/**
 * Parts 2 and 4: the local stack against the project's Python baseline (bench/multi_square.py:
 * one process per number, as the multiprocessing tutorial's final script), and the local Invoke
 * API's warm throughput.
 */
import path from 'node:path';
import { median, projectDirectory, run, runTs } from './child';
import type { LocalStackMeasurement } from './local-stack-worker';

const PYTHON_BASELINE = path.join(projectDirectory, 'bench', 'multi_square.py');

export interface TimedRuns {
  readonly command: string;
  readonly runsMs: number[];
  readonly medianMs: number;
}

export interface EndToEndResult {
  readonly n: number;
  /** The Python baseline, bench/multi_square.py (the field keeps its name in results.json). */
  readonly tutorial: TimedRuns | { readonly missing: string };
  /** `npm run square` as a user runs it with no `npm start` running: it starts a local stack for the call. */
  readonly cli: TimedRuns | { readonly missing: string };
  /** The HTTP request alone on a started stack, from bench/local-stack-worker.ts. */
  readonly stack: LocalStackMeasurement | { readonly failed: string };
}

async function timeRuns(command: string, args: string[], runs: number, log: (line: string) => void): Promise<TimedRuns> {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const result = await run(command, args, { timeoutMs: 120_000 });
    if (result.code !== 0)
      throw new Error(`${command} ${args.slice(0, 3).join(' ')} … failed (${result.code}): ${result.stderr.slice(-1000)}`);
    runsMs.push(result.wallMs);
  }
  const display = `${command === process.execPath ? 'node' : command} ${args
    .map((a) => path.relative(projectDirectory, a) || a)
    .slice(0, 4)
    .join(' ')}${args.length > 4 ? ' …' : ''}`;
  log(`  ${display}: ${runsMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  return { command: display, runsMs, medianMs: median(runsMs) };
}

export async function measureEndToEnd(n: number, log: (line: string) => void): Promise<EndToEndResult> {
  const tutorial = await timeRuns('python3', [PYTHON_BASELINE, String(n)], 3, log).catch((error: unknown) => {
    const missing =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'not measured: python3 is not on PATH (install Python 3 to measure the baseline)'
        : `the Python baseline failed: ${error instanceof Error ? error.message : String(error)}`;
    log(`  ${missing}`);
    return { missing };
  });
  const numbers = Array.from({ length: n }, (_, i) => String(i + 2));
  const cli = await timeRuns('npm', ['run', '--silent', 'square', '--', '--json', ...numbers], 3, log).catch((error: unknown) => ({
    missing: `the CLI failed: ${error instanceof Error ? error.message : String(error)}`,
  }));
  const stack = await runTs<LocalStackMeasurement>(path.join(projectDirectory, 'bench/local-stack-worker.ts'), [String(n)], {
    timeoutMs: 180_000,
  }).catch((error: unknown) => ({ failed: error instanceof Error ? error.message : String(error) }));
  if ('squareWarmMs' in stack) {
    log(
      `  local stack: started in ${stack.startMs.toFixed(0)} ms; POST /square first ${stack.squareFirstMs.toFixed(0)} ms, warm ${stack.squareWarmMs.map((ms) => ms.toFixed(0)).join(', ')} ms`,
    );
    log(
      `  Invoke API: ${stack.invoke.perSecond.toFixed(0)} warm invocations/s at concurrency ${stack.invoke.concurrency}; ${stack.invoke.sequentialMedianMs.toFixed(2)} ms each one at a time`,
    );
  } else {
    log(`  local stack: ${stack.failed}`);
  }
  return { n, tutorial, cli, stack };
}
