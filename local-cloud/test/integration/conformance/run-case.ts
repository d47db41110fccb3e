/**
 * Runs one conformance case through the local execution environment and through AWS's runtime
 * client, and reduces each run to an `Observation` that leaves out what legitimately differs
 * (times, request IDs, paths, stack frames).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionDefinition } from '../../../core/types';
import type { EnvironmentInvokeResult } from '../../../lambda/environment';
import { lambdaEnvironmentVariables } from '../../../lambda/environment-variables';
import { LambdaErrorType } from '../../../lambda/error-types';
import { ExecutionEnvironment } from '../../../lambda/execution-environment';
import { describeExit } from '../../../lambda/runtime/exit-description';
import { resolveNodeBinary } from '../../../lambda/runtime/node-binary';
import { newTraceId } from '../../../lambda/runtime/runtime-limits';
import type { ConformanceCase } from './corpus';
import { type RuntimeApiInvocation, type RuntimeApiReport, startRuntimeApi } from './runtime-api-server';

const runtimeDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../lambda/runtime');
/** The entry and the CommonJS modules it loads: each prints as `<runtime>` in a require stack. */
const bootstrapModules = readdirSync(runtimeDirectory)
  .filter((file) => file.endsWith('.cjs') || file.endsWith('.mjs'))
  .map((file) => path.join(runtimeDirectory, file));

export interface Observation {
  readonly outcome: 'success' | 'function-error' | 'init-error' | 'exit' | 'timeout' | 'out-of-memory';
  readonly errorType?: string;
  readonly errorMessage?: string;
  /** Whether the error document carried a stack trace. */
  readonly hasTrace?: boolean;
  readonly payload?: string;
  /** `exit status 1`, as Lambda words a process that ended. */
  readonly exitStatus?: string;
  /** The runtime's console lines (text or JSON format), normalised: up to the next invocation, those written while idle included. */
  readonly lines: readonly string[];
  /** The case's second invocation of the same environment (`secondEvent`), after it idled. */
  readonly second?: Observation;
}

/** How long an environment idles between a case's two invocations (frozen, as on Lambda). */
const IDLE_MS = 400;

interface CaseSetup {
  readonly taskRoot: string;
  readonly definition: FunctionDefinition;
  readonly environment: Record<string, string>;
  readonly requestId: string;
  readonly secondRequestId: string;
  readonly traceId: string;
}

const slug = (name: string) => name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

/** Writes the case's files into a task root of its own under `directory`. */
export function setUpCase(testCase: ConformanceCase, directory: string): CaseSetup {
  const taskRoot = path.join(directory, slug(testCase.name));
  mkdirSync(taskRoot, { recursive: true });
  for (const [file, source] of Object.entries(testCase.files)) writeFileSync(path.join(taskRoot, file), source);
  const name = `conformance-${slug(testCase.name)}`.slice(0, 64);
  const definition: FunctionDefinition = {
    logicalId: name,
    stackName: 'Conformance',
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    handler: testCase.handler ?? 'index.handler',
    codeDirectory: taskRoot,
    runtime: 'nodejs24.x',
    architecture: 'x86_64',
    memorySizeMb: testCase.memorySizeMb ?? 256,
    timeoutSeconds: testCase.timeoutSeconds ?? 10,
    environment: testCase.environment ?? {},
    logGroupName: `/aws/lambda/${name}`,
  };
  const environment = lambdaEnvironmentVariables({
    definition,
    region: 'us-east-1',
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    credentials: { accessKeyId: 'CONFORMANCE', secretAccessKey: 'conformance' },
    nodeBinary: resolveNodeBinary('nodejs24.x', () => {}),
    runtimeModuleDirectories: [],
  });
  delete environment.NODE_PATH;
  return { taskRoot, definition, environment, requestId: randomUUID(), secondRequestId: randomUUID(), traceId: newTraceId() };
}

/** Paths, times, IDs and stack frames out; the rest of each console line kept. */
function normaliseLine(line: string, setup: CaseSetup, runtimePaths: readonly string[]): string | undefined {
  let text = line.replaceAll(`file://${setup.taskRoot}`, '<task-root>').replaceAll(setup.taskRoot, '<task-root>');
  for (const runtimePath of runtimePaths) text = text.replaceAll(`file://${runtimePath}`, '<runtime>').replaceAll(runtimePath, '<runtime>');
  // Both invocations' alike: a line a thawed timer writes may carry either, as the client's store has it.
  text = text.replaceAll(setup.requestId, '<request-id>').replaceAll(setup.secondRequestId, '<request-id>');
  const withoutFrames = (value: string) =>
    value.replace(/[\r\n]\s+at [^\r\n]*/g, '').replace(/[\r\n]\s+\.\.\. \d+ lines matching cause stack trace \.\.\./g, '');
  const withoutStacks = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(withoutStacks);
    if (value === null || typeof value !== 'object') return typeof value === 'string' ? withoutFrames(value) : value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'stack' && key !== 'stackTrace' && key !== 'trace')
        .map(([key, inner]) => [key, withoutStacks(inner)]),
    );
  };
  if (text.startsWith('{')) {
    try {
      const record = JSON.parse(text) as Record<string, unknown>;
      if (!('timestamp' in record)) return undefined;
      return JSON.stringify({ ...(withoutStacks(record) as object), timestamp: '<time>' });
    } catch {
      return undefined;
    }
  }
  const match = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t([^\t]*)\t([A-Z]+)\t(.*)$/s.exec(text);
  if (match === null) return undefined;
  const [, requestId, level, message = ''] = match;
  // The runtime's error lines: a label, a tab, then JSON of the error.
  const errorLine = /^(.*?)\t(\{.*\})$/s.exec(message);
  if (errorLine !== null) {
    try {
      return `<time>\t${requestId}\t${level}\t${errorLine[1]}\t${JSON.stringify(withoutStacks(JSON.parse(errorLine[2] ?? '')))}`;
    } catch {
      // Not JSON after all: keep it as text.
    }
  }
  return `<time>\t${requestId}\t${level}\t${withoutFrames(message)}`;
}

function payloadText(payload: string): string {
  if (payload.length <= 4096) return payload;
  return `${payload.length} bytes, sha256 ${createHash('sha256').update(payload).digest('hex')}`;
}

function errorFields(body: string, setup: CaseSetup, runtimePaths: readonly string[]) {
  const document = JSON.parse(body) as { errorType?: string; errorMessage?: string; trace?: unknown[] };
  let message = document.errorMessage ?? '';
  message = message.replaceAll(setup.taskRoot, '<task-root>');
  for (const runtimePath of runtimePaths) message = message.replaceAll(runtimePath, '<runtime>');
  return { errorType: document.errorType ?? '', errorMessage: message, hasTrace: (document.trace?.length ?? 0) > 0 };
}

const normaliseAll = (lines: readonly string[], setup: CaseSetup, runtimePaths: readonly string[]) =>
  lines.map((line) => normaliseLine(line, setup, runtimePaths)).filter((line): line is string => line !== undefined);

/** One invocation's ending as an observation. */
function observed(
  result: EnvironmentInvokeResult,
  lines: readonly string[],
  setup: CaseSetup,
  runtimePaths: readonly string[],
): Observation {
  const normalised = normaliseAll(lines, setup, runtimePaths);
  switch (result.kind) {
    case 'success':
      return { outcome: 'success', payload: payloadText(result.payload), lines: normalised };
    case 'function-error':
      return { outcome: 'function-error', ...errorFields(JSON.stringify(result.error), setup, runtimePaths), lines: normalised };
    case 'exit':
      return { outcome: 'exit', exitStatus: result.description, lines: normalised };
    case 'out-of-memory':
      return { outcome: 'out-of-memory', lines: normalised };
    case 'timeout':
      return { outcome: 'timeout', lines: normalised };
  }
}

/** The case through the local execution environment (the fork/IPC bootstrap). */
export async function runLocally(testCase: ConformanceCase, setup: CaseSetup): Promise<Observation> {
  const lines: string[] = [];
  const secondLines: string[] = [];
  let sink = lines;
  const environment = new ExecutionEnvironment({
    definition: setup.definition,
    nodeBinary: resolveNodeBinary('nodejs24.x', () => {}),
    environment: setup.environment,
    onIdleOutputLine: (line) => sink.push(line),
    ...(testCase.initTimeoutMs === undefined ? {} : { initTimeoutMs: testCase.initTimeoutMs }),
  });
  const runtimePaths = bootstrapModules;
  const invoke = (requestId: string, payload: string) =>
    environment.invoke({
      requestId,
      payload,
      invokedFunctionArn: setup.definition.arn,
      timeoutMs: setup.definition.timeoutSeconds * 1000,
      traceId: setup.traceId,
      ...(testCase.clientContext === undefined ? {} : { clientContext: testCase.clientContext }),
      onOutputLine: (line) => sink.push(line),
    });
  try {
    const init = await environment.start();
    // The process ended during INIT: the platform's document for it, the client's bare exit.
    const exitedAt = /^Runtime exited with error: (.+)$/.exec(init.kind === 'init-error' ? init.error.errorMessage : '');
    if (init.kind === 'init-error' && init.error.errorType === LambdaErrorType.exit && exitedAt !== null)
      return { outcome: 'exit', exitStatus: exitedAt[1] ?? '', lines: normaliseAll(lines, setup, runtimePaths) };
    if (init.kind === 'init-error') {
      return {
        outcome: 'init-error',
        ...errorFields(JSON.stringify(init.error), setup, runtimePaths),
        lines: normaliseAll(lines, setup, runtimePaths),
      };
    }
    const result = await invoke(setup.requestId, testCase.event ?? '{"n":1}');
    // One that died while idle still takes the next event, and fails it with its exit (as the pool routes it).
    const takesNext = environment.state === 'idle' || environment.diedIdle;
    if (testCase.secondEvent === undefined || !takesNext) return observed(result, lines, setup, runtimePaths);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    sink = secondLines;
    const second = await invoke(setup.secondRequestId, testCase.secondEvent);
    return { ...observed(result, lines, setup, runtimePaths), second: observed(second, secondLines, setup, runtimePaths) };
  } finally {
    environment.stop();
    await environment.whenExited();
  }
}

/** What the runtime client posted for one invocation, as an observation. */
function reported(
  report: RuntimeApiReport | undefined,
  lines: readonly string[],
  ended: string,
  setup: CaseSetup,
  runtimePaths: readonly string[],
): Observation {
  if (report?.kind === 'init-error')
    return { outcome: 'init-error', ...errorFields(report.body.toString('utf8'), setup, runtimePaths), lines };
  if (report?.kind === 'error')
    return { outcome: 'function-error', ...errorFields(report.body.toString('utf8'), setup, runtimePaths), lines };
  if (report?.kind === 'response') return { outcome: 'success', payload: payloadText(report.body.toString('utf8')), lines };
  return { outcome: 'exit', exitStatus: ended === 'finished' ? 'still running' : ended, lines };
}

/** The case through AWS's runtime client, against a Runtime API served for the test. */
export async function runWithRuntimeClient(
  testCase: ConformanceCase,
  setup: CaseSetup,
  client: { readonly entry: string; readonly nodeBinary: string },
): Promise<Observation> {
  const invocation = (requestId: string, payload: string): RuntimeApiInvocation => ({
    requestId,
    payload,
    deadlineEpochMs: Date.now() + IDLE_MS + setup.definition.timeoutSeconds * 1000,
    invokedFunctionArn: setup.definition.arn,
    traceId: setup.traceId,
    ...(testCase.clientContext === undefined ? {} : { clientContext: testCase.clientContext }),
  });
  const invocations = [invocation(setup.requestId, testCase.event ?? '{"n":1}')];
  if (testCase.secondEvent !== undefined) invocations.push(invocation(setup.secondRequestId, testCase.secondEvent));
  const stdout: Buffer[] = [];
  /** How many chunks of output came before the second invocation's event: the first's, and the idle time's. */
  let beforeSecond: number | undefined;
  let child: ChildProcess | undefined;
  // Lambda's side: the environment frozen while no event is pending, thawed when the next one comes.
  const api = await startRuntimeApi(invocations, async () => {
    child?.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    beforeSecond = stdout.length;
    child?.kill('SIGCONT');
  });
  child = spawn(client.nodeBinary, [client.entry], {
    cwd: setup.taskRoot,
    env: { ...setup.environment, AWS_LAMBDA_RUNTIME_API: api.address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.resume();
  const exited = new Promise<string>((resolve) => {
    // Worded as Lambda words a runtime that exited (the platform's part, not the client's).
    child?.on('close', (code, signal) => resolve(describeExit(code, signal)));
  });
  try {
    const ended = await Promise.race([
      api.finished.then(() => 'finished' as const),
      exited,
      new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 30_000)),
    ]);
    if (ended === 'finished') await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGKILL');
    await exited;
    const runtimePaths = [client.entry];
    const linesOf = (chunks: Buffer[]) => normaliseAll(Buffer.concat(chunks).toString('utf8').split('\n'), setup, runtimePaths);
    const reportOf = (requestId: string) => api.reports.find((report) => report.kind === 'init-error' || report.requestId === requestId);
    const first = reported(reportOf(setup.requestId), linesOf(stdout.slice(0, beforeSecond)), ended, setup, runtimePaths);
    if (first.outcome === 'exit' && ended === 'stuck')
      throw new Error(`the runtime client neither answered nor exited for case "${testCase.name}"`);
    if (beforeSecond === undefined) return first;
    const secondReport = api.reports.find((report) => report.kind !== 'init-error' && report.requestId === setup.secondRequestId);
    const second = reported(secondReport, linesOf(stdout.slice(beforeSecond)), ended, setup, runtimePaths);
    if (second.outcome === 'exit' && ended === 'stuck')
      throw new Error(`the runtime client neither answered nor exited in the second invocation of case "${testCase.name}"`);
    return { ...first, second };
  } finally {
    await api.close();
  }
}
