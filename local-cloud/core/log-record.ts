/**
 * One log line as it travels from the service that wrote it to the sinks that show or keep it:
 * a record, so that a sink routes by its fields and only the last one formats text.
 */

/** Lambda's log levels, as a function's line or the local cloud's own record carries them. */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

/**
 * A line of one function's log stream, as CloudWatch keeps it in the function's log group: its
 * output, the platform's INIT_START/START/END/REPORT lines and the local cloud's QUEUED and EVENT
 * DISCARDED lines.
 */
export interface FunctionLogRecord {
  readonly source: 'function';
  readonly functionName: string;
  /** The invocation it belongs to; none for INIT_START and output between invocations. */
  readonly requestId?: string;
  /** The level the runtime wrote into the line (Text or JSON format), when it wrote one. */
  readonly level?: LogLevel;
  /** The line as the function's log holds it; a multi-line message is joined with \r, as the runtime does. */
  readonly text: string;
}

/**
 * The local cloud's own record: the Lambda service's (`local-lambda`: the resource budget, the
 * Event queue, the Node.js binary) or the stack's and the assembly reader's (`local-cloud`:
 * template parts it does not emulate). Never a function's, so never filed or filtered as one.
 */
export interface ServiceLogRecord {
  readonly source: 'local-lambda' | 'local-cloud';
  readonly level: LogLevel;
  /** The function it is about, when it is about one. */
  readonly functionName?: string;
  readonly text: string;
}

export type LogRecord = FunctionLogRecord | ServiceLogRecord;

/** Where records go: a console, files, a test's array. */
export type LogSink = (record: LogRecord) => void;

const LEVELS: ReadonlySet<string> = new Set<LogLevel>(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
const JSON_LEVEL = /"level":"([A-Z]+)"/;

/**
 * A record of a function's log line; its level read from the line where the runtime wrote one:
 * Text format `timestamp\trequestId\tLEVEL\tmessage`, JSON format `"level":"LEVEL"`.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
 */
export function functionLogRecord(functionName: string, text: string, requestId?: string): FunctionLogRecord {
  const written = text.startsWith('{') ? JSON_LEVEL.exec(text)?.[1] : text.split('\t', 3)[2];
  const level = written !== undefined && LEVELS.has(written) ? (written as LogLevel) : undefined;
  return {
    source: 'function',
    functionName,
    text,
    ...(requestId === undefined ? {} : { requestId }),
    ...(level === undefined ? {} : { level }),
  };
}

/** A warning of the local cloud itself. */
export function warningRecord(source: ServiceLogRecord['source'], text: string): ServiceLogRecord {
  return { source, level: 'WARN', text };
}

/** A notice of the local cloud itself: something a user acts on that is not wrong (a debugger's port). */
export function noticeRecord(source: ServiceLogRecord['source'], text: string): ServiceLogRecord {
  return { source, level: 'INFO', text };
}

/** The console's line for a record: `[<function name>] <text>`, `[local-lambda] warning: <text>`. */
export function formatLogRecord(record: LogRecord): string {
  if (record.source === 'function') return `[${record.functionName}] ${record.text}`;
  return `[${record.source}] ${record.level === 'WARN' ? 'warning: ' : ''}${record.text}`;
}
