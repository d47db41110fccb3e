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
import { killAll, processTree } from './process-tree';

/** The processes of every frozen environment, for the exit hook. */
const frozenEverywhere = new Set<readonly number[]>();
let exitHookInstalled = false;

function thawEverything(): void {
  for (const pids of frozenEverywhere) killAll(pids, 'SIGCONT');
  frozenEverywhere.clear();
}

export class ProcessFreezer {
  /** The processes stopped by the last freeze, parents first; none while thawed. */
  private frozen: readonly number[] | undefined;

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
    const pids = process.platform === 'linux' ? processTree(pid) : [pid];
    this.frozen = pids;
    frozenEverywhere.add(pids);
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
}
