/**
 * The local Invoke API's warm invocation rate, one checkout against another (e.g. an older commit),
 * measured in pairs: both trees' local stacks run in this one process, each is warmed until its
 * environments stop growing (so no cold start falls inside a timed batch), then batches alternate
 * between them (A B, B A, ...), so that a change in the machine's load hits both sides of a pair
 * alike. On a shared 2-core machine one tree's rate moves by ±20 % from minute to minute; the ratio
 * within a pair moves less, and the median of 16 or more pairs is steady to a few per cent.
 * Each side calls its own stack's squarer with the stock SDK `LambdaClient` (a keep-alive pool of
 * `CONCURRENCY` sockets) and the stack's own credentials, so a tree that checks SigV4 checks it.
 * Prints one JSON line: each side's median rate, the CPU of this process (client and local cloud)
 * and of that side's environments per invocation, the median and every per-pair ratio of the
 * rates, and the median per-pair ratio of the CPU per invocation (process, environments, both).
 *
 * Run: `node --import tsx bench/invoke-rate-paired.ts <other project directory> [--pairs 16]
 * [--batch 1500] [--this <project directory>] [--this-options JSON] [--other-options JSON] [--log-files]`.
 * With `--log-files` each side writes its functions' lines to files (a temporary folder) through
 * its own tree's sink of `npm start`, instead of dropping them.
 * The options go to that side's `startLocalStack` (e.g. `{"invokeAuthentication":"none"}` or
 * `{"maxEnvironments":8}`; a tree ignores what it does not know), which also compares a tree with
 * itself. The other tree needs its own `npm ci`; each tree synthesizes its own assembly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { median, projectDirectory } from './child';
import { children, processCpuMicros } from './proc-stat';
import { invokeSquarerMany, squarerClient, startTreeStack, type TreeStack } from './tree-stack';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '16' },
    batch: { type: 'string', default: '1500' },
    this: { type: 'string', default: projectDirectory },
    'this-options': { type: 'string', default: '{}' },
    'other-options': { type: 'string', default: '{}' },
    'log-files': { type: 'boolean', default: false },
  },
});
const [other] = positionals;
if (other === undefined)
  throw new Error(
    'usage: invoke-rate-paired.ts <other project directory> [--pairs N] [--batch N] [--this DIR] [--this-options JSON] [--other-options JSON] [--log-files]',
  );
const PAIRS = Number(values.pairs);
const BATCH = Number(values.batch);
const CONCURRENCY = 32;
const trees = { this: path.resolve(values.this), other: path.resolve(other) };
const extraOptions = {
  this: JSON.parse(values['this-options']) as Record<string, unknown>,
  other: JSON.parse(values['other-options']) as Record<string, unknown>,
};

/** A tree's `createFunctionLogSink` (local-cloud/stack/function-logs.ts), as `npm start` uses it. */
interface FunctionLogSink {
  readonly write: (record: unknown) => void;
  close(): Promise<void>;
}

interface Side {
  readonly name: 'this' | 'other';
  readonly stack: TreeStack;
  readonly client: LambdaClient;
  readonly squarer: string;
  /** With `--log-files`: the tree's own sink of `npm start`, every line to a file of a temporary folder. */
  readonly logs: { readonly sink: FunctionLogSink; readonly directory: string } | undefined;
  /** The process IDs of this side's environments. */
  environments: readonly number[];
}

async function startSide(name: Side['name'], root: string): Promise<Side> {
  let logs: Side['logs'];
  if (values['log-files']) {
    const { createFunctionLogSink } = (await import(path.join(root, 'local-cloud/stack/function-logs.ts'))) as {
      createFunctionLogSink: (options: { directory: string; console: (line: string) => void }) => FunctionLogSink;
    };
    const directory = mkdtempSync(path.join(tmpdir(), `paired-logs-${name}-`));
    logs = { sink: createFunctionLogSink({ directory, console: () => undefined }), directory };
  }
  const before = new Set(children());
  const stack = await startTreeStack(root, { logSink: logs?.sink.write ?? (() => undefined), ...extraOptions[name] });
  const { squarer, client } = squarerClient(stack, CONCURRENCY);
  const side: Side = { name, stack, client, squarer, logs, environments: [] };
  // Warm until the environments stop growing: the first invocations start them (paced by the
  // init gate of newer trees), and a cold start must not fall inside a timed batch.
  let count = -1;
  for (let round = 0; round < 20; round += 1) {
    await invokeMany(side, 1000);
    const now = children().filter((pid) => !before.has(pid));
    if (now.length === count) break;
    count = now.length;
  }
  side.environments = children().filter((pid) => !before.has(pid));
  return side;
}

function invokeMany(side: Side, count: number): Promise<number> {
  return invokeSquarerMany(side.client, side.squarer, count, CONCURRENCY, side.name);
}

interface Batch {
  readonly invocationsPerSecond: number;
  readonly processCpuMicrosPerInvocation: number;
  readonly environmentCpuMicrosPerInvocation: number;
}

async function timeBatch(side: Side): Promise<Batch> {
  const environmentsBefore = side.environments.reduce((sum, pid) => sum + processCpuMicros(pid), 0);
  const cpuBefore = process.cpuUsage();
  const elapsedMs = await invokeMany(side, BATCH);
  const cpu = process.cpuUsage(cpuBefore);
  const environmentsAfter = side.environments.reduce((sum, pid) => sum + processCpuMicros(pid), 0);
  return {
    invocationsPerSecond: (BATCH / elapsedMs) * 1000,
    processCpuMicrosPerInvocation: (cpu.user + cpu.system) / BATCH,
    environmentCpuMicrosPerInvocation: (environmentsAfter - environmentsBefore) / BATCH,
  };
}

const sides = [await startSide('this', trees.this), await startSide('other', trees.other)] as const;
const batches: Record<Side['name'], Batch[]> = { this: [], other: [] };
const ratios: number[] = [];
/** Per pair, this side's CPU per invocation over the other's: steadier than each side's median when the load drifts. */
const cpuRatios = { process: [] as number[], environments: [] as number[], total: [] as number[] };
try {
  for (let pair = 0; pair < PAIRS; pair += 1) {
    const order = pair % 2 === 0 ? [sides[0], sides[1]] : [sides[1], sides[0]];
    const measured: Partial<Record<Side['name'], Batch>> = {};
    for (const side of order) measured[side.name] = await timeBatch(side);
    const [a, b] = [measured.this, measured.other];
    if (a === undefined || b === undefined) throw new Error('a pair lost a side');
    batches.this.push(a);
    batches.other.push(b);
    ratios.push(a.invocationsPerSecond / b.invocationsPerSecond);
    cpuRatios.process.push(a.processCpuMicrosPerInvocation / b.processCpuMicrosPerInvocation);
    cpuRatios.environments.push(a.environmentCpuMicrosPerInvocation / b.environmentCpuMicrosPerInvocation);
    cpuRatios.total.push(
      (a.processCpuMicrosPerInvocation + a.environmentCpuMicrosPerInvocation) /
        (b.processCpuMicrosPerInvocation + b.environmentCpuMicrosPerInvocation),
    );
  }
} finally {
  for (const side of sides) {
    side.client.destroy();
    await side.stack.close();
    await side.logs?.sink.close();
    if (side.logs !== undefined) rmSync(side.logs.directory, { recursive: true, force: true });
  }
}
const summary = (name: Side['name']) => ({
  options: extraOptions[name],
  environments: sides.find((side) => side.name === name)?.environments.length,
  medianInvocationsPerSecond: median(batches[name].map((b) => b.invocationsPerSecond)),
  medianProcessCpuMicrosPerInvocation: median(batches[name].map((b) => b.processCpuMicrosPerInvocation)),
  medianEnvironmentCpuMicrosPerInvocation: median(batches[name].map((b) => b.environmentCpuMicrosPerInvocation)),
});
process.stdout.write(
  `${JSON.stringify({
    trees,
    pairs: PAIRS,
    batch: BATCH,
    concurrency: CONCURRENCY,
    logFiles: values['log-files'],
    this: summary('this'),
    other: summary('other'),
    medianRatio: median(ratios),
    ratios: ratios.map((r) => Number(r.toFixed(3))),
    medianCpuRatio: {
      process: median(cpuRatios.process),
      environments: median(cpuRatios.environments),
      total: median(cpuRatios.total),
    },
    loadAverageAfter: loadavg()[0],
  })}\n`,
);
process.exit(0);
