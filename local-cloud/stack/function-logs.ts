/**
 * Where function log lines go: each function's lines to `<directory>/<function name>.log` (as
 * CloudWatch keeps a log group per function), and to the console, all of them or only the chosen
 * functions'. The Lambda service writes every line as `[<function name>] <text>`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { openForAppend } from './local-cloud-folder';

export interface FunctionLogSinkOptions {
  /** Folder of the per-function files, created when needed. */
  readonly directory: string;
  /** Receives the lines to show. @default none */
  readonly console?: (line: string) => void;
  /** Show only these functions' lines (local names). @default all */
  readonly only?: ReadonlySet<string>;
}

export interface FunctionLogSink {
  /** The Lambda service's `logSink`. */
  readonly write: (line: string) => void;
  /** The file a function's lines go to. */
  fileOf(functionName: string): string;
  /** Flushes and closes the files. */
  close(): Promise<void>;
}

const LINE_PREFIX = /^\[([^\]]+)\] /;

export function createFunctionLogSink(options: FunctionLogSinkOptions): FunctionLogSink {
  const files = new Map<string, WriteStream | undefined>();
  // A function name is `[A-Za-z0-9-_]+` on AWS; anything else is kept out of the path.
  const fileOf = (functionName: string) => path.join(options.directory, `${functionName.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
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
    write(line) {
      const functionName = LINE_PREFIX.exec(line)?.[1];
      if (functionName !== undefined) streamOf(functionName)?.write(`${line.slice(functionName.length + 3).replaceAll('\r', '\n    ')}\n`);
      if (options.console === undefined) return;
      if (options.only !== undefined && (functionName === undefined || !options.only.has(functionName))) return;
      options.console(line);
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
