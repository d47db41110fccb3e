/**
 * A case of the durable corpus run through a Lambda endpoint that serves durable functions (the
 * local cloud, or AWS itself), with nothing but `@aws-sdk/client-lambda`: an `Event` Invoke of the
 * case's function by qualified ARN starts the execution; the test answers its callbacks through
 * the callback APIs as they appear in GetDurableExecutionHistory; GetDurableExecution says when it
 * has ended; and its history, read whole, is normalized as the oracle's is.
 */
import {
  type Event,
  GetDurableExecutionCommand,
  type GetDurableExecutionCommandOutput,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from '@aws-sdk/client-lambda';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { CallbackDriver, ChainedTarget, DurableCase } from '../../fixtures/durable/durable-case';
import { withTargets } from '../../fixtures/durable/durable-case';
import { type NormalizedOutcome, normalizeError, normalizeExecution } from './normalize';

export interface LocalCloudDeployment {
  /** A client of the endpoint that serves the corpus's functions (see `lambdaClientFor`). */
  readonly client: LambdaClient;
  /** The qualified ARN (`…:function:name:qualifier`) of the function that runs a case's handler. */
  readonly functionArnOf: (testCase: DurableCase) => string;
  /** The name a case's handler invokes target `key` by (a qualified ARN, or `name:qualifier`). */
  readonly targetNameOf: (key: string, target: ChainedTarget) => string;
}

export interface RunThroughLocalCloudOptions {
  /** @default 200 */
  readonly pollIntervalMs?: number;
  /** How long an execution may take before the run gives up on it. @default 60_000 */
  readonly timeoutMs?: number;
}

/**
 * The normalized outcome, as `runCaseThroughOracle` gives it. An Invoke the endpoint refuses (an
 * input past the documented limit) ends as status `REJECTED` with the API error's name and message.
 */
export type RunCaseThroughLocalCloud = (
  testCase: DurableCase,
  deployment: LocalCloudDeployment,
  options?: RunThroughLocalCloudOptions,
) => Promise<NormalizedOutcome>;

/** A client of a Lambda endpoint URL, signing with the given keys, with no retries of its own. */
export function lambdaClientFor(endpoint: string, credentials: AwsCredentialIdentity, region = 'us-east-1'): LambdaClient {
  return new LambdaClient({ endpoint, region, credentials, maxAttempts: 1 });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The execution's whole history, page by page, with results and errors included. */
async function readHistory(client: LambdaClient, executionArn: string): Promise<Event[]> {
  const events: Event[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: executionArn, IncludeExecutionData: true, Marker: marker }),
    );
    events.push(...(page.Events ?? []));
    marker = page.NextMarker;
  } while (marker !== undefined && marker !== '');
  return events;
}

/**
 * The callback ID of the driver's callback once it can be answered: a CALLBACK operation of that
 * name, or the CALLBACK child of a waitForCallback context of that name once its submitter step has
 * succeeded (as the oracle waits for SUBMITTED). Undefined while neither has happened.
 */
function answerableCallbackId(events: readonly Event[], driver: CallbackDriver): string | undefined {
  const named = events.find((event) => event.EventType === 'CallbackStarted' && event.Name === driver.name);
  if (named !== undefined) return named.CallbackStartedDetails?.CallbackId;
  const context = events.find((event) => event.EventType === 'ContextStarted' && event.Name === driver.name);
  if (context?.Id === undefined) return undefined;
  const inContext = (event: Event) => event.ParentId === context.Id;
  if (!events.some((event) => inContext(event) && event.EventType === 'StepSucceeded')) return undefined;
  return events.find((event) => inContext(event) && event.EventType === 'CallbackStarted')?.CallbackStartedDetails?.CallbackId;
}

async function answer(client: LambdaClient, callbackId: string, send: CallbackDriver['send']): Promise<void> {
  if (send.kind === 'success')
    await client.send(
      new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: new TextEncoder().encode(send.result) }),
    );
  else if (send.kind === 'failure')
    await client.send(
      new SendDurableExecutionCallbackFailureCommand({
        CallbackId: callbackId,
        Error: { ErrorType: send.errorType, ErrorMessage: send.errorMessage },
      }),
    );
}

export const runCaseThroughLocalCloud: RunCaseThroughLocalCloud = async (testCase, deployment, options = {}) => {
  const { client } = deployment;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const targetNames = Object.fromEntries(
    Object.entries(testCase.targets ?? {}).map(([key, target]) => [key, deployment.targetNameOf(key, target)]),
  );
  let executionArn: string | undefined;
  try {
    const started = await client.send(
      new InvokeCommand({
        FunctionName: deployment.functionArnOf(testCase),
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(withTargets(testCase, targetNames))),
      }),
    );
    executionArn = started.DurableExecutionArn;
  } catch (error) {
    const { name, message } = error as Error;
    return { status: 'REJECTED', error: normalizeError({ ErrorType: name, ErrorMessage: message }) ?? {}, operations: [] };
  }
  if (executionArn === undefined) throw new Error(`Invoke of "${testCase.name}" answered without a DurableExecutionArn`);

  const pending = (testCase.callbacks ?? []).filter((driver) => driver.send.kind !== 'none');
  let execution: GetDurableExecutionCommandOutput;
  for (;;) {
    if (pending.length > 0) {
      const events = await readHistory(client, executionArn);
      for (const driver of [...pending]) {
        const callbackId = answerableCallbackId(events, driver);
        if (callbackId === undefined) continue;
        await answer(client, callbackId, driver.send);
        pending.splice(pending.indexOf(driver), 1);
      }
    }
    execution = await client.send(new GetDurableExecutionCommand({ DurableExecutionArn: executionArn, IncludeExecutionData: true }));
    if (execution.Status !== 'RUNNING') break;
    if (Date.now() > deadline)
      throw new Error(`execution of "${testCase.name}" (${executionArn}) still RUNNING after ${options.timeoutMs ?? 60_000} ms`);
    await sleep(pollIntervalMs);
  }
  return normalizeExecution({
    status: execution.Status ?? 'UNKNOWN',
    result: execution.Result,
    error: execution.Error,
    events: await readHistory(client, executionArn),
  });
};
