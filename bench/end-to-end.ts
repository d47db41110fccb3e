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

/** Up to 5 minutes a run: on a 2-core machine at load average 20, the Python baseline's 1000 processes took 75 s. */
async function timeRuns(command: string, args: string[], runs: number, log: (line: string) => void): Promise<TimedRuns> {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const result = await run(command, args, { timeoutMs: 300_000 });
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

/** Issue 20's goals for the request on a just-started stack, as shares of the Python baseline's time. */
export const FIRST_REQUEST_GOAL = 1;
export const REPEATED_REQUEST_GOAL = 0.5;

/** One goal of issue 20 judged: the request's time against the baseline's, measured in the same run. */
export interface RequestGoal {
  readonly ms: number;
  readonly ratio: number;
  readonly goal: number;
  readonly met: boolean;
}

/**
 * The first request of N on a just-started stack (≤ 1 × the baseline) and a repeated one (the
 * median of the warm ones, ≤ ½ ×), when both the stack and the baseline were measured.
 */
export function requestGoals(result: EndToEndResult): { first: RequestGoal; repeated: RequestGoal } | undefined {
  if (!('medianMs' in result.tutorial) || !('squareWarmMs' in result.stack)) return undefined;
  const baselineMs = result.tutorial.medianMs;
  const judge = (ms: number, goal: number): RequestGoal => ({ ms, ratio: ms / baselineMs, goal, met: ms <= goal * baselineMs });
  return {
    first: judge(result.stack.squareFirstMs, FIRST_REQUEST_GOAL),
    repeated: judge(median(result.stack.squareWarmMs), REPEATED_REQUEST_GOAL),
  };
}

export async function measureEndToEnd(n: number, log: (line: string) => void): Promise<EndToEndResult> {
  const python = (runs: number) =>
    timeRuns('python3', [PYTHON_BASELINE, String(n)], runs, log).catch((error: unknown) => {
      const missing =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'not measured: python3 is not on PATH (install Python 3 to measure the baseline)'
          : `the Python baseline failed: ${error instanceof Error ? error.message : String(error)}`;
      log(`  ${missing}`);
      return { missing };
    });
  // The baseline runs just before and just after the stack, so that both see the same load.
  const before = await python(2);
  const stack = await runTs<LocalStackMeasurement>(path.join(projectDirectory, 'bench/local-stack-worker.ts'), [String(n)], {
    timeoutMs: 180_000,
  }).catch((error: unknown) => ({ failed: error instanceof Error ? error.message : String(error) }));
  const after = 'missing' in before ? before : await python(2);
  const tutorial: TimedRuns | { missing: string } =
    'missing' in after || 'missing' in before
      ? after
      : { command: before.command, runsMs: [...before.runsMs, ...after.runsMs], medianMs: median([...before.runsMs, ...after.runsMs]) };
  const numbers = Array.from({ length: n }, (_, i) => String(i + 2));
  const cli = await timeRuns('npm', ['run', '--silent', 'square', '--', '--json', ...numbers], 3, log).catch((error: unknown) => ({
    missing: `the CLI failed: ${error instanceof Error ? error.message : String(error)}`,
  }));
  if ('squareWarmMs' in stack) {
    log(
      `  local stack: started in ${stack.startMs.toFixed(0)} ms; POST /square first ${stack.squareFirstMs.toFixed(0)} ms, warm ${stack.squareWarmMs.map((ms) => ms.toFixed(0)).join(', ')} ms; environments started per request ${stack.initsPerRequest?.join(', ')}`,
    );
    log(
      `  Invoke API: ${stack.invoke.perSecond.toFixed(0)} warm invocations/s at concurrency ${stack.invoke.concurrency}; ${stack.invoke.sequentialMedianMs.toFixed(2)} ms each one at a time`,
    );
  } else {
    log(`  local stack: ${stack.failed}`);
  }
  const result = { n, tutorial, cli, stack };
  const goals = requestGoals(result);
  if (goals !== undefined && 'medianMs' in tutorial) {
    const line = (what: string, goal: RequestGoal) =>
      `  ${what}: ${goal.ms.toFixed(0)} ms = ${goal.ratio.toFixed(2)} × the Python baseline's ${tutorial.medianMs.toFixed(0)} ms (goal ≤ ${goal.goal} ×): ${goal.met ? 'met' : 'not met'}`;
    log(line(`first request of ${n} on a just-started stack`, goals.first));
    log(line('repeated request (median)', goals.repeated));
  }
  return result;
}
