/**
 * The coordinator's first fan-out with and without its client prepared during INIT
 * (prepareFanOutLambdaClient), in fresh processes, alternated so that the machine's load touches
 * both alike: `node --import tsx bench/coordinator-init-paired.ts [N=1000] [rounds=4] [latencyMs=50] [modes=off,on]`.
 * Same endpoint as part 1 of `npm run bench` (HTTPS, fixed latency); prints each run, then medians.
 */
import path from 'node:path';
import { median, projectDirectory, runTs } from './child';
import { startEndpoint } from './fan-out';
import type { FanOutMeasurement } from './fan-out-worker';
import { makeBenchCertificate } from './tls-certificate';

const [nArg = '1000', roundsArg = '4', latencyArg = '50', modesArg = 'off,on'] = process.argv.slice(2);
const [n, rounds, latencyMs] = [Number(nArg), Number(roundsArg), Number(latencyArg)];
/** BENCH_PREPARE values (bench/fan-out-worker.ts): off, client, on, connections-<k>. */
const modes = modesArg.split(',');
const certificate = makeBenchCertificate();
const endpoint = await startEndpoint(latencyMs, certificate);
const runs = new Map<string, FanOutMeasurement[]>(modes.map((mode) => [mode, []]));
try {
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const m = await runTs<FanOutMeasurement>(
        path.join(projectDirectory, 'bench/fan-out-worker.ts'),
        ['coordinator', String(n), endpoint.url],
        {
          timeoutMs: 180_000,
          env: { NODE_EXTRA_CA_CERTS: certificate.caFile, BENCH_PREPARE: mode },
        },
      );
      if (m.failed > 0) throw new Error(`prepare ${mode}: ${m.failed} invocations failed`);
      runs.get(mode)?.push(m);
      console.log(
        `prepare ${mode.padEnd(14)} N=${n}: INIT ${m.initMs.toFixed(0)} ms, ${(m.initCpuUs / 1000).toFixed(1)} ms CPU; ` +
          `first fan-out ${m.firstWallMs.toFixed(0)} ms, ${m.firstCpuUsPerInvoke.toFixed(0)} µs CPU/invoke; warm ${m.wallMs.toFixed(0)} ms, ${m.cpuUsPerInvoke.toFixed(0)} µs`,
      );
    }
  }
} finally {
  endpoint.close();
  certificate.remove();
}
for (const [mode, ofMode] of runs) {
  const m = (pick: (r: FanOutMeasurement) => number) => median(ofMode.map(pick)).toFixed(0);
  console.log(
    `median, prepare ${mode}: INIT ${m((r) => r.initMs)} ms / ${m((r) => r.initCpuUs)} µs CPU; ` +
      `first fan-out ${m((r) => r.firstWallMs)} ms, ${m((r) => r.firstCpuUsPerInvoke)} µs CPU/invoke; warm ${m((r) => r.wallMs)} ms, ${m((r) => r.cpuUsPerInvoke)} µs`,
  );
}
