/**
 * Summarizes a `.cpuprofile` (from `node --cpu-prof`): self time by package or file and by
 * function, so that a profile can be read without DevTools.
 * Usage: `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? '30');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

/** `@smithy/core`, `node:internal/http`, `(garbage collector)`, or the file for our own code. */
function groupOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName.replace(/[()]/g, '')})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').replace(/\/[^/]+$/, '');
  return url.replace(/^file:\/\/.*\/main\//, '');
}

const groups = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, time] of selfTime) {
  const node = byId.get(id);
  if (node === undefined) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const group = groupOf(url, functionName);
  groups.set(group, (groups.get(group) ?? 0) + time);
  const file = url.includes('node_modules/') ? url.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:dist-cjs\/)?/, '$1/') : group;
  const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + time);
}

const print = (title: string, entries: Map<string, number>): void => {
  console.log(`\n${title}`);
  for (const [key, time] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${(time / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  }
};
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by package / file', groups);
print('self time by function', functions);
