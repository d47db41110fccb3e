/**
 * A CPU profile of the local Invoke API's warm path: one tree's local stack in this process, warmed
 * until its environments stop growing, then profiled (node:inspector) over timed batches of the
 * same invocations `invoke-rate-paired.ts` makes (stock SDK client, 32 sockets, concurrency 32).
 * The profile holds this process's main thread: the SDK client and the local cloud, which
 * `bench/profile-summary.ts` tells apart by file. The environments are not profiled: `--cpu-prof`
 * writes at a process's exit, and closing the stack ends them with SIGKILL.
 *
 * Run: `node --import tsx bench/invoke-profile.ts [--tree DIR] [--batches 4] [--batch 1500]
 * [--out invoke.cpuprofile] [--options JSON]`, then
 * `npx tsx bench/profile-summary.ts invoke.cpuprofile 40`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectDirectory } from './child';
import { children } from './proc-stat';
import { invokeSquarerMany, squarerClient, startTreeStack } from './tree-stack';

const { values } = parseArgs({
  options: {
    tree: { type: 'string', default: projectDirectory },
    batches: { type: 'string', default: '4' },
    batch: { type: 'string', default: '1500' },
    out: { type: 'string', default: 'invoke.cpuprofile' },
    options: { type: 'string', default: '{}' },
  },
});
const CONCURRENCY = 32;
const root = path.resolve(values.tree);

const stack = await startTreeStack(root, { logSink: () => undefined, ...(JSON.parse(values.options) as Record<string, unknown>) });
const { squarer, client } = squarerClient(stack, CONCURRENCY);

const invokeMany = (count: number) => invokeSquarerMany(client, squarer, count, CONCURRENCY);

let count = -1;
for (let round = 0; round < 20; round += 1) {
  await invokeMany(1000);
  const now = children().length;
  if (now === count) break;
  count = now;
}
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const batch = Number(values.batch);
const cpuBefore = process.cpuUsage();
let elapsed = 0;
for (let index = 0; index < Number(values.batches); index += 1) elapsed += await invokeMany(batch);
const cpu = process.cpuUsage(cpuBefore);
const { profile } = await session.post('Profiler.stop');
writeFileSync(values.out, JSON.stringify(profile));
const invocations = batch * Number(values.batches);
process.stdout.write(
  `${JSON.stringify({ squarer, environments: count, invocations, perSecond: (invocations / elapsed) * 1000, processCpuMicrosPerInvocation: (cpu.user + cpu.system) / invocations, profile: values.out })}\n`,
);
client.destroy();
await stack.close();
process.exit(0);
