/**
 * Where log records go: each function's lines to `<directory>/<function name>.log` (as CloudWatch
 * keeps a log group per function), and to the console, all of them or only the chosen functions'.
 * The local cloud's own records (the Lambda service's and the assembly reader's warnings) go to
 * the console whatever the filter, and to no function's file: they are no function's lines.
 * A function's file that reaches its size limit becomes `<function name>.log.1` (replacing the one
 * before) and a new file is started, so the folder never holds more than twice the limit per function.
 */
import { createWriteStream, fstatSync, renameSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { formatLogRecord, type LogRecord } from '../core/log-record';
import { openForAppend } from './local-cloud-folder';

export interface FunctionLogSinkOptions {
  /** Folder of the per-function files, created when needed. @default none: no files */
  readonly directory?: string;
  /** Receives the lines to show. @default none */
  readonly console?: (line: string) => void;
  /** Show only these functions' lines (local names); an empty set shows none. @default all */
  readonly only?: ReadonlySet<string>;
  /** The size at which a function's file is rotated to `<file>.1`. @default {@link DEFAULT_LOG_FILE_BYTES} */
  readonly maxFileBytes?: number;
}

/** `npm start`'s default for `--log-file-mb`: 10 MiB per function, one rotated file kept. */
export const DEFAULT_LOG_FILE_BYTES = 10 * 1024 * 1024;

interface OpenLog {
  readonly stream: WriteStream;
  bytes: number;
}

export interface FunctionLogSink {
  /** The Lambda service's and the stack's `logSink`. */
  readonly write: (record: LogRecord) => void;
  /** The file a function's lines go to. */
  fileOf(functionName: string): string;
  /** Flushes and closes the files. */
  close(): Promise<void>;
}

export function createFunctionLogSink(options: FunctionLogSinkOptions): FunctionLogSink {
  const files = new Map<string, OpenLog | undefined>();
  const { directory } = options;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_LOG_FILE_BYTES;
  const closing: Promise<void>[] = [];
  // A function name is `[A-Za-z0-9-_]+` on AWS; anything else is kept out of the path.
  const fileOf = (functionName: string) => path.join(directory ?? '', `${functionName.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
  const open = (functionName: string): OpenLog | undefined => {
    let log: OpenLog | undefined;
    try {
      // A folder of another user's, or a link in place of the file, is refused (local-cloud-folder.ts).
      const descriptor = openForAppend(fileOf(functionName));
      log = { stream: createWriteStream('', { fd: descriptor }), bytes: fstatSync(descriptor).size };
    } catch (error) {
      process.stderr.write(
        `[local-cloud] warning: ${functionName}'s log file is not written: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
    files.set(functionName, log);
    return log;
  };
  const logOf = (functionName: string): OpenLog | undefined => (files.has(functionName) ? files.get(functionName) : open(functionName));
  const append = (functionName: string, text: string) => {
    let log = logOf(functionName);
    if (log === undefined) return;
    const bytes = Buffer.byteLength(text);
    if (log.bytes > 0 && log.bytes + bytes > maxFileBytes) {
      // The old stream finishes its writes into the renamed file: its descriptor follows it.
      const full = log.stream;
      closing.push(new Promise<void>((resolve) => full.end(resolve)));
      try {
        renameSync(fileOf(functionName), `${fileOf(functionName)}.1`);
      } catch {
        // Removed meanwhile: the new file starts anyway.
      }
      log = open(functionName);
      if (log === undefined) return;
    }
    log.stream.write(text);
    log.bytes += bytes;
  };
  return {
    write(record) {
      if (record.source === 'function') {
        if (directory !== undefined) append(record.functionName, `${record.text.replaceAll('\r', '\n    ')}\n`);
        if (options.only !== undefined && !options.only.has(record.functionName)) return;
      }
      options.console?.(formatLogRecord(record));
    },
    fileOf,
    async close() {
      await Promise.all([
        ...closing.splice(0),
        ...[...files.values()].map((log) => new Promise<void>((resolve) => (log === undefined ? resolve() : log.stream.end(resolve)))),
      ]);
      files.clear();
    },
  };
}

/**
 * Writes lines to a stream in one write per turn of the event loop (a write to a terminal or a
 * file is synchronous, and one per line costs more than an invocation). A multi-line message,
 * joined with \r by the runtime, is indented rather than overwritten.
 */
export function batchedLineWriter(stream: NodeJS.WritableStream): (line: string) => void {
  const pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    stream.write(`${pending.join('\n')}\n`);
    pending.length = 0;
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(line.replaceAll('\r', '\n    '));
  };
}
