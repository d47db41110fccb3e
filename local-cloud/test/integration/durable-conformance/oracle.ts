/**
 * The oracle: a case of the durable corpus run through AWS's own in-memory runner,
 * `LocalDurableTestRunner` from `@aws/durable-execution-sdk-js-testing`, with time skipped (waits
 * and retry delays pass at once), chained targets registered under ARN-like names, and callbacks
 * completed as the case says. It is a pinned devDependency of the local cloud (pure JavaScript,
 * no install scripts); where it cannot be loaded (Node < 22, a partial install) the suite says why
 * and checks against the recorded expectations instead.
 */
import type { Event } from '@aws-sdk/client-lambda';
import type { DurableCase } from '../../fixtures/durable/durable-case';
import { withTargets } from '../../fixtures/durable/durable-case';
import { type NormalizedOperation, type NormalizedOutcome, normalizeExecution } from './normalize';

type TestingModule = typeof import('@aws/durable-execution-sdk-js-testing');
type Runner = InstanceType<TestingModule['LocalDurableTestRunner']>;

/** The runner's version the expectations were recorded with (local-cloud/package.json pins it). */
export const ORACLE_VERSION = '1.1.4';

export type Oracle = { readonly available: true; readonly testing: TestingModule } | { readonly available: false; readonly reason: string };

/** What the oracle made of one case: the normalized outcome, and how it squares with the runner's own list. */
export interface OracleRun {
  readonly outcome: NormalizedOutcome;
  /** Operations whose status in the runner's own list differs from what the history says (none, if the normalizer reads it right). */
  readonly disagreements: readonly string[];
}

/** Loads the runner and skips time in this process; `closeOracle` undoes it. */
export async function openOracle(): Promise<Oracle> {
  if (process.env.DURABLE_ORACLE === 'off') return { available: false, reason: 'turned off with DURABLE_ORACLE=off' };
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) return { available: false, reason: `the runner needs Node.js >= 22; this is ${process.versions.node}` };
  try {
    const testing = await import('@aws/durable-execution-sdk-js-testing');
    await testing.LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
    return { available: true, testing };
  } catch (error) {
    return { available: false, reason: `@aws/durable-execution-sdk-js-testing could not be loaded: ${(error as Error).message}` };
  }
}

export async function closeOracle(oracle: Oracle): Promise<void> {
  if (oracle.available) await oracle.testing.LocalDurableTestRunner.teardownTestEnvironment();
}

/** The name the oracle registers target `key` under: shaped like the qualified ARN Lambda would use. */
export function oracleFunctionName(key: string): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:${key}:$LATEST`;
}

async function driveCallbacks(testing: TestingModule, runner: Runner, testCase: DurableCase): Promise<void> {
  for (const driver of testCase.callbacks ?? []) {
    if (driver.send.kind === 'none') continue;
    const operation = await runner.getOperation(driver.name).waitForData(testing.WaitingOperationStatus.STARTED);
    // A waitForCallback's callback can be answered once its submitter has run.
    if (operation.isWaitForCallback()) await operation.waitForData(testing.WaitingOperationStatus.SUBMITTED);
    if (driver.send.kind === 'success') await operation.sendCallbackSuccess(driver.send.result);
    else await operation.sendCallbackFailure({ ErrorType: driver.send.errorType, ErrorMessage: driver.send.errorMessage });
  }
}

function flatten(operations: readonly NormalizedOperation[]): NormalizedOperation[] {
  return operations.flatMap((operation) => [operation, ...flatten(operation.children ?? [])]);
}

/** Each operation as `TYPE name: STATUS`, sorted, so two lists compare as multisets. */
function signatures(
  operations: readonly { type?: string | undefined; name?: string | undefined; status?: string | undefined }[],
): string[] {
  return operations.map((operation) => `${operation.type} ${operation.name ?? '(unnamed)'}: ${operation.status}`).sort();
}

/** Runs one case through the runner and normalizes what it did. */
export async function runCaseThroughOracle(testing: TestingModule, testCase: DurableCase): Promise<OracleRun> {
  const runner = new testing.LocalDurableTestRunner({ handlerFunction: testCase.handler });
  const functionNames: Record<string, string> = {};
  for (const [key, target] of Object.entries(testCase.targets ?? {})) {
    functionNames[key] = oracleFunctionName(key);
    if (target.kind === 'durable') runner.registerDurableFunction(functionNames[key], target.handler);
    else runner.registerFunction(functionNames[key], target.handler);
  }
  const running = runner.run({ payload: withTargets(testCase, functionNames) });
  await driveCallbacks(testing, runner, testCase);
  const execution = await running;
  const events = execution.getHistoryEvents() as unknown as Event[];
  const status = execution.getStatus() ?? 'UNKNOWN';
  const succeeded = events.find((event) => event.EventType === 'ExecutionSucceeded');
  const error = status === 'SUCCEEDED' ? undefined : execution.getError();
  const outcome = normalizeExecution({
    status,
    result: succeeded?.ExecutionSucceededDetails?.Result?.Payload,
    error: error === undefined ? undefined : { ErrorType: error.errorType, ErrorMessage: error.errorMessage },
    events,
  });
  const fromRunner = signatures(
    execution.getOperations().map((operation) => ({ type: operation.getType(), name: operation.getName(), status: operation.getStatus() })),
  );
  const fromHistory = signatures(flatten(outcome.operations));
  const disagreements = [
    ...fromRunner.filter((entry) => !fromHistory.includes(entry)).map((entry) => `runner says ${entry}`),
    ...fromHistory.filter((entry) => !fromRunner.includes(entry)).map((entry) => `history says ${entry}`),
  ];
  return { outcome, disagreements };
}
