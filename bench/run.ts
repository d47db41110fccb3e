/**
 * `npm run bench`: measures the fan-out and the client ladder, the local stack against the
 * project's Python baseline (bench/multi_square.py), cold starts and the local Invoke API in one
 * run. Only 127.0.0.1 is contacted, but for the npm registry when part 8 installs its peer (serverless-offline) into
 * its cache folder for the first time; each part is bounded in time.
 *
 * Where it writes: by default, a new folder bench/results/<date>/ (untracked, gitignored) with
 * REPORT.md and results.json. With `--update-report`, the committed bench/REPORT.md and
 * bench/results.json instead. The report is wholly generated from the run's figures; analysis by
 * hand goes in bench/findings.md.
 *
 * Options: `--only <part>[,<part>…]` runs a subset (fan-out, ladder, coordinator, cold-start, end-to-end, tracing, scale,
 * jobs, peer; the report says "not measured" for the rest); `--ladder-repeats <n>` (default 3) sets the processes
 * per ladder row; `--report-only <results.json>` rewrites the REPORT.md beside that file from its
 * figures.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JOB_MAX_EXECUTIONS, MAX_JOB_NUMBERS_LIMIT } from '../functions/commons/job-limits';
import { charts } from './charts';
import { projectDirectory, runTs } from './child';
import { CLIENT_LADDER, type FanOutVariant, HTTP2_VARIANT } from './client-ladder';
import { type ColdStartResult, measureColdStart } from './cold-start';
import { type CoordinatorRequestResult, coordinatorTable, measureCoordinatorRequests } from './coordinator-request';
import { type EndToEndResult, measureEndToEnd } from './end-to-end';
import { type FanOutRow, measureFanOut } from './fan-out';
import type { JobsBenchResult } from './jobs-worker';
import { measurePeer, type PeerResult } from './peer';
import { type Results, report } from './report';
import { measureScale, type ScaleResult } from './scale';
import { measureTracingCost, type TracingCostResult } from './tracing-cost';

const LATENCY_MS = 50;
const SIZES = [10, 100, 1000, 5000];
const LADDER_N = 1000;
const LADDER_REPEATS = 3;
/** A part of the client is kept only if it saves at least this share of CPU per invoke (warm). */
const KEEP_THRESHOLD = 0.1;
const E2E_N = 1000;
/** Issue 20's coordinator criterion: N = 1000 at the stack's maxConcurrency, fresh processes. */
const COORDINATOR_N = 1000;
const COORDINATOR_ROUNDS = 3;
const PARTS = ['fan-out', 'ladder', 'coordinator', 'cold-start', 'end-to-end', 'tracing', 'scale', 'jobs', 'peer'] as const;
const startedAt = new Date();
const log = (line: string) => process.stdout.write(`${line}\n`);

function packageVersion(name: string): string {
  try {
    const file = path.join(projectDirectory, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectDirectory, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'functions', 'lib', 'local-cloud', 'bench'], {
      cwd: projectDirectory,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${commit} (with uncommitted changes in functions/, lib/, local-cloud/ or bench/)` : commit;
  } catch {
    return 'unknown';
  }
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
const environment = {
  date: startedAt.toISOString(),
  cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
  cores: os.cpus().length,
  memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  nodePath: process.execPath,
  commit: gitCommit(),
  loadAverageAtStart: loadAverage(),
  packages: Object.fromEntries(
    [
      '@aws-sdk/client-lambda',
      '@smithy/core',
      '@smithy/signature-v4',
      '@smithy/node-http-handler',
      'aws-cdk-lib',
      'aws-cdk',
      'esbuild',
      'tsx',
    ].map((name) => [name, packageVersion(name)]),
  ),
};

/** The run's REPORT.md and its SVG charts, into `directory`. */
function writeReport(directory: string, results: Results): void {
  const files = charts(results);
  for (const [name, svg] of Object.entries(files)) writeFileSync(path.join(directory, name), svg);
  writeFileSync(path.join(directory, 'REPORT.md'), report(results, Object.keys(files)));
}

const reportOnly = option('--report-only');
if (reportOnly !== undefined) {
  const results = JSON.parse(readFileSync(reportOnly, 'utf8')) as Results;
  const reportFile = path.join(path.dirname(reportOnly), 'REPORT.md');
  writeReport(path.dirname(reportOnly), results);
  log(`rewrote ${path.relative(projectDirectory, reportFile)} and its charts from ${reportOnly}`);
} else {
  const only = option('--only')?.split(',');
  const unknown = only?.filter((part) => !(PARTS as readonly string[]).includes(part)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown part ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}`);
  const parts = PARTS.filter((part) => only === undefined || only.includes(part));
  const ladderRepeats = Number(option('--ladder-repeats') ?? LADDER_REPEATS);
  if (!Number.isInteger(ladderRepeats) || ladderRepeats < 1) throw new Error('--ladder-repeats: a whole number of at least 1');
  const outputDirectory = process.argv.includes('--update-report')
    ? path.join(projectDirectory, 'bench')
    : path.join(projectDirectory, 'bench', 'results', startedAt.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(outputDirectory, { recursive: true });

  log(`bench: ${environment.cpu}, Node ${environment.node}, load average ${environment.loadAverageAtStart}; parts: ${parts.join(', ')}`);
  const groups = [
    ...(parts.includes('fan-out')
      ? SIZES.map((n) => ({ n, variants: ['coordinator', 'naive'] as FanOutVariant[], repeats: n >= 5000 ? 1 : 3 }))
      : []),
    ...(parts.includes('ladder')
      ? [
          {
            n: LADDER_N,
            variants: [...CLIENT_LADDER.map((row) => row.variant), HTTP2_VARIANT.variant] as FanOutVariant[],
            repeats: ladderRepeats,
          },
        ]
      : []),
  ];
  let fanOut: FanOutRow[] = [];
  if (groups.length > 0) {
    log(`1. fan-out against a ${LATENCY_MS} ms HTTPS Invoke endpoint`);
    fanOut = await measureFanOut({ latencyMs: LATENCY_MS, groups }, log);
  }
  let coordinatorRequest: CoordinatorRequestResult | undefined;
  if (parts.includes('coordinator')) {
    log(`1c. the coordinator as it runs on Lambda: INIT, its first request of ${COORDINATOR_N} numbers, then warm`);
    coordinatorRequest = await measureCoordinatorRequests(
      { n: COORDINATOR_N, latencyMs: LATENCY_MS, rounds: COORDINATOR_ROUNDS, shapes: ['esm'] },
      log,
    );
    for (const line of coordinatorTable(coordinatorRequest)) log(`  ${line}`);
  }
  let coldStart: ColdStartResult | undefined;
  if (parts.includes('cold-start')) {
    log('3. cold start');
    coldStart = await measureColdStart(log);
  }
  let endToEnd: EndToEndResult | undefined;
  if (parts.includes('end-to-end')) {
    log(`2 and 4. ${E2E_N} numbers end to end, and the local Invoke API`);
    endToEnd = await measureEndToEnd(E2E_N, log);
  }
  let tracingCost: TracingCostResult | undefined;
  if (parts.includes('tracing')) {
    log('5. what tracing costs the coordinator');
    tracingCost = await measureTracingCost(log);
  }
  let scale: ScaleResult | undefined;
  if (parts.includes('scale')) {
    log("6. the local cloud at Lambda's scale");
    scale = await measureScale(log);
  }
  let jobs: JobsBenchResult | { failed: string } | undefined;
  if (parts.includes('jobs')) {
    log('7. the direct path and a durable job, at N = 100, 1000, the largest execution and the largest job');
    jobs = await runTs<JobsBenchResult>(
      path.join(projectDirectory, 'bench/jobs-worker.ts'),
      [`100,1000,${MAX_JOB_NUMBERS_LIMIT},${MAX_JOB_NUMBERS_LIMIT * JOB_MAX_EXECUTIONS}`],
      {
        timeoutMs: 900_000,
      },
    ).catch((error: unknown) => ({ failed: error instanceof Error ? error.message : String(error) }));
  }
  let peer: PeerResult | undefined;
  if (parts.includes('peer')) {
    log('8. the peer: serverless-offline against the local cloud, warm and cold');
    peer = await measurePeer(log);
  }
  const durationS = (Date.now() - startedAt.getTime()) / 1000;
  const results: Results = {
    environment: { ...environment, loadAverageAtEnd: loadAverage(), durationS, parts },
    latencyMs: LATENCY_MS,
    ladder: { n: LADDER_N, keepThreshold: KEEP_THRESHOLD },
    fanOut,
    ...(coordinatorRequest ? { coordinatorRequest } : {}),
    ...(coldStart ? { coldStart } : {}),
    ...(endToEnd ? { endToEnd } : {}),
    ...(tracingCost ? { tracingCost } : {}),
    ...(scale ? { scale } : {}),
    ...(jobs ? { jobs } : {}),
    ...(peer ? { peer } : {}),
  };
  writeFileSync(path.join(outputDirectory, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeReport(outputDirectory, results);
  log(`wrote ${path.relative(projectDirectory, outputDirectory)}/REPORT.md, results.json and charts in ${durationS.toFixed(0)} s`);
}
