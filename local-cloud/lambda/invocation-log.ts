/**
 * What one invocation writes to its function's log, as CloudWatch shows it: the lines themselves
 * (kept for `LogType: Tail` when asked), the REPORT line, and the local cloud's own QUEUED line when
 * the invocation waited for the local resource budget. Also the default sink, which writes to
 * stderr; it is created by whoever needs it, never registered at import.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
 */

import type { FunctionDefinition } from '../core/types';
import type { RuntimeErrorDocument } from './environment';
import { exitErrorType, LambdaErrorType } from './error-types';

/** Bytes of log returned with `LogType: Tail`. */
const LOG_TAIL_BYTES = 4096;

/** Collects one invocation's log lines for the sink and for `LogType: Tail`. */
export class InvocationLog {
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

interface ReportInput {
  readonly requestId: string;
  readonly definition: FunctionDefinition;
  readonly durationMs: number;
  readonly initDurationMs: number | undefined;
  readonly maxMemoryUsedMb: number | undefined;
  readonly result: { readonly kind: string; readonly error?: RuntimeErrorDocument; readonly description?: string };
}

/** Init is billed since 1 August 2025: https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/ */
export function billedDurationMs(durationMs: number, initDurationMs: number | undefined): number {
  return Math.max(1, Math.ceil(durationMs + (initDurationMs ?? 0)));
}

/** The REPORT line. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html */
export function reportLine({ requestId, definition, durationMs, initDurationMs, maxMemoryUsedMb, result }: ReportInput): string {
  const fields = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billedDurationMs(durationMs, initDurationMs)} ms`,
    `Memory Size: ${definition.memorySizeMb} MB`,
    // Measured, never clamped: an overrun shows.
    `Max Memory Used: ${maxMemoryUsedMb ?? 0} MB`,
  ];
  if (initDurationMs !== undefined) fields.push(`Init Duration: ${initDurationMs.toFixed(2)} ms`);
  if (result.kind === 'timeout') fields.push('Status: timeout');
  if (result.kind === 'exit') fields.push('Status: error', `Error Type: ${exitErrorType(result.description ?? '')}`);
  if (result.kind === 'out-of-memory') fields.push('Status: error', `Error Type: ${LambdaErrorType.outOfMemory}`);
  if (result.kind === 'init-error' && result.error !== undefined) fields.push('Status: error', `Error Type: ${result.error.errorType}`);
  return fields.join('\t');
}

/** How long an invocation waited for a local limit, behind how many others, and which limits. */
export interface QueueWait {
  readonly waitedMs: number;
  /** Invocations waiting when this one joined the queue, itself included. */
  readonly queued: number;
  /** The limits it waited for, each with the flag that changes it. */
  readonly limits: readonly string[];
}

/**
 * The local cloud's own line, written next to REPORT when the invocation waited for an execution
 * environment because a local limit was in use (the resource budget, or the environments starting
 * at once). Lambda has no such wait: this line is how a local run shows that it is slower than
 * Lambda would be, and why.
 */
export function queuedLine(requestId: string, wait: QueueWait): string {
  return [`QUEUED RequestId: ${requestId}`, `Waited: ${wait.waitedMs.toFixed(2)} ms`, `Queued: ${wait.queued}`, ...wait.limits].join('\t');
}

/**
 * A sink that writes log lines to stderr in one write per turn of the event loop: a write to a
 * file or a terminal is synchronous, and three lines an invocation, one write each, cost more than
 * the invocation. Lines stay whole and in order; a multi-line message (joined with \r by the
 * runtime) is indented, not overwritten. `close` writes what is pending.
 */
export function createStderrLogSink(): { readonly write: (line: string) => void; readonly close: () => void } {
  const pendingLines: string[] = [];
  const flush = () => {
    if (pendingLines.length === 0) return;
    process.stderr.write(`${pendingLines.join('\n')}\n`);
    pendingLines.length = 0;
  };
  // Lines written in the process's last turn are not lost; removed again by `close`.
  process.on('exit', flush);
  return {
    write: (line) => {
      if (pendingLines.length === 0) setImmediate(flush);
      pendingLines.push(line.replaceAll('\r', '\n    '));
    },
    close: () => {
      flush();
      process.off('exit', flush);
    },
  };
}
