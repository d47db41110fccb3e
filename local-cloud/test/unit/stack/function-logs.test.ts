/**
 * Where log records go with `npm start -- --logs-of FN`: the chosen function's lines to the
 * console, every function's to its own file, and the local cloud's own warnings to the console
 * always, filed as no function's.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatLogRecord, functionLogRecord, warningRecord } from '../../../core/log-record';
import { createFunctionLogSink } from '../../../stack/function-logs';

const directories: string[] = [];
function freshDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'function-logs-'));
  directories.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describe('the function log sink with a function filter', () => {
  it("shows the Lambda service's and the assembly reader's warnings on the console, and files them as no function", async () => {
    const directory = freshDirectory();
    const shown: string[] = [];
    const sink = createFunctionLogSink({ directory, console: (line) => shown.push(line), only: new Set(['App-Squarer']) });
    sink.write(warningRecord('local-lambda', 'all 2 execution environments of the local resource budget are in use'));
    sink.write(warningRecord('local-cloud', 'AWS::Lambda::EventInvokeConfig Config is ignored'));
    sink.write(functionLogRecord('App-Coordinator', 'START RequestId: 2 Version: $LATEST', '2'));
    await sink.close();
    expect(shown).toEqual([
      '[local-lambda] warning: all 2 execution environments of the local resource budget are in use',
      '[local-cloud] warning: AWS::Lambda::EventInvokeConfig Config is ignored',
    ]);
    expect(existsSync(path.join(directory, 'local-lambda.log'))).toBe(false);
    expect(existsSync(path.join(directory, 'local-cloud.log'))).toBe(false);
    expect(readdirSync(directory)).toEqual(['App-Coordinator.log']);
  });

  it('shows warnings and no function line when every function is filtered out (npm run square without --logs)', () => {
    const shown: string[] = [];
    const sink = createFunctionLogSink({ console: (line) => shown.push(line), only: new Set() });
    sink.write(functionLogRecord('App-Squarer', 'START RequestId: 1 Version: $LATEST', '1'));
    sink.write(warningRecord('local-lambda', 'the queued Event invocations hold 3 bytes'));
    expect(shown).toEqual(['[local-lambda] warning: the queued Event invocations hold 3 bytes']);
  });

  it("writes each function's lines to its own file and shows only the chosen functions' lines", async () => {
    const directory = freshDirectory();
    const shown: string[] = [];
    const sink = createFunctionLogSink({ directory, console: (line) => shown.push(line), only: new Set(['App-Squarer']) });
    sink.write(functionLogRecord('App-Squarer', 'START RequestId: 1 Version: $LATEST', '1'));
    sink.write(functionLogRecord('App-Coordinator', 'START RequestId: 2 Version: $LATEST', '2'));
    sink.write(functionLogRecord('App-Squarer', 'first\rsecond'));
    await sink.close();
    expect(shown).toEqual(['[App-Squarer] START RequestId: 1 Version: $LATEST', '[App-Squarer] first\rsecond']);
    expect(readFileSync(sink.fileOf('App-Squarer'), 'utf8')).toBe('START RequestId: 1 Version: $LATEST\nfirst\n    second\n');
    expect(readFileSync(sink.fileOf('App-Coordinator'), 'utf8')).toBe('START RequestId: 2 Version: $LATEST\n');
  });
});

describe('log records', () => {
  it("read a function line's level from Text and JSON format, and none from a platform line", () => {
    expect(functionLogRecord('F', '2026-12-07T03:00:00.000Z\tabc\tWARN\tslow').level).toBe('WARN');
    expect(functionLogRecord('F', '{"timestamp":"2026-12-07T03:00:00.000Z","level":"ERROR","message":"x"}').level).toBe('ERROR');
    expect(functionLogRecord('F', 'REPORT RequestId: abc\tDuration: 1.00 ms').level).toBeUndefined();
    expect(functionLogRecord('F', 'START RequestId: abc', 'abc')).toEqual({
      source: 'function',
      functionName: 'F',
      requestId: 'abc',
      text: 'START RequestId: abc',
    });
  });

  it('are formatted for the console only at the end: the function name, or the service and "warning:"', () => {
    expect(formatLogRecord(functionLogRecord('App-Squarer', 'hello'))).toBe('[App-Squarer] hello');
    expect(formatLogRecord(warningRecord('local-cloud', 'ignored'))).toBe('[local-cloud] warning: ignored');
  });
});

describe("a function's log file at its size limit", () => {
  it('becomes <function>.log.1, replacing the one before, and a new file starts', async () => {
    const directory = freshDirectory();
    const line = (n: number) => `line ${String(n).padStart(3, '0')} ${'x'.repeat(40)}`;
    // Each line is 50 bytes with its newline: two fit in 120 bytes, a third does not.
    const sink = createFunctionLogSink({ directory, maxFileBytes: 120 });
    for (let n = 1; n <= 7; n += 1) sink.write(functionLogRecord('App-Squarer', line(n)));
    await sink.close();
    expect(readdirSync(directory).sort()).toEqual(['App-Squarer.log', 'App-Squarer.log.1']);
    expect(readFileSync(path.join(directory, 'App-Squarer.log'), 'utf8')).toBe(`${line(7)}\n`);
    expect(readFileSync(path.join(directory, 'App-Squarer.log.1'), 'utf8')).toBe(`${line(5)}\n${line(6)}\n`);
  });

  it('counts what an earlier run left in the file', async () => {
    const directory = freshDirectory();
    const first = createFunctionLogSink({ directory, maxFileBytes: 100 });
    first.write(functionLogRecord('App-Squarer', 'a'.repeat(79)));
    await first.close();
    const second = createFunctionLogSink({ directory, maxFileBytes: 100 });
    second.write(functionLogRecord('App-Squarer', 'b'.repeat(29)));
    await second.close();
    expect(readFileSync(path.join(directory, 'App-Squarer.log.1'), 'utf8')).toBe(`${'a'.repeat(79)}\n`);
    expect(readFileSync(path.join(directory, 'App-Squarer.log'), 'utf8')).toBe(`${'b'.repeat(29)}\n`);
  });
});
