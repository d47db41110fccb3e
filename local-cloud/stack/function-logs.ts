/**
 * Where log records go: each function's lines to `<directory>/<function name>.log` (as CloudWatch
 * keeps a log group per function), and to the console, all of them or only the chosen functions'.
 * The local cloud's own records (the Lambda service's and the assembly reader's warnings) go to
 * the console whatever the filter, and to no function's file: they are no function's lines.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
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
  const files = new Map<string, WriteStream | undefined>();
  const { directory } = options;
  // A function name is `[A-Za-z0-9-_]+` on AWS; anything else is kept out of the path.
  const fileOf = (functionName: string) => path.join(directory ?? '', `${functionName.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
  const streamOf = (functionName: string): WriteStream | undefined => {
    if (files.has(functionName)) return files.get(functionName);
    let stream: WriteStream | undefined;
    try {
      // A folder of another user's, or a link in place of the file, is refused (local-cloud-folder.ts).
      stream = createWriteStream('', { fd: openForAppend(fileOf(functionName)) });
    } catch (error) {
      process.stderr.write(
        `[local-cloud] warning: ${functionName}'s log file is not written: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
    files.set(functionName, stream);
    return stream;
  };
  return {
    write(record) {
      if (record.source === 'function') {
        if (directory !== undefined) streamOf(record.functionName)?.write(`${record.text.replaceAll('\r', '\n    ')}\n`);
        if (options.only !== undefined && !options.only.has(record.functionName)) return;
      }
      options.console?.(formatLogRecord(record));
    },
    fileOf,
    async close() {
      await Promise.all(
        [...files.values()].map((stream) => new Promise<void>((resolve) => (stream === undefined ? resolve() : stream.end(resolve)))),
      );
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
