/**
 * The local Invoke API's warm invocation rate, this tree against another checkout (e.g. an older
 * commit), measured in alternating fresh processes so both see the same machine load; each round
 * is `bench/invoke-rate-worker.ts`. Prints one JSON line with every round and the medians.
 * Run: `node --import tsx bench/invoke-rate-ab.ts <other project directory> [rounds=3]`
 * (the other tree needs its own `npm ci`; each tree synthesizes its own assembly on its first round).
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { median, projectDirectory, runTs } from './child';

const [other, roundsArg = '3'] = process.argv.slice(2);
if (other === undefined) throw new Error('usage: invoke-rate-ab.ts <other project directory> [rounds]');
const trees = { this: projectDirectory, other: path.resolve(other) };
const rounds = Number(roundsArg);
const worker = path.join(import.meta.dirname, 'invoke-rate-worker.ts');

interface Measurement {
  readonly invocationsPerSecond: number;
  readonly processCpuMicrosPerInvocation: number;
  readonly loadAverage: number;
}
const results: Record<keyof typeof trees, Measurement[]> = { this: [], other: [] };
for (let i = 0; i < rounds; i += 1) {
  for (const tree of i % 2 === 0 ? (['other', 'this'] as const) : (['this', 'other'] as const)) {
    results[tree].push(await runTs<Measurement>(worker, [trees[tree]], { timeoutMs: 600_000 }));
  }
}
const rate = (tree: keyof typeof trees) => median(results[tree].map((r) => r.invocationsPerSecond));
process.stdout.write(
  `${JSON.stringify({
    trees,
    rounds: results,
    medianInvocationsPerSecond: { this: rate('this'), other: rate('other') },
    ratio: rate('this') / rate('other'),
    loadAverageAfter: loadavg()[0],
  })}\n`,
);
