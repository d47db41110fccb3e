/**
 * Durable means durable: a local stack (a real process) is killed with SIGKILL while a durable
 * execution maps items through chained invokes; a new stack on the same database resumes it, and
 * it completes with every item's chained invoke run once, except those in flight at the kill
 * (whose results no checkpoint had acknowledged), which run again as a retry would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { GetDurableExecutionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nameOf, writeDurableAssembly } from '../../fixtures/durable-app/durable-assembly';

/** Issue 21's figure: a map of 1000 items (12.5 s here on a loaded 2-core machine); DURABLE_KILL_ITEMS changes it. */
const ITEMS = Number(process.env.DURABLE_KILL_ITEMS ?? 1000);
/** Chained invokes in flight at once (the map's maxConcurrency): environments are reused, as a warm Lambda's are. */
const CONCURRENCY = 8;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let directory: string;
let cdkOut: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'durable-kill-'));
  cdkOut = writeDurableAssembly(path.join(directory, 'cdk.out'), { executionTimeout: 900 });
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

interface RunningStack {
  readonly child: ChildProcess;
  readonly lambdaUrl: string;
  readonly resumed: number;
  /** Every line it printed so far. */
  readonly lines: string[];
}

function startStack(database: string): Promise<RunningStack> {
  const script = path.join(import.meta.dirname, '..', '..', 'fixtures', 'durable-app', 'run-durable-stack.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, cdkOut, database], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith('{"lambdaUrl"')) {
          const ready = JSON.parse(line) as { lambdaUrl: string; resumed: number };
          resolve({ child, lambdaUrl: ready.lambdaUrl, resumed: ready.resumed, lines });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`the stack exited with ${code}`)));
  });
}

const squaredIn = (lines: readonly string[]) => lines.flatMap((line) => /SQUARING (\d+)$/.exec(line)?.[1] ?? []).map(Number);

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it(`completes after a SIGKILL midway, each of ${ITEMS} chained invokes run once but for those in flight`, async () => {
  const database = path.join(directory, 'durable.sqlite');
  const numbers = Array.from({ length: ITEMS }, (_, index) => index + 1);
  const first = await startStack(database);
  const firstClient = new LambdaClient({ endpoint: first.lambdaUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
  const started = await firstClient.send(
    new InvokeCommand({
      FunctionName: `${nameOf('SquareAll')}:live`,
      InvocationType: 'Event',
      Payload: JSON.stringify({ numbers, concurrency: CONCURRENCY }),
    }),
  );
  firstClient.destroy();
  const arn = started.DurableExecutionArn ?? '';
  expect(arn).toContain('/durable-execution/');

  await until(() => squaredIn(first.lines).length >= ITEMS / 3, 120_000);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  const beforeKill = squaredIn(first.lines);
  expect(beforeKill.length).toBeLessThan(ITEMS);

  // What the killed stack had acknowledged: chained invokes started and not ended are the ones in flight.
  const reader = new DatabaseSync(database);
  const inFlight = reader
    .prepare(
      `SELECT COUNT(*) AS count FROM operations WHERE execution_arn = ? AND json_extract(body, '$.Type') = 'CHAINED_INVOKE' AND json_extract(body, '$.Status') = 'STARTED'`,
    )
    .get(arn);
  reader.close();

  const second = await startStack(database);
  expect(second.resumed).toBe(1);
  const client = new LambdaClient({ endpoint: second.lambdaUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
  let status = 'RUNNING';
  let result: string | undefined;
  const deadline = Date.now() + 300_000;
  while (status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const execution = await client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    status = execution.Status ?? 'UNKNOWN';
    result = execution.Result;
  }
  client.destroy();
  second.child.kill('SIGTERM');

  expect(status).toBe('SUCCEEDED');
  expect(JSON.parse(result ?? 'null')).toEqual(numbers.map((number) => number * number));
  const runs = new Map<number, number>();
  for (const number of [...beforeKill, ...squaredIn(second.lines)]) runs.set(number, (runs.get(number) ?? 0) + 1);
  expect([...runs.keys()].sort((a, b) => a - b)).toEqual(numbers);
  const ranTwice = [...runs.values()].filter((count) => count > 1).length;
  expect([...runs.values()].every((count) => count <= 2)).toBe(true);
  expect(ranTwice).toBeLessThanOrEqual(Number(inFlight?.count ?? 0));
  expect(second.lines.some((line) => line.includes(`DURABLE EXECUTION RESUME ${arn}`))).toBe(true);
  process.stderr.write(
    `durable-kill: ${ITEMS} items, ${beforeKill.length} squared before the kill, ${Number(inFlight?.count ?? 0)} in flight, ${ranTwice} ran twice\n`,
  );
}, 600_000);
