/**
 * The seam between the Lambda service and what runs a function: an execution environment as the
 * scheduler sees it (start with INIT, one invocation at a time, stop, exit), whatever runs it.
 * `ExecutionEnvironment` runs it in a Node.js process (runtime/runtime-process.ts); the tests'
 * in-process fake (test/support/fake-environment.ts) runs a script, so the pool, the budget, the
 * init gate, admission and the Event queue are tested with fake timers.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import type { FunctionDefinition } from '../core/types';

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
  /**
   * INIT ran past Lambda's 10 s limit (`initDurationMs` is that attempt's): no kill, but a
   * "suppressed init". The environment is idle with no process, and its first invocation runs
   * INIT again, under that invocation's timeout, before the handler.
   * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
   */
  | { readonly kind: 'suppressed'; readonly initDurationMs: number }
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

/**
 * created → initializing → idle ⇄ busy, and dead from any of them; see the transition table in
 * execution-environment.ts.
 */
export type EnvironmentState = 'created' | 'initializing' | 'idle' | 'busy' | 'dead';

export interface Environment {
  readonly state: EnvironmentState;
  /** When its last invocation ended (epoch ms), for the pool's idle order and the idle TTL. */
  readonly lastUsedAt: number;
  /** Invocations it has served: later ones are warm. */
  readonly invocationCount: number;
  /** Its process, while there is one (benchmarks measure its memory). */
  readonly pid: number | undefined;
  /** Starts it and runs INIT: loads the handler module once. */
  start(): Promise<EnvironmentInitResult>;
  /**
   * It died while idle (a stray timer called `process.exit`, a promise rejected after the answer)
   * and no invocation has been told yet: Lambda fails the next invocation routed to it with that
   * exit, then replaces it. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
   */
  readonly diedIdle: boolean;
  /**
   * Runs one invocation; it must be idle, or have {@link diedIdle}, when the invocation ends at
   * once with that exit. A timeout or crash leaves it dead.
   */
  invoke(request: InvokeRequest): Promise<EnvironmentInvokeResult>;
  /** Peak memory in MB for REPORT's Max Memory Used; `fresh` measures now rather than the last figure. */
  maxMemoryUsedMb(fresh?: boolean): number | undefined;
  /** Ends it and everything it started; an invocation in flight ends as an exit. */
  stop(): void;
  /** Resolves once it has ended, with how (`exit status 1`, `signal: killed`). */
  whenExited(): Promise<string>;
}

/** A new, unstarted environment of a function: the seam the pool and the service are built on. */
export type EnvironmentFactory = (definition: FunctionDefinition) => Environment;
