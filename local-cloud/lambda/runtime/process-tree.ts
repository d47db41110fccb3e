/**
 * Ending an environment with everything it started. Not with a process group: Node can only make
 * one with `detached`, which also makes a new session, and Linux's autogroup scheduler then gives
 * every environment the CPU share of a whole session: measured, the local Invoke API's warm rate
 * fell to a third on a loaded 2-core machine. Instead:
 * - while the environment's process lives, its descendants are found through /proc's
 *   `children` lists and killed with it;
 * - once it has died on its own, orphans it left (reparented, so out of reach of that walk) are
 *   found by a marker in their environment, which child processes inherit.
 * Linux only (/proc); elsewhere only the process itself is killed.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The variable that marks an environment's processes; its value is the environment's own ID. */
export const ENVIRONMENT_MARKER = 'LOCAL_CLOUD_EXECUTION_ENVIRONMENT';

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** `pid` and all its descendants, parents first. */
export function processTree(pid: number): number[] {
  const found = [pid];
  for (let index = 0; index < found.length; index += 1) found.push(...childrenOf(found[index] ?? 0));
  return found;
}

/** Processes of this user whose environment carries `marker=value`. */
export function processesMarked(value: string): number[] {
  const needle = `\0${ENVIRONMENT_MARKER}=${value}\0`;
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (`\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}`.includes(needle)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

export function killAll(pids: readonly number[], signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Processes whose real uid is one of `uids`: where each function runs as a uid of its own
 * (runtime-user.ts), everything a function started, daemons that left its tree and cleared its
 * marker included, since no unprivileged process can change its uid.
 */
export function processesOfUsers(uids: ReadonlySet<number>): number[] {
  if (uids.size === 0) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'latin1'))?.[1];
        return uid !== undefined && uids.has(Number(uid));
      } catch {
        return false;
      }
    })
    .map(Number);
}
