/**
 * The platform's own lines in a function's log, in the function's `LoggingConfig.LogFormat`. Text
 * is today's START / END / REPORT / INIT_START lines, unchanged. JSON is what CloudWatch shows for
 * a function with the JSON log format: one `{"time","type","record"}` object a line, shaped as the
 * Telemetry API's platform events, filtered by `SystemLogLevel`.
 *
 * Record shapes: https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
 * Formats and levels: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
 * (JSON applies to system logs for every managed runtime; the "System log level event mapping"
 * table gives each event's level, quoted at `levelOf` below).
 */

import type { FunctionDefinition } from '../core/types';
import type { EnvironmentInvokeResult, RuntimeErrorDocument } from './environment';
import { exitErrorType, LambdaErrorType } from './error-types';
import { billedDurationMs, type QueueWait, queuedLine, reportLine } from './invocation-log';
import { initStartLine, runtimeVersionOf } from './platform-log';

type InvocationResult = EnvironmentInvokeResult | { readonly kind: 'init-error'; readonly error: RuntimeErrorDocument };

export interface ReportFacts {
  readonly requestId: string;
  readonly durationMs: number;
  readonly initDurationMs: number | undefined;
  readonly maxMemoryUsedMb: number | undefined;
  readonly result: InvocationResult;
}

export interface InitReportFacts {
  readonly durationMs: number;
  readonly status: 'timeout';
}

/**
 * The lines one function's log gets from the platform. Each returns the line to write, or
 * `undefined` when the function's system log level leaves it out.
 */
export interface PlatformLines {
  /** Text: the timeout and runtime-exit lines are written as today; JSON: they are the records' status. */
  readonly format: 'Text' | 'JSON';
  initStart(): string | undefined;
  /** `INIT_REPORT`: written for an INIT that timed out (then suppressed, and run again in the invocation). */
  initReport(facts: InitReportFacts): string | undefined;
  start(requestId: string): string | undefined;
  /** `END` in Text; `platform.runtimeDone` in JSON. */
  end(facts: ReportFacts): string | undefined;
  report(facts: ReportFacts): string | undefined;
  /** The local cloud's own QUEUED line: never filtered, a limit that binds stays visible. */
  queued(requestId: string, wait: QueueWait): string;
}

/** One set per definition (a function's definition only changes by replacement): built once, not per invocation. */
const linesByDefinition = new WeakMap<FunctionDefinition, { readonly region: string; readonly lines: PlatformLines }>();

export function platformLinesFor(definition: FunctionDefinition, region: string): PlatformLines {
  const cached = linesByDefinition.get(definition);
  if (cached?.region === region) return cached.lines;
  const config = definition.loggingConfig;
  const lines =
    config === undefined || config.logFormat === 'Text'
      ? textLines(definition, region)
      : jsonLines(definition, region, config.systemLogLevel ?? 'INFO');
  linesByDefinition.set(definition, { region, lines });
  return lines;
}

function textLines(definition: FunctionDefinition, region: string): PlatformLines {
  return {
    format: 'Text',
    initStart: () => initStartLine(definition, region),
    initReport: ({ durationMs, status }) => `INIT_REPORT Init Duration: ${durationMs.toFixed(2)} ms\tPhase: init\tStatus: ${status}`,
    start: (requestId) => `START RequestId: ${requestId} Version: $LATEST`,
    end: ({ requestId }) => `END RequestId: ${requestId}`,
    report: (facts) => reportLine({ ...facts, definition }),
    queued: queuedLine,
  };
}

const LEVEL_ORDER = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/**
 * The Status object of runtimeDone and report: `success | failure | error | timeout`, with an
 * `errorType` for `failure` and `error`. Which ending is `error` and which `failure` the schema
 * does not say. A runtime that ended is `failure` with `Runtime.ExitError`, as AWS's runtime
 * interface emulator writes it (aws-lambda-runtime-interface-emulator, lambda/telemetry: its
 * runtimeDone tests); Runtime.OutOfMemory is the same kind of ending. A handler's (or init's)
 * error, which the runtime reports itself, is `error` with the runtime's errorType: the closest
 * reading of the schema, not confirmed by a published record.
 */
function statusOf(result: InvocationResult): { status: string; errorType?: string } {
  switch (result.kind) {
    case 'success':
      return { status: 'success' };
    case 'function-error':
    case 'init-error':
      return { status: 'error', errorType: result.error.errorType };
    case 'timeout':
      return { status: 'timeout' };
    case 'exit':
      return { status: 'failure', errorType: exitErrorType(result.description) };
    case 'out-of-memory':
      return { status: 'failure', errorType: LambdaErrorType.outOfMemory };
  }
}

/** Milliseconds as CloudWatch's records show them: a number, three decimals at most. */
function roundedMs(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function jsonLines(definition: FunctionDefinition, region: string, systemLogLevel: string): PlatformLines {
  const threshold = LEVEL_ORDER.indexOf(systemLogLevel.toUpperCase());
  const record = (type: string, level: string, body: Record<string, unknown>): string | undefined =>
    LEVEL_ORDER.indexOf(level) < threshold ? undefined : JSON.stringify({ time: new Date().toISOString(), type, record: body });
  // Levels from the "System log level event mapping" table: initStart INFO when runtimeVersion is
  // set (it always is here); start INFO; runtimeDone DEBUG on success, WARN otherwise; report INFO
  // on success, WARN otherwise.
  return {
    format: 'JSON',
    initStart: () => {
      const { version, arn } = runtimeVersionOf(definition, region);
      // instanceId and instanceMaxMemory are optional in the schema and left out: no AWS instance.
      return record('platform.initStart', 'INFO', {
        initializationType: 'on-demand',
        phase: 'init',
        runtimeVersion: version,
        runtimeVersionArn: arn,
        functionName: definition.name,
        functionVersion: '$LATEST',
      });
    },
    // WARN: not the DEBUG of an on-demand INIT that succeeded.
    initReport: ({ durationMs, status }) =>
      record('platform.initReport', 'WARN', {
        initializationType: 'on-demand',
        phase: 'init',
        status,
        metrics: { durationMs: roundedMs(durationMs) },
      }),
    // `tracing` is optional and left out: the local cloud has no X-Ray trace to name.
    start: (requestId) => record('platform.start', 'INFO', { requestId, version: '$LATEST' }),
    end: ({ requestId, durationMs, result }) => {
      const { status, errorType } = statusOf(result);
      const metrics: Record<string, number> = { durationMs: roundedMs(durationMs) };
      if (result.kind === 'success') metrics.producedBytes = Buffer.byteLength(result.payload, 'utf8');
      return record('platform.runtimeDone', status === 'success' ? 'DEBUG' : 'WARN', {
        requestId,
        status,
        ...(errorType === undefined ? {} : { errorType }),
        metrics,
      });
    },
    report: ({ requestId, durationMs, initDurationMs, maxMemoryUsedMb, result }) => {
      const { status, errorType } = statusOf(result);
      return record('platform.report', status === 'success' ? 'INFO' : 'WARN', {
        requestId,
        metrics: {
          durationMs: roundedMs(durationMs),
          // Billed as the text REPORT line bills it (init included since 1 August 2025).
          billedDurationMs: billedDurationMs(durationMs, initDurationMs),
          memorySizeMB: definition.memorySizeMb,
          // Measured, never clamped: an overrun shows.
          maxMemoryUsedMB: maxMemoryUsedMb ?? 0,
          ...(initDurationMs === undefined ? {} : { initDurationMs: roundedMs(initDurationMs) }),
        },
        status,
        ...(errorType === undefined ? {} : { errorType }),
      });
    },
    // Lambda has no such line, so no documented shape: the platform-record envelope with a type
    // under `local.`, so a filter on `platform.*` never mistakes it for Lambda's.
    queued: (requestId, wait) =>
      JSON.stringify({
        time: new Date().toISOString(),
        type: 'local.queued',
        record: { requestId, waitedMs: roundedMs(wait.waitedMs), queued: wait.queued, limits: wait.limits },
      }),
  };
}
