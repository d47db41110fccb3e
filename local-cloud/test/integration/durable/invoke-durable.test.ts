/**
 * `npm run invoke -- <durable function>:<qualifier>` (runInvoke in process, on a stack it starts
 * for the call from a durable app's assembly): the execution starts, each event of its history and
 * its status changes show on stderr as it runs, and its result is printed at its end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runInvoke } from '../../../cli/invoke-command';
import { writeDurableAssembly } from '../../fixtures/durable-app/durable-assembly';

let directory: string;
let cdkOut: string;

beforeAll(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'invoke-durable-'));
  cdkOut = writeDurableAssembly(path.join(directory, 'cdk.out'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function invoke(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runInvoke([...args, '--assembly', cdkOut], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    readStdin: () => '',
    // The durable database and logs of the stack started for the call go under this folder.
    cwd: directory,
  });
  return { code, stdout, stderr };
}

it('starts a durable function by its alias and follows the execution to its end: events and status changes, then its result', async () => {
  const eventFile = path.join(directory, 'event.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(eventFile, JSON.stringify({ number: 20, seconds: 1 }));

  const { code, stdout, stderr } = await invoke(['WaitThenDouble:live', '--event', eventFile]);

  expect(code, stderr).toBe(0);
  expect(JSON.parse(stdout)).toEqual({ doubled: 40, plusOne: 41 });
  const lines = stderr.split('\n');
  expect(lines.find((line) => line.startsWith('DURABLE EXECUTION '))).toMatch(/:live\/durable-execution\//);
  // The wait between the steps: it started, then it succeeded, before the execution ended.
  const order = ['  ExecutionStarted ', '  WaitStarted pause', '  WaitSucceeded pause', '  ExecutionSucceeded '].map((start) =>
    lines.findIndex((line) => line.startsWith(start)),
  );
  expect(
    order.every((index) => index >= 0),
    stderr,
  ).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  expect(lines.filter((line) => line.startsWith('STATUS '))).toEqual(['STATUS RUNNING', 'STATUS SUCCEEDED']);
}, 120_000);

it('refuses a durable function named without a version or alias, naming the ones it has', async () => {
  const { code, stderr } = await invoke(['WaitThenDouble']);

  expect(code).toBe(2);
  expect(stderr).toContain(
    'is a durable function: name a version or alias to start it with (WaitThenDouble:1, WaitThenDouble:live, WaitThenDouble:$LATEST)',
  );
}, 120_000);
