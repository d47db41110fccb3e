/**
 * How `npm start` ends: SIGINT, SIGTERM and SIGHUP stop the stack cleanly (environments, ports,
 * staged code, state file), and so does the death of the process that started it (npm killed with
 * SIGKILL, a closed terminal, an IDE that went away), so that no stack is ever left running alone.
 */

/** Signals that stop the stack: Ctrl-C, a process manager's stop, a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How often the parent process is checked; Linux offers no portable death signal to Node. */
const PARENT_POLL_MS = 250;
/** A stop that hangs longer than this ends the process anyway. */
const STOP_DEADLINE_MS = 10_000;

export interface ProcessLifecycle {
  /** What stopping means once the stack is up; until then a stop just exits. */
  onStop(stop: () => Promise<void>): void;
}

/**
 * Watches this process's signals and parent from now on. Call it first thing, so that a parent
 * dying during synthesis does not leave a stack to start with nobody to stop it.
 */
export function watchProcessLifecycle(write: (line: string) => void): ProcessLifecycle {
  let stopStack: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) {
      write(`Still stopping (${reason})...\n`);
      return;
    }
    stopping = true;
    write(`Stopping (${reason})...\n`);
    clearInterval(parentWatch);
    setTimeout(() => {
      write(`Did not stop within ${STOP_DEADLINE_MS / 1000} s: exiting.\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    (stopStack ?? (() => Promise.resolve()))().then(
      () => process.exit(0),
      (error: unknown) => {
        write(`Stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => stop(signal));

  // Re-parented (to init or a subreaper) means the parent is gone.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) stop(`the parent process ${parent} exited`);
  }, PARENT_POLL_MS);
  parentWatch.unref();
  // Started with an IPC channel (by a Node parent with fork): its closing is the parent going away.
  if (process.channel !== undefined) process.once('disconnect', () => stop('the parent closed the IPC channel'));

  return {
    onStop(next) {
      stopStack = next;
    },
  };
}
