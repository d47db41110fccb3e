/**
 * Jobs end to end on the local cloud, as a user runs them: `npm start` (a real process, serving the
 * app's assembly) and `npm run square -- --job --file F` (a real process, signing with the local
 * credentials). The durable coordinator maps the numbers to chained invokes of the squarer through
 * the local durable service; the lines the CLI prints are checked against BigInt squares, and the
 * squarer's invocations are counted from its log file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { LOCAL_CREDENTIALS, loadCloudAssembly } from '@multi-square/local-cloud';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { type LocalCloudProcess, projectDirectory, startLocalCloud } from '../dev-loop/support/processes';
import { distinctIntegers, functionsOf, wire } from '../reliability/support/local-square-api';

const cdkOut = inject('cdkOut');
const squarerName = functionsOf(loadCloudAssembly(cdkOut)).squarer.name;

/** A folder per stack's project: its `.local-cloud/` holds the durable database and the function logs. */
let directory: string;
const stacks: LocalCloudProcess[] = [];

beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'jobs-e2e-'));
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.stop()));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** `npm start -- --assembly <cdkOut> ...args` in `project` (created if need be): its state, database and logs stay there. */
async function startStack(project: string, args: readonly string[] = []): Promise<LocalCloudProcess> {
  const stack = await startLocalCloud(['--assembly', cdkOut, '--no-logs', ...args], { cwd: project });
  stacks.push(stack);
  return stack;
}

function newProject(name: string): string {
  const project = path.join(directory, name);
  const created = mkdtempSync(`${project}-`);
  // `node --import tsx` resolves tsx from the working directory.
  symlinkSync(path.join(projectDirectory, 'node_modules'), path.join(created, 'node_modules'));
  return created;
}

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run square -- ...args --url <url>`, with the local stack's credentials in the environment as a user's shell would have them. */
function square(url: string, args: readonly string[]): Promise<CliRun> {
  return startSquare(url, args).done;
}

function startSquare(url: string, args: readonly string[]): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectDirectory, 'cli', 'square.ts'), ...args, '--url', url], {
    cwd: projectDirectory,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: '',
      AWS_REGION: 'us-east-1',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

/** A file of `count` distinct integers, one a line, half of them beyond 2^53. */
function numbersFile(name: string, count: number): { file: string; numbers: bigint[] } {
  const numbers = distinctIntegers(count);
  const file = path.join(directory, `${name}.txt`);
  writeFileSync(file, `${numbers.map((n) => n.toString()).join('\n')}\n`);
  return { file, numbers };
}

/**
 * The CLI's lines (`n squared to n² by: <request id>`, in input order for a job), checked: the
 * numbers of `squared`, each with its exact square, each by a distinct request ID. Returns the IDs.
 */
function checkLines(stdout: string, squared: readonly bigint[]): string[] {
  const lines = stdout.split('\n').filter((line) => line.includes(' squared to '));
  expect(lines.length).toBe(squared.length);
  const requestIds = lines.map((line, index) => {
    const n = squared[index] ?? 0n;
    const match = /^(\S+) squared to (\S+) by: (\S+)$/.exec(line);
    expect(match?.slice(1, 3), `line ${index + 1}: ${line}`).toEqual([String(wire(n)), String(wire(n * n))]);
    return match?.[3] ?? '';
  });
  expect(new Set(requestIds).size).toBe(squared.length);
  return requestIds;
}

/** Request IDs of the squarer's START lines in a project's log file (appended to by every stack of the project). */
function squarerStarts(project: string): string[] {
  const file = path.join(project, '.local-cloud', 'logs', `${squarerName}.log`);
  if (!existsSync(file)) return [];
  return [...readFileSync(file, 'utf8').matchAll(/^START RequestId: (\S+)/gm)].map((match) => match[1] ?? '');
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('a job of 2000 numbers prints one line per number, each squared by a distinct squarer invocation', async () => {
  const project = newProject('plain');
  const stack = await startStack(project);
  const { file, numbers } = numbersFile('plain', 2000);
  const startedAt = performance.now();

  const run = await square(stack.urls('HTTP API')[0] ?? '', ['--job', '--file', file, '--timeout', '300']);

  const seconds = (performance.now() - startedAt) / 1000;
  expect(run.code, run.stderr).toBe(0);
  const requestIds = checkLines(run.stdout, numbers);
  // Every number was squared once: no invocation of the squarer beyond the 2000 whose answers are printed.
  expect(new Set(squarerStarts(project))).toEqual(new Set(requestIds));
  process.stderr.write(`jobs e2e: 2000 numbers in ${seconds.toFixed(1)} s (CLI start to lines)\n`);
}, 300_000);

it('a job of 2,600 numbers, past one execution, runs as two durable executions and prints every line in input order', async () => {
  const project = newProject('split');
  const stack = await startStack(project);
  const { file, numbers } = numbersFile('split', 2600);
  const key = 'split-test-job';

  const run = await square(stack.urls('HTTP API')[0] ?? '', ['--job', '--file', file, '--idempotency-key', key, '--timeout', '300']);

  expect(run.code, run.stderr).toBe(0);
  const requestIds = checkLines(run.stdout, numbers);
  expect(new Set(squarerStarts(project))).toEqual(new Set(requestIds));
  const database = new DatabaseSync(path.join(project, '.local-cloud', 'durable', 'executions.sqlite'));
  const executions = database.prepare('SELECT name, status FROM executions ORDER BY name').all();
  database.close();
  expect(executions).toEqual([
    { name: key, status: 'SUCCEEDED' },
    { name: `${key}-1`, status: 'SUCCEEDED' },
  ]);
}, 300_000);

it('a job of 1000 numbers whose squarer crashes now and then ends with the failed numbers in place, with their errors, and the rest squared', async () => {
  const stack = await startStack(newProject('faults'), ['--crash-rate', 'Squarer=0.2']);
  const { file, numbers } = numbersFile('faults', 1000);

  const run = await square(stack.urls('HTTP API')[0] ?? '', ['--job', '--file', file, '--timeout', '300']);

  // Exit 1, as the direct path's 502: some numbers could not be squared, each named on stderr.
  expect(run.code, run.stderr.slice(-2000)).toBe(1);
  const failures = [...run.stderr.matchAll(/^(\S+) \(line (\d+) of .*?, numbers\[(\d+)\]\) failed: (\S+): (.+)$/gm)];
  // A crash is retried up to 3 attempts (docs/jobs.md): about 1000 × 0.2³ = 8 numbers crash three times.
  expect(failures.length).toBeGreaterThan(0);
  expect(failures.length).toBeLessThan(100);
  expect(run.stderr).toContain(`${failures.length} of 1000 numbers could not be squared.`);
  const failedIndices = new Set(failures.map((match) => Number(match[3])));
  for (const match of failures) {
    const index = Number(match[3]);
    expect([match[1], Number(match[2]), match[4]]).toEqual([String(wire(numbers[index] ?? 0n)), index + 1, 'Runtime.ExitError']);
    expect(match[5]).not.toBe('');
  }
  checkLines(
    run.stdout,
    numbers.filter((_, index) => !failedIndices.has(index)),
  );
}, 300_000);

it('a job survives a SIGKILL of the local cloud: started again, it ends with every number squared once, but those in flight at the kill', async () => {
  const project = newProject('kill');
  const first = await startStack(project);
  const { file, numbers } = numbersFile('kill', 2000);
  const key = 'kill-test-job';

  const following = startSquare(first.urls('HTTP API')[0] ?? '', ['--job', '--file', file, '--idempotency-key', key, '--timeout', '300']);
  await until(() => squarerStarts(project).length >= numbers.length / 3, 240_000);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('close', resolve));
  const beforeKill = squarerStarts(project).length;
  expect(beforeKill).toBeLessThan(numbers.length);
  // The CLI following the job would ask a gone API for a minute before giving up: stop it as Ctrl-C would.
  following.child.kill('SIGINT');
  expect((await following.done).stderr).toContain(`Job ${key} started`);
  // What the killed stack had acknowledged: chained invokes started and not ended were in flight,
  // and the request IDs of those that had ended (their answers' process names).
  const database = new DatabaseSync(path.join(project, '.local-cloud', 'durable', 'executions.sqlite'));
  const chainedInvokes = (status: string) =>
    database
      .prepare(
        `SELECT json_extract(body, '$.ChainedInvokeDetails.Result') AS result FROM operations WHERE json_extract(body, '$.Type') = 'CHAINED_INVOKE' AND json_extract(body, '$.Status') = ?`,
      )
      .all(status);
  const inFlight = chainedInvokes('STARTED').length;
  const acknowledged = chainedInvokes('SUCCEEDED').map((row) => (JSON.parse(String(row.result)) as { processName: string }).processName);
  database.close();

  const second = await startStack(project);
  expect(second.stdout()).toContain('(1 resumed from the last run)');
  const run = await square(second.urls('HTTP API')[0] ?? '', ['--job-id', key, '--timeout', '300']);

  expect(run.code, run.stderr).toBe(0);
  const requestIds = checkLines(run.stdout, numbers);
  // Counted from the squarer's log, both stacks': every printed answer is an invocation logged
  // there, and the only others are invocations in flight at the kill, run again after it. The log's
  // last lines before a SIGKILL may be lost (it is written asynchronously; a checkpoint is
  // committed before it is answered), so the answers the killed stack had checkpointed count too.
  const invocations = new Set([...squarerStarts(project), ...acknowledged]);
  expect(requestIds.filter((id) => !invocations.has(id))).toEqual([]);
  const ranAgain = invocations.size - numbers.length;
  expect(ranAgain).toBeGreaterThanOrEqual(0);
  expect(ranAgain).toBeLessThanOrEqual(inFlight);
  process.stderr.write(
    `jobs e2e kill: ${beforeKill} squarer invocations logged before the kill, ${acknowledged.length} acknowledged, ${inFlight} in flight, ${ranAgain} run again\n`,
  );
}, 400_000);
