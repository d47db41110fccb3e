/**
 * Part 8: the local cloud against the peer users would pick instead, serverless-offline
 * (bench/peer-paired.ts in a process of its own; the emulators on the bench's Node 24), and the lines of its
 * section of the report, with issue 20's criteria as ratios.
 */
import path from 'node:path';
import { projectDirectory, runTs } from './child';
import { PEER_PACKAGES } from './peer-install';
import type { PeerMeasurement, PeerSideResult } from './peer-paired';

export type PeerResult = PeerMeasurement | { readonly unavailable: string } | { readonly failed: string };

export const PEER_ROUNDS = 8;

export async function measurePeer(log: (line: string) => void): Promise<PeerResult> {
  const result = await runTs<PeerResult>(path.join(projectDirectory, 'bench/peer-paired.ts'), ['--rounds', String(PEER_ROUNDS)], {
    timeoutMs: 1_800_000,
  }).catch((error: unknown) => ({ failed: error instanceof Error ? error.message : String(error) }));
  if ('unavailable' in result) log(`  peer: ${result.unavailable}`);
  else if ('failed' in result) log(`  peer: ${result.failed}`);
  else {
    const { ratios } = result;
    log(
      `  warm CPU per invocation, local ÷ serverless-offline in-process ${ratios.warmCpuLocalToInProcess.median.toFixed(2)}, ÷ worker threads ${ratios.warmCpuLocalToWorker.median.toFixed(2)}; cold p50 local ÷ worker threads ${ratios.coldP50LocalToWorker.median.toFixed(2)}`,
    );
  }
  return result;
}

const LABELS: Record<PeerSideResult['side'], string> = {
  local: 'local cloud (`npm start`: a process per environment, SigV4 checked)',
  worker: 'serverless-offline, worker threads (its default)',
  'in-process': 'serverless-offline `--useInProcess` (module state shared between concurrent invocations)',
};

export function peerReportLines(result: PeerResult | undefined): string[] {
  const lines = ['## 8. The peer: serverless-offline, invoked the same way in the same run', ''];
  if (result === undefined) return [...lines, 'Not measured in this run.', ''];
  const specs = Object.entries(PEER_PACKAGES)
    .map(([name, version]) => `${name}@${version}`)
    .join(' and ');
  if ('unavailable' in result) return [...lines, `Not measured: ${specs} could not run here: ${result.unavailable}.`, ''];
  if ('failed' in result) return [...lines, `Failed: ${result.failed.slice(0, 1500)}`, ''];
  const f0 = (x: number) => x.toFixed(0);
  const f2 = (x: number) => x.toFixed(2);
  const verdict = (met: boolean) => (met ? '**met**' : '**not met**');
  const { ratios } = result;
  lines.push(
    `bench/peer-paired.ts: ${Object.entries(result.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(
        ' and ',
      )} (installed by the bench into node_modules/.cache/multi-square/peer/, no install scripts, licenses checked${result.installedThisRun ? '; installed in this run' : ''}) ` +
      `and the local cloud, each as its users start it in a process of its own on ${result.node}, all serving the project's squarer bundle, invoked by the stock SDK \`LambdaClient\`. ` +
      `**Warm**: each warmed until its processes and threads stop growing, then ${result.rounds} rounds of one batch of ${result.batch} invocations at concurrency ${result.concurrency} each, the order rotated each round; ` +
      "CPU is the emulator's whole process tree from /proc (the local cloud and its environments; serverless-offline and its worker threads) ÷ invocations; figures are medians of the rounds, ratios medians of per-round ratios. " +
      `**Cold**: a freshly started emulator's first ${result.coldInvocations} invocations at concurrency ${result.coldConcurrency}, one emulator at a time, ${result.coldRounds} rounds; latency per invocation as the client sees it. ` +
      `Load average ${result.loadAverage.start.toFixed(1)} at its start, ${result.loadAverage.end.toFixed(1)} at its end: on a shared machine compare within a row, not across runs.`,
    '',
    '| emulator | warm: invocations/s | warm: emulator CPU µs / invocation | … of which its main thread | warm: client CPU µs / invocation | warm: processes / threads | cold: invocations/s | cold: p50 ms | cold: p95 ms | cold: emulator CPU µs / invocation |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const { side, warm, cold } of result.sides) {
    lines.push(
      `| ${LABELS[side]} | ${f0(warm.invocationsPerSecond)} | ${f0(warm.cpuMicrosPerInvocation)} | ${f0(warm.mainThreadCpuMicrosPerInvocation)} | ${f0(warm.clientCpuMicrosPerInvocation)} | ${warm.processes} / ${warm.threads} | ${f0(cold.invocationsPerSecond)} | ${f0(cold.p50Ms)} | ${f0(cold.p95Ms)} | ${f0(cold.cpuMicrosPerInvocation)} |`,
    );
  }
  const failed = result.sides.filter((side) => side.warm.failures + side.cold.failures > 0);
  if (failed.length > 0) {
    const first = failed
      .flatMap((side) => [...side.warm.batches, ...side.cold.runs])
      .map((run) => run.firstFailure)
      .find((message) => message !== undefined);
    lines.push(
      '',
      `Failed invocations (counted, not retried; the figures are of the rest): ${failed.map((side) => `${side.side} ${side.warm.failures} warm, ${side.cold.failures} cold`).join('; ')}${first === undefined ? '' : `; the first: ${first.slice(0, 300)}`}.`,
    );
  }
  const perRound = (summary: { perRound: readonly number[] }) => summary.perRound.map(f2).join(', ');
  lines.push(
    '',
    '| issue 20 criterion | measured (median of per-round ratios; the rounds) | |',
    '|---|---|---|',
    `| local warm CPU per invocation ÷ serverless-offline in-process ≤ 1.0 | ${f2(ratios.warmCpuLocalToInProcess.median)} (${perRound(ratios.warmCpuLocalToInProcess)}) | ${verdict(ratios.warmCpuLocalToInProcess.median <= 1)} |`,
    `| local cold p50 ÷ serverless-offline's (worker threads, its default) ≤ 1.0 | ${f2(ratios.coldP50LocalToWorker.median)} (${perRound(ratios.coldP50LocalToWorker)}) | ${verdict(ratios.coldP50LocalToWorker.median <= 1)} |`,
    `| … local warm CPU ÷ serverless-offline worker threads | ${f2(ratios.warmCpuLocalToWorker.median)} (${perRound(ratios.warmCpuLocalToWorker)}) | reported |`,
    `| … local warm rate ÷ serverless-offline worker threads, ÷ in-process | ${f2(ratios.warmRateLocalToWorker.median)}, ${f2(ratios.warmRateLocalToInProcess.median)} | reported |`,
    `| … local cold p50 ÷ serverless-offline in-process | ${f2(ratios.coldP50LocalToInProcess.median)} (${perRound(ratios.coldP50LocalToInProcess)}) | reported |`,
    '',
  );
  return lines;
}
