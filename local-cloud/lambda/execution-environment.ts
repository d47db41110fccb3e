/**
 * One local execution environment as Lambda's lifecycle has it: INIT once, then one invocation at
 * a time for as long as it stays healthy, each within its timeout; a timeout, a crash or memory
 * over the function's size ends it. The process itself (fork, pipes, channel, memory, kill) is a
 * RuntimeProcess. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import type { FunctionDefinition } from '../core/types';
import type { Environment, EnvironmentInitResult, EnvironmentInvokeResult, EnvironmentState, InvokeRequest } from './environment';
import { newLogStreamName } from './environment-variables';
import { LambdaErrorType } from './error-types';
import { newTraceId } from './runtime/runtime-limits';
import type { RuntimeMessage } from './runtime/runtime-messages';
import { type RuntimeExit, RuntimeProcess } from './runtime/runtime-process';
import type { FunctionUser } from './runtime/runtime-user';

export interface ExecutionEnvironmentOptions {
  readonly definition: FunctionDefinition;
  readonly nodeBinary: string;
  /** The complete environment of the process (see `lambdaEnvironmentVariables`). */
  readonly environment: Readonly<Record<string, string>>;
  /** Lines written outside an invocation (INIT, or after a response). */
  readonly onIdleOutputLine: (line: string) => void;
  /**
   * Node.js flags for the process, e.g. `--inspect=127.0.0.1:0` to debug it. With `--inspect`, the
   * invocation timeout waits while a debugger is attached (Node writes `Debugger attached.` and
   * `Debugger ending on ...` to stderr), so a breakpoint does not end the invocation. @default none
   */
  readonly execArgv?: readonly string[];
  /** The user to run as (runtime-user.ts, runnable-by.ts decide); this process's own when not given. */
  readonly user?: FunctionUser;
  /** The runtime's bootstrap to run, a copy the user can read (runnable-by.ts). @default runtime/index.mjs */
  readonly bootstrap?: string;
  /**
   * Freeze the process between invocations (after INIT, and after each answer unless its next event
   * was sent as the answer was handled), as Lambda does:
   * what the function leaves running runs only in its next invocation (runtime/freezer.ts). Never
   * with `--inspect`, whose debugger needs the process to answer while it idles. @default true
   */
  readonly freezeWhenIdle?: boolean;
  /** How long INIT may run before it is suppressed (tests shorten it). @default 10 000, Lambda's limit */
  readonly initTimeoutMs?: number;
}

/**
 * Lambda gives INIT up to 10 s on demand; past it, INIT runs again inside the first invocation, under
 * the function's timeout. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
 */
const INIT_TIMEOUT_MS = 10_000;
/** While a debugger holds the process past its deadline, how often to look again. */
const DEBUGGER_RECHECK_MS = 1000;

/** What moves an environment from one state to another. */
type EnvironmentEvent = 'start' | 'ready' | 'suppressed' | 'invoke' | 'answered' | 'failed' | 'stop' | 'exit';

/**
 * Every transition of the lifecycle, in one place; a pair not listed cannot happen. `stop` while
 * busy leaves it busy: the invocation ends when the process has gone (as an exit), and then it is dead.
 */
const TRANSITIONS: Readonly<Record<EnvironmentState, Partial<Record<EnvironmentEvent, EnvironmentState>>>> = {
  created: { start: 'initializing', stop: 'dead' },
  // Suppressed: idle with no process; its first invocation runs INIT again.
  initializing: { ready: 'idle', suppressed: 'idle', stop: 'dead', exit: 'dead' },
  idle: { invoke: 'busy', stop: 'dead', exit: 'dead' },
  busy: { answered: 'idle', failed: 'dead', stop: 'busy', exit: 'dead' },
  dead: { stop: 'dead', exit: 'dead', failed: 'dead' },
};

interface PendingInvocation {
  readonly request: InvokeRequest;
  readonly resolve: (result: EnvironmentInvokeResult) => void;
  timer?: NodeJS.Timeout;
}

export class ExecutionEnvironment implements Environment {
  readonly logStreamName: string;
  /** The process; a new one, not yet spawned, after a suppressed init. */
  private runtime: RuntimeProcess;
  /** INIT was suppressed: the next invocation runs it again first. */
  private initAgain = false;
  private stateValue: EnvironmentState = 'created';
  private pending: PendingInvocation | undefined;
  private exitDescription: string | undefined;
  /** How it ended while idle, until an invocation reports it (see `Environment.diedIdle`). */
  private idleExit: EnvironmentInvokeResult | undefined;
  private readonly exitListeners = new Set<(description: string) => void>();
  /** Answers to INIT, while it runs. */
  private initListener: ((message: RuntimeMessage) => void) | undefined;
  invocationCount = 0;
  lastUsedAt = Date.now();
  private readonly freezeWhenIdle: boolean;

  constructor(private readonly options: ExecutionEnvironmentOptions) {
    this.freezeWhenIdle = (options.freezeWhenIdle ?? true) && !(options.execArgv ?? []).some((flag) => flag.startsWith('--inspect'));
    this.logStreamName = options.environment.AWS_LAMBDA_LOG_STREAM_NAME ?? newLogStreamName();
    this.runtime = this.newRuntime();
  }

  private newRuntime(): RuntimeProcess {
    const { options } = this;
    const runtime: RuntimeProcess = new RuntimeProcess({
      codeDirectory: options.definition.codeDirectory,
      memorySizeMb: options.definition.memorySizeMb,
      nodeBinary: options.nodeBinary,
      environment: options.environment,
      ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.bootstrap === undefined ? {} : { bootstrap: options.bootstrap }),
      onLine: (line) => (this.pending === undefined ? options.onIdleOutputLine(line) : this.pending.request.onOutputLine(line)),
      // A process a suppressed init replaced says nothing more that counts.
      onMessage: (message) => void (runtime === this.runtime && this.onMessage(message)),
      onExit: (exit) => runtime === this.runtime && this.onExit(exit),
    });
    return runtime;
  }

  get state(): EnvironmentState {
    return this.stateValue;
  }

  get pid(): number | undefined {
    return this.runtime.pid;
  }

  /** The environment's private temporary directory (its `TMPDIR`), while it runs. */
  get tmpdir(): string | undefined {
    return this.runtime.tmpdir;
  }

  start(): Promise<EnvironmentInitResult> {
    if (this.stateValue !== 'created') throw new Error(`environment already ${this.stateValue}`);
    this.move('start');
    const started = performance.now();
    this.runtime.spawn();
    return new Promise<EnvironmentInitResult>((resolve) => {
      // Past the limit, INIT is suppressed, not failed: this process goes, and the first invocation starts another.
      const initTimer = setTimeout(() => {
        const late = this.runtime;
        this.runtime = this.newRuntime();
        late.kill();
        this.initAgain = true;
        this.move('suppressed');
        finish({ kind: 'suppressed', initDurationMs: performance.now() - started });
      }, this.options.initTimeoutMs ?? INIT_TIMEOUT_MS);
      const finish = (result: EnvironmentInitResult) => {
        clearTimeout(initTimer);
        this.initListener = undefined;
        this.exitListeners.delete(onExit);
        resolve(result);
      };
      this.initListener = (message) => {
        // Stopped during INIT (closed, or a start no longer wanted): a 'ready' already on its way
        // changes nothing; the process's exit ends the start.
        if (this.stateValue === 'dead') return;
        if (message.type === 'ready') {
          this.move('ready');
          if (this.freezeWhenIdle) this.runtime.freeze();
          if (!this.runtime.notePeak(message.maxRssKb)) this.runtime.maxMemoryUsedMb(true);
          // From the spawn, not the handler's load alone: Lambda's Init Duration includes the runtime's start.
          finish({ kind: 'ready', initDurationMs: performance.now() - started });
        } else if (message.type === 'init-error') {
          void this.runtime.waitForOutput(message.outputBytes).then(() => {
            this.stop();
            finish({ kind: 'init-error', error: message.error, initDurationMs: performance.now() - started });
          });
        }
      };
      const onExit = (description: string) =>
        finish({
          kind: 'init-error',
          error: { errorType: LambdaErrorType.exit, errorMessage: `Runtime exited with error: ${description}`, trace: [] },
          initDurationMs: performance.now() - started,
        });
      this.exitListeners.add(onExit);
    });
  }

  get diedIdle(): boolean {
    return this.idleExit !== undefined;
  }

  invoke(request: InvokeRequest): Promise<EnvironmentInvokeResult> {
    const idleExit = this.idleExit;
    if (idleExit !== undefined) {
      this.idleExit = undefined;
      this.invocationCount += 1;
      return Promise.resolve(idleExit);
    }
    if (this.stateValue !== 'idle' || (this.pid === undefined && !this.initAgain))
      throw new Error(`cannot invoke an environment that is ${this.stateValue}`);
    this.move('invoke');
    this.invocationCount += 1;
    return new Promise<EnvironmentInvokeResult>((resolve) => {
      const pending: PendingInvocation = { request, resolve };
      this.pending = pending;
      const deadlineEpochMs = Date.now() + request.timeoutMs;
      // Lambda stops the environment when the timeout passes. https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
      const onDeadline = () => {
        // Held at a breakpoint, perhaps: look again in a second, and time out once the debugger has gone.
        if (this.runtime.debuggerAttached) {
          pending.timer = setTimeout(onDeadline, DEBUGGER_RECHECK_MS);
          return;
        }
        this.runtime.maxMemoryUsedMb(true);
        this.settle({ kind: 'timeout' });
        this.stop();
      };
      pending.timer = setTimeout(onDeadline, request.timeoutMs);
      // What V8's heap limit misses (buffers, native memory) shows in the resident size.
      this.runtime.watchMemory();
      const dispatch = () => {
        if (this.pending !== pending || request.hang) return;
        // Killed before it can answer: sending the event first would race the kill against a fast handler.
        if (request.crash) {
          this.runtime.crash();
          return;
        }
        this.runtime.invoke({
          requestId: request.requestId,
          payload: request.payload,
          deadlineEpochMs,
          invokedFunctionArn: request.invokedFunctionArn,
          traceId: request.traceId ?? newTraceId(),
          ...(request.clientContext === undefined ? {} : { clientContext: request.clientContext }),
          ...(request.tenantId === undefined ? {} : { tenantId: request.tenantId }),
        });
      };
      const begin = () => {
        if (request.extraLatencyMs !== undefined && request.extraLatencyMs > 0) setTimeout(dispatch, request.extraLatencyMs);
        else dispatch();
      };
      if (this.initAgain) void this.initInside(pending).then((ready) => ready && begin());
      else begin();
    });
  }

  maxMemoryUsedMb(fresh = false): number | undefined {
    return this.runtime.maxMemoryUsedMb(fresh);
  }

  stop(): void {
    if (this.initAgain) {
      // Suppressed and never invoked: there is no process to end.
      this.initAgain = false;
      queueMicrotask(() => this.onExit({ description: 'signal: killed', outOfMemory: false }));
    } else this.runtime.kill();
    this.move('stop');
  }

  /**
   * The suppressed INIT, run again inside the invocation (its timer already running): true once
   * the handler is loaded; an INIT error ends the invocation with that error, and the environment.
   */
  private initInside(pending: PendingInvocation): Promise<boolean> {
    this.initAgain = false;
    this.runtime.spawn();
    return new Promise((resolve) => {
      this.initListener = (message) => {
        this.initListener = undefined;
        if (message.type === 'ready') {
          this.runtime.notePeak(message.maxRssKb);
          resolve(this.pending === pending);
          return;
        }
        if (message.type !== 'init-error') return;
        void this.runtime.waitForOutput(message.outputBytes).then(() => {
          this.settle({ kind: 'function-error', error: message.error });
          this.stop();
          resolve(false);
        });
      };
    });
  }

  whenExited(): Promise<string> {
    if (this.exitDescription !== undefined) return Promise.resolve(this.exitDescription);
    return new Promise((resolve) => this.exitListeners.add(resolve));
  }

  private move(event: EnvironmentEvent): void {
    const next = TRANSITIONS[this.stateValue][event];
    if (next === undefined) throw new Error(`an environment that is ${this.stateValue} cannot take '${event}'`);
    this.stateValue = next;
  }

  private async onMessage(message: RuntimeMessage): Promise<void> {
    if (message.type === 'ready' || message.type === 'init-error') {
      this.initListener?.(message);
      return;
    }
    const pending = this.pending;
    if (pending === undefined || pending.request.requestId !== message.requestId) return;
    this.runtime.notePeak(message.maxRssKb);
    await this.runtime.waitForOutput(message.outputBytes);
    if (this.pending !== pending) return;
    if (message.type === 'result') this.settle({ kind: 'success', payload: message.payload });
    else this.settle({ kind: 'function-error', error: message.error });
    if (this.freezeWhenIdle) this.freezeUnlessNextEventSent();
  }

  /**
   * Frozen once it has answered (after its output, which a pipe may still be taking from it: the
   * wait is bounded), as Lambda freezes it when the runtime asks for the next event and none is
   * there. When one is, Lambda hands it over at once and does not freeze: so here, when the
   * answer's handling, in this same turn of the event loop, has sent this environment its next
   * event (an invocation that waited for it), no SIGSTOP and SIGCONT are spent on an instant of
   * freeze. The check runs once the promises the answer settled have run (a tick queued from
   * here runs after them), so no I/O and no other environment's work comes between.
   */
  private freezeUnlessNextEventSent(): void {
    const runtime = this.runtime;
    process.nextTick(() => {
      if (runtime === this.runtime && this.stateValue !== 'dead' && !runtime.eventInFlight) runtime.freeze();
    });
  }

  private settle(result: EnvironmentInvokeResult): void {
    const pending = this.pending;
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.runtime.unwatchMemory();
    this.pending = undefined;
    this.lastUsedAt = Date.now();
    this.move(result.kind === 'success' || result.kind === 'function-error' ? 'answered' : 'failed');
    pending.resolve(result);
  }

  private onExit(exit: RuntimeExit): void {
    this.exitDescription = exit.description;
    const wasIdle = this.stateValue === 'idle';
    this.move('exit');
    const result: EnvironmentInvokeResult = exit.outOfMemory
      ? { kind: 'out-of-memory', description: exit.description }
      : { kind: 'exit', description: exit.description };
    // Not stopped (that moves it to dead first): it died on its own, for the next invocation to report.
    if (wasIdle) this.idleExit = result;
    const pending = this.pending;
    if (pending !== undefined) {
      clearTimeout(pending.timer);
      this.pending = undefined;
      pending.resolve(result);
    }
    for (const listener of this.exitListeners) listener(exit.description);
    this.exitListeners.clear();
  }
}
