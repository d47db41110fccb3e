/**
 * An in-process execution environment for unit tests of the scheduling rules: it implements the
 * `Environment` seam as `ExecutionEnvironment` does (INIT, one invocation at a time, the timeout,
 * crash and hang injection, stop, exit, the freeze between invocations), but runs a script instead
 * of a process, on timers that vitest's fake timers control. Nothing here forks or sleeps.
 */
import type { FunctionDefinition } from '../../core/types';
import type {
  Environment,
  EnvironmentFactory,
  EnvironmentInitResult,
  EnvironmentInvokeResult,
  EnvironmentState,
  InvokeRequest,
  RuntimeErrorDocument,
} from '../../lambda/environment';

/** How one scripted invocation ends, after `afterMs`, having written `lines`. */
export interface FakeAnswer {
  readonly afterMs?: number;
  readonly lines?: readonly string[];
  readonly result:
    | { readonly kind: 'success'; readonly payload: string }
    | { readonly kind: 'function-error'; readonly error: RuntimeErrorDocument }
    | { readonly kind: 'exit'; readonly description: string }
    | { readonly kind: 'out-of-memory'; readonly description: string }
    /** Never answers: the invocation runs into its timeout. */
    | { readonly kind: 'hang' };
  /**
   * Work the handler left running after its answer that ends the process (a timer's
   * `process.exit`, a promise rejected late), this long after the answer in the environment's
   * own time: frozen, that time passes only while an invocation runs.
   */
  readonly exitAfterAnswer?: { readonly afterMs: number; readonly description: string };
}

export interface FakeScript {
  /** How long INIT takes; past 10 s it is suppressed, and runs again (as long) inside the first invocation. @default 0 */
  readonly initMs?: number;
  /** INIT fails with this document (the handler threw while loading). */
  readonly initError?: RuntimeErrorDocument;
  /** The process exits during INIT, so: `exit status 1`. */
  readonly initExit?: string;
  /** Peak memory REPORT shows. @default 64 */
  readonly memoryMb?: number;
  /** Frozen between invocations, as `ExecutionEnvironment` is by default (`freezeWhenIdle`). @default true */
  readonly freezeWhenIdle?: boolean;
  /** Each invocation's answer. @default success, echoing the payload, at once */
  readonly answer?: (request: InvokeRequest, environment: FakeEnvironment) => FakeAnswer;
}

/** Lambda gives INIT up to 10 s, then suppresses it, as ExecutionEnvironment does. */
const INIT_TIMEOUT_MS = 10_000;

export const success = (payload: string, afterMs = 0): FakeAnswer => ({ afterMs, result: { kind: 'success', payload } });
export const functionError = (errorType: string, errorMessage: string, afterMs = 0): FakeAnswer => ({
  afterMs,
  result: { kind: 'function-error', error: { errorType, errorMessage, trace: [] } },
});
export const exit = (description: string, afterMs = 0): FakeAnswer => ({ afterMs, result: { kind: 'exit', description } });
export const hang = (): FakeAnswer => ({ result: { kind: 'hang' } });

let lastPid = 10_000;

export class FakeEnvironment implements Environment {
  readonly pid = ++lastPid;
  readonly invocations: InvokeRequest[] = [];
  invocationCount = 0;
  lastUsedAt = Date.now();
  private stateValue: EnvironmentState = 'created';
  private exitDescription: string | undefined;
  private idleExit: EnvironmentInvokeResult | undefined;
  private readonly exitListeners: ((description: string) => void)[] = [];
  private pending: { readonly resolve: (result: EnvironmentInvokeResult) => void; readonly timers: NodeJS.Timeout[] } | undefined;
  private initFinish: ((result: EnvironmentInitResult) => void) | undefined;
  /** INIT was suppressed: the first invocation runs it again. */
  private initAgain = false;
  /** Work left running after an answer that will end the process: its timer runs only while the environment is thawed. */
  private leftRunning:
    | { remainingMs: number; readonly description: string; timer?: NodeJS.Timeout | undefined; since?: number }
    | undefined;
  /** How many times the pool or service stopped it. */
  stops = 0;

  constructor(
    readonly definition: FunctionDefinition,
    private readonly script: FakeScript,
  ) {}

  get state(): EnvironmentState {
    return this.stateValue;
  }

  start(): Promise<EnvironmentInitResult> {
    if (this.stateValue !== 'created') throw new Error(`environment already ${this.stateValue}`);
    this.stateValue = 'initializing';
    const initMs = this.script.initMs ?? 0;
    return new Promise((resolve) => {
      const started = Date.now();
      const done = setTimeout(() => {
        if (this.stateValue !== 'initializing') return;
        if (this.script.initExit !== undefined) return this.end(this.script.initExit);
        if (this.script.initError !== undefined) {
          this.initFinish?.({ kind: 'init-error', error: this.script.initError, initDurationMs: Date.now() - started });
          this.stop();
          return;
        }
        this.stateValue = 'idle';
        this.initFinish?.({ kind: 'ready', initDurationMs: Date.now() - started });
      }, initMs);
      const initTimeout = setTimeout(() => {
        clearTimeout(done);
        this.initAgain = true;
        this.stateValue = 'idle';
        this.initFinish?.({ kind: 'suppressed', initDurationMs: Date.now() - started });
      }, INIT_TIMEOUT_MS);
      this.initFinish = (result) => {
        clearTimeout(initTimeout);
        this.initFinish = undefined;
        resolve(result);
      };
      this.whenExited().then((description) => {
        clearTimeout(done);
        this.initFinish?.({
          kind: 'init-error',
          error: { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${description}`, trace: [] },
          initDurationMs: Date.now() - started,
        });
      });
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
      this.invocations.push(request);
      return Promise.resolve(idleExit);
    }
    if (this.stateValue !== 'idle') throw new Error(`cannot invoke an environment that is ${this.stateValue}`);
    this.stateValue = 'busy';
    this.invocationCount += 1;
    this.invocations.push(request);
    // Thawed with the event: what the last invocation left running goes on.
    this.resumeLeftRunning();
    return new Promise((resolve) => {
      const pending = { resolve, timers: [] as NodeJS.Timeout[] };
      this.pending = pending;
      pending.timers.push(
        setTimeout(() => {
          this.settle({ kind: 'timeout' });
          this.stop();
        }, request.timeoutMs),
      );
      const run = () => {
        if (request.hang) return;
        if (request.crash) return this.end('signal: killed');
        const answer = this.script.answer?.(request, this) ?? success(request.payload);
        pending.timers.push(
          setTimeout(() => {
            for (const line of answer.lines ?? []) request.onOutputLine(line);
            const { result } = answer;
            if (result.kind === 'hang') return;
            if (result.kind === 'exit' || result.kind === 'out-of-memory')
              return this.end(result.description, result.kind === 'out-of-memory');
            if (answer.exitAfterAnswer !== undefined)
              this.leftRunning = { remainingMs: answer.exitAfterAnswer.afterMs, ...answer.exitAfterAnswer };
            this.resumeLeftRunning();
            this.settle(result);
          }, answer.afterMs ?? 0),
        );
      };
      const begin = () => {
        if ((request.extraLatencyMs ?? 0) > 0) pending.timers.push(setTimeout(run, request.extraLatencyMs));
        else run();
      };
      if (!this.initAgain) return begin();
      // The suppressed INIT, again, inside this invocation and its timeout.
      this.initAgain = false;
      pending.timers.push(
        setTimeout(() => {
          if (this.script.initError === undefined) return begin();
          this.settle({ kind: 'function-error', error: this.script.initError });
          this.stop();
        }, this.script.initMs ?? 0),
      );
    });
  }

  maxMemoryUsedMb(): number | undefined {
    return this.script.memoryMb ?? 64;
  }

  stop(): void {
    this.stops += 1;
    if (this.stateValue === 'busy') {
      // As a killed process: the invocation ends as an exit once it has gone.
      queueMicrotask(() => this.end('signal: killed'));
      return;
    }
    if (this.stateValue === 'dead' && this.exitDescription !== undefined) return;
    this.stateValue = 'dead';
    queueMicrotask(() => this.end('signal: killed'));
  }

  /** The process dies on its own, e.g. while idle (a stray timer called process.exit). */
  exitNow(description = 'exit status 1'): void {
    this.end(description);
  }

  whenExited(): Promise<string> {
    if (this.exitDescription !== undefined) return Promise.resolve(this.exitDescription);
    return new Promise((resolve) => this.exitListeners.push(resolve));
  }

  private settle(result: EnvironmentInvokeResult): void {
    const pending = this.pending;
    if (pending === undefined) return;
    for (const timer of pending.timers) clearTimeout(timer);
    this.pending = undefined;
    this.lastUsedAt = Date.now();
    if (this.stateValue === 'busy') this.stateValue = result.kind === 'success' || result.kind === 'function-error' ? 'idle' : 'dead';
    // Frozen once it has answered: what it left running waits for the next invocation.
    if (this.stateValue === 'idle' && (this.script.freezeWhenIdle ?? true)) this.pauseLeftRunning();
    pending.resolve(result);
  }

  private resumeLeftRunning(): void {
    const work = this.leftRunning;
    if (work === undefined || work.timer !== undefined) return;
    work.since = Date.now();
    work.timer = setTimeout(() => {
      this.leftRunning = undefined;
      this.end(work.description);
    }, work.remainingMs);
  }

  private pauseLeftRunning(): void {
    const work = this.leftRunning;
    if (work?.timer === undefined) return;
    clearTimeout(work.timer);
    work.timer = undefined;
    work.remainingMs -= Date.now() - (work.since ?? Date.now());
  }

  private end(description: string, outOfMemory = false): void {
    if (this.exitDescription !== undefined) return;
    this.exitDescription = description;
    clearTimeout(this.leftRunning?.timer);
    if (this.stateValue === 'idle') this.idleExit = outOfMemory ? { kind: 'out-of-memory', description } : { kind: 'exit', description };
    this.stateValue = 'dead';
    const pending = this.pending;
    if (pending !== undefined) {
      for (const timer of pending.timers) clearTimeout(timer);
      this.pending = undefined;
      pending.resolve(outOfMemory ? { kind: 'out-of-memory', description } : { kind: 'exit', description });
    }
    for (const listener of this.exitListeners.splice(0)) listener(description);
  }
}

/** The factory tests give the pool or the service, and what it made, in order. */
export class FakeEnvironments {
  readonly created: FakeEnvironment[] = [];

  constructor(private readonly scriptOf: (definition: FunctionDefinition) => FakeScript = () => ({})) {}

  readonly factory: EnvironmentFactory = (definition) => {
    const environment = new FakeEnvironment(definition, this.scriptOf(definition));
    this.created.push(environment);
    return environment;
  };

  /** The environments of one function not yet ended. */
  alive(functionName?: string): FakeEnvironment[] {
    return this.created.filter(
      (environment) => environment.state !== 'dead' && (functionName === undefined || environment.definition.name === functionName),
    );
  }
}
