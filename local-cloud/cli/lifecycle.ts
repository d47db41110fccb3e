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

/**
 * A repeat of a stop signal this soon after the first is the same Ctrl-C arriving twice (the
 * terminal signals npm and this process, and npm forwards its own to this process): nothing is
 * said of it. Later, a stop that is still going is said to be.
 */
export const QUIET_REPEAT_MS = 3000;

export interface ProcessLifecycle {
  /** What stopping means once the stack is up; until then a stop just exits. */
  onStop(stop: () => Promise<void>): void;
}

export interface StopSequence extends ProcessLifecycle {
  /** Stops once (later calls only say, when the stop takes long, that it is still going). */
  stop(reason: string): void;
}

/** Stopping, apart from what triggers it: says what it does on `write`, and ends with `exit`. */
export function stopSequence(
  write: (line: string) => void,
  exit: (code: number) => void,
  options: { readonly now?: () => number; readonly deadlineMs?: number; readonly onFirstStop?: () => void } = {},
): StopSequence {
  const now = options.now ?? (() => performance.now());
  const deadlineMs = options.deadlineMs ?? STOP_DEADLINE_MS;
  let stopStack: (() => Promise<void>) | undefined;
  let stoppingSince: number | undefined;
  return {
    stop(reason) {
      if (stoppingSince !== undefined) {
        if (now() - stoppingSince >= QUIET_REPEAT_MS) write(`Still stopping (${reason})...\n`);
        return;
      }
      stoppingSince = now();
      write(`Stopping (${reason})...\n`);
      options.onFirstStop?.();
      setTimeout(() => {
        write(`Did not stop within ${deadlineMs / 1000} s: exiting.\n`);
        exit(1);
      }, deadlineMs).unref();
      (stopStack ?? (() => Promise.resolve()))().then(
        () => exit(0),
        (error: unknown) => {
          write(`Stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
          exit(1);
        },
      );
    },
    onStop(next) {
      stopStack = next;
    },
  };
}

/**
 * Watches this process's signals and parent from now on. Call it first thing, so that a parent
 * dying during synthesis does not leave a stack to start with nobody to stop it.
 */
export function watchProcessLifecycle(write: (line: string) => void): ProcessLifecycle {
  const sequence = stopSequence(write, (code) => process.exit(code), { onFirstStop: () => clearInterval(parentWatch) });
  const stop = (reason: string) => sequence.stop(reason);
  for (const signal of STOP_SIGNALS) process.on(signal, () => stop(signal));

  // Re-parented (to init or a subreaper) means the parent is gone.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) stop(`the parent process ${parent} exited`);
  }, PARENT_POLL_MS);
  parentWatch.unref();
  // Started with an IPC channel (by a Node parent with fork): its closing is the parent going away.
  if (process.channel !== undefined) process.once('disconnect', () => stop('the parent closed the IPC channel'));

  return { onStop: (next) => sequence.onStop(next) };
}
