/**
 * One invocation on the environment its pool leased it: the platform's START, the invocation (or
 * the INIT error that came instead), END, REPORT and QUEUED lines, the outcome as Invoke answers
 * it, and the environment handed back to the pool.
 */

import { functionLogRecord, type LogSink } from '../core/log-record';
import type { FunctionDefinition, InvokeOutcome } from '../core/types';
import type { EnvironmentInvokeResult, RuntimeErrorDocument } from './environment';
import type { Lease } from './environment-pool';
import { InvocationLog } from './invocation-log';
import { outcomeOf } from './invocation-outcome';
import { platformLinesFor } from './platform-records';

export interface Execution {
  readonly definition: FunctionDefinition;
  readonly lease: Lease;
  readonly requestId: string;
  readonly payload: Buffer;
  readonly wantsTail: boolean;
  /** Fault injection. */
  readonly crash: boolean;
  readonly hang: boolean;
  readonly latencyMs: number | undefined;
  readonly clientContext: string | undefined;
  readonly traceId: string | undefined;
  /** The ARN the caller named (with its qualifier), for `context.invokedFunctionArn`; the function's own when undefined. */
  readonly invokedFunctionArn?: string | undefined;
  readonly region: string;
  /** Receives each of the invocation's log lines as a record of its function.*/
  readonly logSink: LogSink;
  /** Hands the environment back, once the invocation and its lines are done. */
  readonly release: () => void;
}

export async function executeInvocation(execution: Execution): Promise<InvokeOutcome> {
  const { definition, lease, requestId, payload, wantsTail, latencyMs, clientContext, traceId } = execution;
  const log = new InvocationLog((line) => execution.logSink(functionLogRecord(definition.name, line, requestId)), wantsTail);
  const { environment } = lease;
  const started = performance.now();
  let result: EnvironmentInvokeResult | { readonly kind: 'init-error'; readonly error: RuntimeErrorDocument };
  const platform = platformLinesFor(definition, execution.region);
  const platformLine = (line: string | undefined) => line !== undefined && log.line(line);
  if (lease.suppressedInitMs !== undefined) platformLine(platform.initReport({ durationMs: lease.suppressedInitMs, status: 'timeout' }));
  platformLine(platform.start(requestId));
  if (lease.initError !== undefined) {
    result = { kind: 'init-error', error: lease.initError };
  } else {
    result = await environment.invoke({
      requestId,
      payload: payload.length === 0 ? '' : payload.toString('utf8'),
      invokedFunctionArn: execution.invokedFunctionArn ?? definition.arn,
      timeoutMs: definition.timeoutSeconds * 1000,
      ...(latencyMs === undefined ? {} : { extraLatencyMs: latencyMs }),
      crash: execution.crash,
      hang: execution.hang,
      ...(clientContext === undefined ? {} : { clientContext }),
      ...(traceId === undefined ? {} : { traceId }),
      onOutputLine: (line) => log.line(line),
    });
  }
  const durationMs = performance.now() - started;
  const outcome = outcomeOf(result, requestId, definition, log, platform.format === 'Text');
  const facts = { requestId, durationMs, initDurationMs: lease.initDurationMs, maxMemoryUsedMb: environment.maxMemoryUsedMb(), result };
  platformLine(platform.end(facts));
  platformLine(platform.report(facts));
  if (lease.queueWait !== undefined) log.line(platform.queued(requestId, lease.queueWait));
  execution.release();
  return { ...outcome, ...(wantsTail ? { logTail: log.tail() } : {}) };
}

/** The promise's result, or the signal's reason as soon as it aborts (the work itself goes on). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
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
