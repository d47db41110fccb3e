/**
 * CPU time of processes and process trees from Linux's /proc/<pid>/stat, for the paired benches:
 * a process's line counts every thread it has or had (worker threads included), and its
 * `cutime`/`cstime` the children it has reaped, so a tree's sum loses nothing that ran in it.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`: 100 on Linux). */
const MICROS_PER_TICK = 10_000;

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime of every thread, live or ended, in µs. */
  readonly cpuMicros: number;
  /** cutime + cstime: the children this process has waited for, in µs. */
  readonly reapedChildrenCpuMicros: number;
  readonly threads: number;
}

/** One /proc/<pid>/stat line; the command name in parentheses may hold spaces and parentheses. */
export function parseProcStat(line: string): ProcStat {
  const close = line.lastIndexOf(')');
  if (close === -1) throw new Error(`not a /proc/<pid>/stat line: ${line.slice(0, 80)}`);
  // After ") ": state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17) … num_threads(20).
  const fields = line.slice(close + 2).split(' ');
  const field = (number: number) => Number(fields[number - 3]);
  return {
    pid: Number.parseInt(line, 10),
    ppid: field(4),
    cpuMicros: (field(14) + field(15)) * MICROS_PER_TICK,
    reapedChildrenCpuMicros: (field(16) + field(17)) * MICROS_PER_TICK,
    threads: field(20),
  };
}

function readStat(pid: number | string, file = `/proc/${pid}/stat`): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // Gone meanwhile.
  }
}

/** CPU time (user + system) of a process from /proc, in microseconds; 0 once it is gone. */
export function processCpuMicros(pid: number): number {
  return readStat(pid)?.cpuMicros ?? 0;
}

/** CPU time of a process's main thread alone (its JavaScript thread, for Node), in microseconds; 0 once it is gone. */
export function mainThreadCpuMicros(pid: number): number {
  return readStat(pid, `/proc/${pid}/task/${pid}/stat`)?.cpuMicros ?? 0;
}

function everyProcess(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

/** A process's children (Linux), e.g. this process's: the environments of the stacks it started. */
export function children(parent: number = process.pid): number[] {
  return everyProcess()
    .filter((stat) => stat.ppid === parent)
    .map((stat) => stat.pid);
}

export interface TreeUsage {
  /** Every live process of the tree, its ended threads included, and every child one of them reaped, in µs. */
  readonly cpuMicros: number;
  readonly processes: number;
  readonly threads: number;
}

/** The tree below `root` (inclusive) among `stats`: pure, for {@link treeUsage} and its test. */
export function sumTree(stats: readonly ProcStat[], root: number): TreeUsage {
  const byParent = new Map<number, ProcStat[]>();
  for (const stat of stats) byParent.set(stat.ppid, [...(byParent.get(stat.ppid) ?? []), stat]);
  let cpuMicros = 0;
  let processes = 0;
  let threads = 0;
  const pending = stats.filter((stat) => stat.pid === root);
  for (let stat = pending.pop(); stat !== undefined; stat = pending.pop()) {
    cpuMicros += stat.cpuMicros + stat.reapedChildrenCpuMicros;
    processes += 1;
    threads += stat.threads;
    pending.push(...(byParent.get(stat.pid) ?? []));
  }
  return { cpuMicros, processes, threads };
}

/** CPU of a process and all its descendants now (an emulator and its execution environments). */
export function treeUsage(root: number): TreeUsage {
  return sumTree(everyProcess(), root);
}
