/**
 * The local Lambda service: finds a function by name or ARN, admits an invocation as Lambda's
 * concurrency does (concurrency-admission.ts), runs it in an execution environment of its own from
 * the function's pool (environment-pool.ts) within the local resource budget (resource-budget.ts),
 * queues `Event` invocations as Lambda's asynchronous model does (async-invocation-queue.ts), and
 * writes each invocation's log as CloudWatch would show it (invocation-execution.ts). What runs an
 * environment is behind a factory (environment.ts): a process by default (process-environments.ts).
 */

import { randomUUID } from 'node:crypto';
import { DEFAULT_LOCAL_ACCOUNT_ID, DEFAULT_LOCAL_REGION } from '../core/defaults';
import { formatLogRecord, functionLogRecord, type LogSink, warningRecord } from '../core/log-record';
import { atMostEvery } from '../core/rate-limit';
import { type FunctionDefinition, type InvokeOutcome, type LambdaInvoker, LambdaServiceError } from '../core/types';
import { AsyncInvocationQueue, type AttemptOutcome, type QueuedEvent } from './async-invocation-queue';
import { ConcurrencyAdmission, DEFAULT_ACCOUNT_CONCURRENCY, tooManyRequests } from './concurrency-admission';
import type { Lease } from './environment-pool';
import { checkTargetsMatch, drawFault, seededRandom } from './fault-injection';
import { defaultMaxConcurrentInits, InitGate } from './init-gate';
import { executeInvocation, raceAbort } from './invocation-execution';
import { createStderrLogSink } from './invocation-log';
import { type QualifiedFunction, qualifiedFunction, validatePayload } from './invoke-request';
import type { InvokeOptions, LambdaServiceOptions } from './lambda-service-options';
import { type LocalFunction, LocalFunctions } from './local-functions';
import { defaultMaxEnvironments, EnvironmentBudget } from './resource-budget';

export { MAX_SYNC_PAYLOAD_BYTES, type QualifiedFunction } from './invoke-request';
export type { InvocationType, InvokeOptions, LambdaServiceOptions } from './lambda-service-options';

/** How often the warning that the local resource budget binds may repeat. */
const BUDGET_WARNING_INTERVAL_MS = 10_000;
/** How often the warning that the Event queue's cap binds may repeat. */
const EVENT_QUEUE_WARNING_INTERVAL_MS = 1000;

export class LocalLambdaService implements LambdaInvoker {
  readonly region: string;
  readonly accountId: string;
  readonly concurrencyLimit: number;
  /** The local resource budget in force. */
  readonly maxEnvironments: number;
  /** Environments that may start at once: fixed (`--max-concurrent-inits`), or undefined when paced by their measured start time (init-gate.ts). */
  readonly maxConcurrentInits: number | undefined;
  private readonly localFunctions: LocalFunctions;
  private readonly admission: ConcurrencyAdmission;
  private readonly budget: EnvironmentBudget;
  private readonly events: AsyncInvocationQueue;
  private readonly random: () => number;
  private readonly logSink: LogSink;
  private readonly closeLogSink: () => void;
  private readonly budgetWarning = atMostEvery(BUDGET_WARNING_INTERVAL_MS);
  private readonly eventQueueWarning = atMostEvery(EVENT_QUEUE_WARNING_INTERVAL_MS);
  private closed = false;
  lambdaEndpointUrl: string | undefined;

  constructor(options: LambdaServiceOptions) {
    this.region = options.region ?? DEFAULT_LOCAL_REGION;
    this.accountId = options.accountId ?? DEFAULT_LOCAL_ACCOUNT_ID;
    this.concurrencyLimit = options.concurrencyLimit ?? DEFAULT_ACCOUNT_CONCURRENCY;
    this.maxEnvironments = options.maxEnvironments ?? defaultMaxEnvironments();
    this.maxConcurrentInits = options.maxConcurrentInits;
    this.random = seededRandom(options.faultInjection?.seed ?? 1);
    checkTargetsMatch(
      options.faultInjection,
      options.functions.map((definition) => definition.name),
    );
    if (options.logSink === undefined) {
      const sink = createStderrLogSink();
      this.logSink = (record) => sink.write(formatLogRecord(record));
      this.closeLogSink = sink.close;
    } else {
      this.logSink = options.logSink;
      this.closeLogSink = () => undefined;
    }
    this.lambdaEndpointUrl = options.lambdaEndpointUrl;
    this.budget = new EnvironmentBudget(this.maxEnvironments, {
      onBind: (waiting) => this.warnBudgetBinds(waiting),
      reclaimIdle: () => this.localFunctions.stopOldestIdle(),
    });
    this.localFunctions = new LocalFunctions(options, {
      region: this.region,
      logSink: this.logSink,
      budget: this.budget,
      initGate:
        options.maxConcurrentInits === undefined
          ? new InitGate(defaultMaxConcurrentInits(), true)
          : new InitGate(options.maxConcurrentInits),
      lambdaEndpointUrl: () => this.lambdaEndpointUrl,
    });
    this.admission = new ConcurrencyAdmission(this.concurrencyLimit, this.localFunctions.reservations);
    this.events = new AsyncInvocationQueue(
      options.asyncInvocation ?? {},
      (event) => this.attemptEvent(event),
      (functionName, line) => this.logSink(functionLogRecord(functionName, line)),
      (functionName) => this.localFunctions.get(functionName)?.pool.definition.asyncInvokeConfig,
    );
  }

  /** The functions as configured locally (overrides applied). */
  get functions(): readonly FunctionDefinition[] {
    return this.localFunctions.definitions;
  }

  /** Environments currently alive for a function, for tests and benchmarks. */
  environmentCount(functionName: string): number {
    return this.localFunctions.get(functionName)?.pool.environments.size ?? 0;
  }

  /** Process IDs of a function's environments, for benchmarks that measure their memory. */
  environmentPids(functionName: string): number[] {
    const pool = this.localFunctions.get(functionName)?.pool;
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
    return { ...qualified, definition: target.pool.definition };
  }

  /** `LambdaInvoker` for the local HTTP API: a synchronous invocation, in process. */
  invoke(functionName: string, payload: Buffer, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    if (this.closed) return Promise.reject(new LambdaServiceError('ServiceException', 500, 'The local Lambda service is closed.'));
    const invocationType = options.invocationType ?? 'RequestResponse';
    let target: LocalFunction;
    let qualified: QualifiedFunction;
    try {
      ({ target, qualified } = this.localFunction(functionName, options.qualifier));
      validatePayload(payload, invocationType);
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
        return this.runInvocation(target, requestId, payload, options.logType === 'Tail', options.signal, {
          ...options,
          invokedFunctionArn: qualified.invokedArn,
        }).then((outcome) => ({ ...outcome, executedVersion }));
    }
  }

  /**
   * Replaces a function's code and configuration (watch mode): new invocations start
   * environments from `definition`, its code staged afresh; idle environments stop now, busy ones
   * when their invocation ends, so an invocation in flight finishes on the code it started with.
   */
  replaceFunction(definition: FunctionDefinition): void {
    const target = this.localFunctions.get(definition.name);
    if (target === undefined) throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${definition.arn}`);
    this.localFunctions.replace(target, definition);
  }

  /** Writes a platform line to a function's log (the durable service's execution lines). */
  platformLog(functionName: string, line: string): void {
    this.logSink(functionLogRecord(functionName, line));
  }

  /** Gives up queued events (each with its line), stops every environment and waits for the processes to exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing = new LambdaServiceError('ServiceException', 500, 'The local Lambda service is closed.');
    const eventsClosed = this.events.close();
    await this.localFunctions.close(closing);
    await eventsClosed;
    this.closeLogSink();
  }

  private localFunction(functionName: string, qualifier: string | undefined): { target: LocalFunction; qualified: QualifiedFunction } {
    const here = {
      region: this.region,
      accountId: this.accountId,
      definitionOf: (name: string) => this.localFunctions.get(name)?.pool.definition,
    };
    const qualified = qualifiedFunction(functionName, qualifier, here);
    const target = this.localFunctions.get(qualified.definition.name);
    if (target === undefined) throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${functionName}`);
    return { target, qualified };
  }

  /** One attempt of a queued event, as the asynchronous poller makes it. */
  private async attemptEvent(event: QueuedEvent): Promise<AttemptOutcome> {
    const target = this.localFunctions.get(event.functionName);
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
    { clientContext, traceId, invokedFunctionArn }: Pick<InvokeOptions, 'clientContext' | 'traceId'> & { invokedFunctionArn?: string } = {},
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
    const execution = executeInvocation({
      definition,
      lease,
      requestId,
      payload,
      wantsTail,
      crash: fault === 'crash',
      hang: fault === 'timeout',
      latencyMs: target.latencyMs,
      clientContext,
      traceId,
      invokedFunctionArn,
      region: this.region,
      logSink: this.logSink,
      release: () => pool.release(lease.environment),
    });
    // An abandoned caller does not stop the function: Lambda lets it run to its end, and it
    // keeps counting against concurrency until then.
    execution.then(leave, leave);
    return raceAbort(execution, signal);
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
        warningRecord(
          'local-lambda',
          `the queued Event invocations hold ${held} bytes, and the cap is ${cap} (${this.events.pending} events): ` +
            'new Event invocations are answered 429 until some have ended. Raise it with --max-queued-event-mb (option asyncInvocation.maxQueuedBytes).',
        ),
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
        warningRecord(
          'local-lambda',
          `all ${this.maxEnvironments} execution environments of the local resource budget are in use; ` +
            `${waiting} invocation(s) wait for one (Lambda would run them at once). Raise it with --max-environments (option maxEnvironments); ` +
            'each invocation that waited has a QUEUED line after its REPORT.',
        ),
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
