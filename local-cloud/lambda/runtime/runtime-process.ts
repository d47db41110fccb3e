/**
 * The OS side of one execution environment: a Node.js process running runtime-bootstrap.cjs as
 * an unprivileged user where there is one, with a private TMPDIR, its output pipes split into
 * lines, a checked message channel (runtime-messages.ts), its memory read from /proc, and its
 * whole process tree ended with it. What Lambda makes of all this (INIT, invocations, timeouts)
 * is execution-environment.ts's business.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { packagePath } from '../../core/package-files';
import { describeExit } from './exit-description';
import { ProcessFreezer } from './freezer';
import { LineSplitter } from './output-lines';
import { ENVIRONMENT_MARKER, killAll, processesMarked, processTree } from './process-tree';
import { heapLimitArguments, residentMemoryMb } from './runtime-limits';
import { MessageLines, type OutputBytes, parseRuntimeMessage, type RuntimeMessage } from './runtime-messages';
import type { FunctionUser } from './runtime-user';
import { environmentTemporaryDirectory } from './task-root';

/** Where the bootstrap lives: Lambda's `LAMBDA_RUNTIME_DIR`. */
export const RUNTIME_DIRECTORY = packagePath('lambda', 'runtime');
/** The runtime's entry, an ES module as Lambda's `/var/runtime/index.mjs` (index.mjs says why). */
const bootstrapPath = path.join(RUNTIME_DIRECTORY, 'index.mjs');

/** How long to wait for the function's last log bytes after its answer; the wait ends as soon as they have come. */
const OUTPUT_DRAIN_LIMIT_MS = 1000;
/** How often a busy process's resident memory is compared with the function's memory size. */
const MEMORY_CHECK_INTERVAL_MS = 100;
/** How long to wait, once the process has exited, for its pipes to deliver the last output. */
const EXIT_DRAIN_LIMIT_MS = 100;

export interface RuntimeExit {
  /** `exit status 3`, `signal: killed`, as Lambda words it; or the protocol the runtime broke. */
  readonly description: string;
  /** It went over its memory size (resident check, or V8's heap limit). */
  readonly outOfMemory: boolean;
}

export interface RuntimeProcessOptions {
  readonly codeDirectory: string;
  readonly memorySizeMb: number;
  readonly nodeBinary: string;
  /** The complete environment of the process. */
  readonly environment: Readonly<Record<string, string>>;
  /** Node.js flags, e.g. `--inspect=127.0.0.1:0`. @default none */
  readonly execArgv?: readonly string[];
  /** The user to run as (runtime-user.ts and runnable-by.ts decide); this process's own when not given. */
  readonly user?: FunctionUser;
  /** The runtime's bootstrap to run, a copy the user can read (runnable-by.ts). @default index.mjs beside this file */
  readonly bootstrap?: string;
  /** Each whole line the process writes to stdout or stderr. */
  readonly onLine: (line: string) => void;
  /** Each message that passed the checks, in the phase it belongs to. */
  readonly onMessage: (message: RuntimeMessage) => void;
  /** Once, when the process has gone and its pipes are drained. */
  readonly onExit: (exit: RuntimeExit) => void;
}

export class RuntimeProcess {
  /** The busy processes, whose memory one timer checks; it runs only while some process is busy. */
  private static readonly watched = new Set<RuntimeProcess>();
  private static memoryTimer: NodeJS.Timeout | undefined;

  private child: ChildProcess | undefined;
  private channel: Socket | undefined;
  private readonly stdout: LineSplitter;
  private readonly stderr: LineSplitter;
  private readonly outputWaiters = new Set<() => void>();
  /** What the process may say next: INIT's answer, the answer to this request ID, or nothing. */
  private awaiting: { readonly phase: 'init' } | { readonly phase: 'invoke'; readonly requestId: string } | undefined = { phase: 'init' };
  private brokenProtocol: string | undefined;
  private exitDescription: string | undefined;
  private lastMemorySampleMb: number | undefined;
  private outOfMemory = false;
  private temporaryDirectory: string | undefined;
  /** Marks this process and what it starts (process-tree.ts). */
  private readonly marker = randomUUID();
  private killedByUs = false;
  private orphansLikely = false;
  private debuggerAttachedValue = false;
  private readonly freezer = new ProcessFreezer();

  constructor(private readonly options: RuntimeProcessOptions) {
    const inspected = (options.execArgv ?? []).some((flag) => flag.startsWith('--inspect'));
    const routeLine = (line: string) => {
      // V8's own report when the heap limit (sized from the memory size) is reached.
      if (line.includes('JavaScript heap out of memory')) this.outOfMemory = true;
      if (inspected && line === 'Debugger attached.') this.debuggerAttachedValue = true;
      if (inspected && line.startsWith('Debugger ending on ')) this.debuggerAttachedValue = false;
      options.onLine(line);
    };
    this.stdout = new LineSplitter(routeLine);
    this.stderr = new LineSplitter(routeLine);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get tmpdir(): string | undefined {
    return this.temporaryDirectory;
  }

  /** A debugger holds the process (Node wrote `Debugger attached.`; only watched with `--inspect`). */
  get debuggerAttached(): boolean {
    return this.debuggerAttachedValue;
  }

  /** Starts the process; it loads the handler and answers `ready` or `init-error`. */
  spawn(): void {
    // A private TMPDIR (so os.tmpdir()) per environment, as each Lambda environment has its own /tmp.
    const user = this.options.user;
    this.temporaryDirectory = environmentTemporaryDirectory(user);
    const child = spawn(
      this.options.nodeBinary,
      [...heapLimitArguments(this.options.memorySizeMb), ...(this.options.execArgv ?? []), this.options.bootstrap ?? bootstrapPath],
      {
        // As an unprivileged user where the local cloud runs as root: the task root is then read-only to it.
        ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
        cwd: this.options.codeDirectory,
        env: { ...this.options.environment, TMPDIR: this.temporaryDirectory, [ENVIRONMENT_MARKER]: this.marker },
        // fd 3: the message channel, a socket pair of our own (runtime-messages.ts).
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    // None when the spawn failed for want of descriptors: its 'error' ends the environment.
    const channel = (child.stdio[3] ?? undefined) as Socket | undefined;
    this.channel = channel;
    child.stdout?.on('data', (chunk: Buffer) => this.onOutput(this.stdout, chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.onOutput(this.stderr, chunk));
    const lines = new MessageLines(
      (line) => this.onChannelLine(line),
      () => this.breakProtocol('a message larger than the channel allows'),
    );
    channel?.on('data', (chunk: Buffer) => lines.push(chunk));
    // Written by a process that has gone: nothing to tell it any more.
    channel?.on('error', () => undefined);
    // 'exit', not 'close': a grandchild holding the pipes open must not turn a crash into a timeout.
    child.on('exit', (code, signal) => {
      void this.drainAfterExit().then(() => this.onExit(describeExit(code, signal)));
    });
    child.on('error', (error) => this.onExit(`error: ${error.message}`));
  }

  /** Sends one invocation, then thaws the process if frozen; its answer is the only message accepted until it has come. */
  invoke(message: { readonly requestId: string } & Readonly<Record<string, unknown>>): void {
    this.awaiting = { phase: 'invoke', requestId: message.requestId };
    this.channel?.write(`${JSON.stringify({ type: 'invoke', ...message })}\n`);
    // After the write: the process wakes with the event waiting, so it runs the handler before overdue timers, as a thawed Lambda runtime gets its event.
    this.freezer.thaw();
  }

  /** An event was sent and its answer has not come yet. */
  get eventInFlight(): boolean {
    return this.awaiting?.phase === 'invoke';
  }

  /** Stops the process and what it started until the next `invoke` (freezer.ts). */
  freeze(): void {
    const pid = this.child?.pid;
    if (pid !== undefined && this.exitDescription === undefined) this.freezer.freeze(pid);
  }

  /** Fault injection: the process alone dies at once, as a crash would leave what it started. */
  crash(): void {
    this.child?.kill('SIGKILL');
  }

  /** Ends the process and everything it started (see process-tree.ts). */
  kill(): void {
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) this.killTree();
  }

  get exited(): boolean {
    return this.exitDescription !== undefined;
  }

  /** Compares its resident memory with the memory size while an invocation runs. */
  watchMemory(): void {
    RuntimeProcess.watched.add(this);
    if (RuntimeProcess.memoryTimer !== undefined) return;
    RuntimeProcess.memoryTimer = setInterval(() => {
      for (const watched of RuntimeProcess.watched) watched.checkMemory();
    }, MEMORY_CHECK_INTERVAL_MS);
    RuntimeProcess.memoryTimer.unref();
  }

  unwatchMemory(): void {
    RuntimeProcess.watched.delete(this);
    if (RuntimeProcess.watched.size > 0 || RuntimeProcess.memoryTimer === undefined) return;
    clearInterval(RuntimeProcess.memoryTimer);
    RuntimeProcess.memoryTimer = undefined;
  }

  /**
   * Peak resident memory in MB: the larger of what the process reported with its last answer (its
   * ru_maxrss) and what the memory check last read from /proc; the last figure once it is gone.
   * `fresh` reads /proc now; so does a call before any figure exists.
   */
  maxMemoryUsedMb(fresh = false): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined || this.exitDescription !== undefined) return this.lastMemorySampleMb;
    if (!fresh && this.lastMemorySampleMb !== undefined) return this.lastMemorySampleMb;
    const sample = residentMemoryMb(pid);
    if (sample !== undefined) this.lastMemorySampleMb = Math.max(this.lastMemorySampleMb ?? 0, sample.peakMb);
    return this.lastMemorySampleMb;
  }

  /** Takes the peak the process reported (KB); false when the message carried none. */
  notePeak(maxRssKb: number | undefined): boolean {
    if (typeof maxRssKb !== 'number' || !Number.isFinite(maxRssKb)) return false;
    this.lastMemorySampleMb = Math.max(this.lastMemorySampleMb ?? 0, Math.ceil(maxRssKb / 1024));
    return true;
  }

  /** Waits until the pipes have delivered what the process says it wrote (bounded). */
  waitForOutput(expected: OutputBytes): Promise<void> {
    const arrived = () => this.stdout.received >= expected.stdout && this.stderr.received >= expected.stderr;
    if (arrived()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(limit);
        this.outputWaiters.delete(check);
        resolve();
      };
      const check = () => {
        if (arrived()) done();
      };
      const limit = setTimeout(done, OUTPUT_DRAIN_LIMIT_MS);
      this.outputWaiters.add(check);
    });
  }

  private onChannelLine(line: string): void {
    if (this.brokenProtocol !== undefined) return;
    const parsed = parseRuntimeMessage(line);
    if (!parsed.ok) {
      this.breakProtocol(parsed.reason);
      return;
    }
    const { message } = parsed;
    const awaiting = this.awaiting;
    const expected =
      message.type === 'ready' || message.type === 'init-error'
        ? awaiting?.phase === 'init'
        : awaiting?.phase === 'invoke' && awaiting.requestId === message.requestId;
    if (!expected) {
      const what = 'requestId' in message ? `${message.type} message for request ${message.requestId}` : `${message.type} message`;
      this.breakProtocol(`an unexpected ${what}`);
      return;
    }
    this.awaiting = undefined;
    this.options.onMessage(message);
  }

  /** A message no runtime would send: the environment ends, and its invocation with Runtime.ExitError. */
  private breakProtocol(reason: string): void {
    if (this.brokenProtocol !== undefined || this.exitDescription !== undefined) return;
    this.brokenProtocol = `the runtime sent ${reason} on its channel`;
    this.options.onLine(`[local-cloud] ${this.brokenProtocol}; ending the execution environment`);
    this.killTree();
  }

  private killTree(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.killedByUs = true;
    killAll(process.platform === 'linux' ? processTree(pid) : [pid]);
  }

  private checkMemory(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    const sample = residentMemoryMb(pid);
    if (sample === undefined) return;
    this.lastMemorySampleMb = Math.max(this.lastMemorySampleMb ?? 0, sample.peakMb);
    if (sample.currentMb <= this.options.memorySizeMb) return;
    // Lambda ends an environment over its memory size: https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
    this.outOfMemory = true;
    this.killTree();
  }

  /** After 'exit', the pipes may still hold the last output: wait for both to end, briefly. */
  private drainAfterExit(): Promise<void> {
    const pipes = [this.child?.stdout, this.child?.stderr].filter(
      (pipe): pipe is NonNullable<typeof pipe> => pipe != null && !pipe.readableEnded,
    );
    if (pipes.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let open = pipes.length;
      const limit = setTimeout(() => {
        // Still open after the process has gone: something it started holds them.
        this.orphansLikely = true;
        resolve();
      }, EXIT_DRAIN_LIMIT_MS);
      for (const pipe of pipes) {
        pipe.once('end', () => {
          open -= 1;
          if (open === 0) {
            clearTimeout(limit);
            resolve();
          }
        });
      }
    });
  }

  private onOutput(splitter: LineSplitter, chunk: Buffer): void {
    splitter.push(chunk);
    for (const waiter of this.outputWaiters) waiter();
  }

  private onExit(description: string): void {
    if (this.exitDescription !== undefined) return;
    this.exitDescription = this.brokenProtocol ?? description;
    this.unwatchMemory();
    // What was frozen with it and outlived it must not stay stopped: it runs on into the kills below.
    this.freezer.forget();
    this.channel?.destroy();
    // Whatever the function started and left behind goes with it. The scan of /proc costs a few
    // milliseconds, so only when the process died on its own or left its pipes held.
    if (process.platform === 'linux' && (!this.killedByUs || this.orphansLikely)) killAll(processesMarked(this.marker));
    this.stdout.flush();
    this.stderr.flush();
    if (this.temporaryDirectory !== undefined) rmSync(this.temporaryDirectory, { recursive: true, force: true });
    this.options.onExit({ description: this.exitDescription, outOfMemory: this.outOfMemory && this.brokenProtocol === undefined });
  }
}
