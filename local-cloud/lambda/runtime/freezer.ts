/**
 * An execution environment frozen between invocations, as Lambda freezes it once the runtime has
 * answered and no event is pending: SIGSTOP to its process and everything it started, SIGCONT
 * when the next event has been sent. What the function left running after its answer (a timer, a
 * fire-and-forget write, a child process) makes no progress meanwhile, and runs, and logs, in the
 * next invocation's window. A stopped process can still be read (/proc) and killed (SIGKILL needs
 * no SIGCONT); what could leave one stopped for good is handled here: the local cloud's own exit
 * thaws every frozen environment (which then ends with its channel), and `thaw` after an
 * environment's end lets a stopped process that outlived it run into the kill that follows.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { killAll } from './process-tree';

/** The processes of every frozen environment, for the exit hook. */
const frozenEverywhere = new Set<readonly number[]>();
let exitHookInstalled = false;

/**
 * `pid` and its descendants, parents first, through each process's main thread's /proc `children`
 * list: one read a process (about 20 µs) where process-tree.ts reads every thread's (7 for an idle
 * Node.js process, 120-250 µs measured on a loaded machine), paid on every invocation. Node spawns
 * from the thread of the event loop that asks, so only a process started from a worker thread is
 * missed; ending an environment still walks every thread.
 */
function mainThreadTree(pid: number): number[] {
  const found = [pid];
  for (let index = 0; index < found.length; index += 1) {
    const parent = found[index] ?? 0;
    try {
      found.push(...readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/**
 * What thaws the frozen environments when the local cloud cannot: a SIGKILL runs no exit hook, and
 * a stopped process never sees its channel close, so it would stay stopped for good. A small
 * process of its own session sends SIGCONT, once its stdin closes (the local cloud has ended,
 * however it ended), to every process it was told of; the environments then see their channel
 * closed and exit, as unfrozen ones do. It is told an environment's processes when they are first
 * frozen and again only when they change (a child started), and told to forget them when the
 * environment ends, not at every freeze and thaw: two writes and two wake-ups of the guard per
 * invocation saved. What it knows is then a superset of what is frozen, and SIGCONT to a process
 * that runs changes nothing (and the local cloud has gone by then).
 */
const GUARD_SCRIPT = `
const frozen = new Map();
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\\n');
  buffered = lines.pop();
  for (const line of lines) {
    const pids = line.slice(1).split(',').map(Number);
    if (line[0] === '+') frozen.set(pids[0], pids); else frozen.delete(pids[0]);
  }
});
process.stdin.on('end', () => {
  for (const pids of frozen.values()) for (const pid of pids) { try { process.kill(pid, 'SIGCONT'); } catch {} }
  process.exit(0);
});
`;
let guard: ChildProcess | undefined;

function tellGuard(line: string): void {
  if (guard === undefined) {
    guard = spawn(process.execPath, ['-e', GUARD_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    guard.unref();
    (guard.stdin as Socket | null)?.unref();
    guard.stdin?.on('error', () => {});
  }
  guard.stdin?.write(`${line}\n`);
}

function thawEverything(): void {
  for (const pids of frozenEverywhere) killAll(pids, 'SIGCONT');
  frozenEverywhere.clear();
}

export class ProcessFreezer {
  /** The processes stopped by the last freeze, parents first; none while thawed. */
  private frozen: readonly number[] | undefined;
  /** What the guard was last told of this environment (`+pids`), until `forget`. */
  private told: string | undefined;

  get isFrozen(): boolean {
    return this.frozen !== undefined;
  }

  /** Stops `pid` and its descendants (Linux: the whole tree from /proc; elsewhere the process alone). */
  freeze(pid: number): void {
    if (this.frozen !== undefined) return;
    if (!exitHookInstalled) {
      // Synchronous signals are all an 'exit' listener may send; enough to let them go on and end.
      process.on('exit', thawEverything);
      exitHookInstalled = true;
    }
    const pids = process.platform === 'linux' ? mainThreadTree(pid) : [pid];
    this.frozen = pids;
    frozenEverywhere.add(pids);
    const line = `+${pids.join(',')}`;
    if (line !== this.told) {
      tellGuard(line);
      this.told = line;
    }
    killAll(pids, 'SIGSTOP');
  }

  /** Lets the stopped processes run again (the same ones: a stopped process cannot fork). */
  thaw(): void {
    const pids = this.frozen;
    if (pids === undefined) return;
    this.frozen = undefined;
    frozenEverywhere.delete(pids);
    killAll(pids, 'SIGCONT');
  }

  /** The environment has ended (thawed first): the guard forgets its processes, whose IDs may be reused. */
  forget(): void {
    this.thaw();
    const told = this.told;
    if (told === undefined) return;
    this.told = undefined;
    tellGuard(`-${told.slice(1).split(',')[0]}`);
  }
}
