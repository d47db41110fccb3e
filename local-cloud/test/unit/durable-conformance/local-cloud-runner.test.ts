/**
 * runCaseThroughLocalCloud against a scripted endpoint: a fake client that answers the durable
 * APIs from a script of history events, so the runner's own logic (paging, when a callback can be
 * answered, what it sends, a refused Invoke) is checked without a local cloud.
 */
import {
  type Event,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  type LambdaClient,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { durableCases } from '../../fixtures/durable/corpus';
import type { DurableCase } from '../../fixtures/durable/durable-case';
import { type LocalCloudDeployment, runCaseThroughLocalCloud } from '../../integration/durable-conformance/local-cloud-runner';

const executionArn = 'arn:aws:lambda:us-east-1:000000000000:function:f:live/durable-execution/run-1/abc';

function caseNamed(name: string): DurableCase {
  const found = durableCases.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no case "${name}"`);
  return found;
}

/** An endpoint whose history grows by one script step per GetDurableExecution, and which records what it was sent. */
function scriptedEndpoint(script: readonly (readonly Event[])[], final: { Status: string; Result?: string }, pageSize = 2) {
  const sent: { readonly command: string; readonly input: unknown }[] = [];
  let step = 0;
  const history = () => script.slice(0, step + 1).flat();
  const client = {
    async send(command: { input: Record<string, unknown> }) {
      sent.push({ command: command.constructor.name, input: command.input });
      if (command instanceof InvokeCommand) return { StatusCode: 202, DurableExecutionArn: executionArn };
      if (command instanceof GetDurableExecutionHistoryCommand) {
        const start = Number(command.input.Marker ?? 0);
        const events = history();
        const next = start + pageSize < events.length ? String(start + pageSize) : undefined;
        return { Events: events.slice(start, start + pageSize), NextMarker: next };
      }
      if (command instanceof GetDurableExecutionCommand) {
        step += 1;
        return step < script.length ? { Status: 'RUNNING' } : final;
      }
      return {};
    },
  } as unknown as LambdaClient;
  const deployment: LocalCloudDeployment = {
    client,
    functionArnOf: (testCase) => `arn:aws:lambda:us-east-1:000000000000:function:${testCase.handlerExport}:live`,
    targetNameOf: (key) => `${key}:live`,
  };
  return { deployment, sent };
}

const started = (id: string, name: string, extra: Partial<Event> = {}): Event => ({
  EventType: 'StepStarted',
  SubType: 'Step',
  Id: id,
  Name: name,
  ...extra,
});

describe('runCaseThroughLocalCloud', () => {
  it('reads a history of several pages whole and normalizes it', async () => {
    const events: Event[] = [
      { EventType: 'ExecutionStarted', Id: 'x' },
      started('1', 'double'),
      {
        EventType: 'StepSucceeded',
        SubType: 'Step',
        Id: '1',
        Name: 'double',
        StepSucceededDetails: { Result: { Payload: '6' }, RetryDetails: {} },
      },
      { EventType: 'InvocationCompleted' },
      started('2', 'square'),
      {
        EventType: 'StepSucceeded',
        SubType: 'Step',
        Id: '2',
        Name: 'square',
        StepSucceededDetails: { Result: { Payload: '36' }, RetryDetails: {} },
      },
    ];
    const { deployment, sent } = scriptedEndpoint([events], { Status: 'SUCCEEDED', Result: '{"doubled":6,"squared":36}' });
    const outcome = await runCaseThroughLocalCloud(caseNamed('two steps'), deployment, { pollIntervalMs: 1 });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.result).toEqual({ doubled: 6, squared: 36 });
    expect(outcome.operations.map((operation) => [operation.name, operation.result])).toEqual([
      ['double', 6],
      ['square', 36],
    ]);
    const invoke = sent.find((entry) => entry.command === 'InvokeCommand')?.input as { FunctionName: string; InvocationType: string };
    expect(invoke).toMatchObject({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:twoSteps:live', InvocationType: 'Event' });
  });

  it("starts a chaining case with its input and each target's name as the deployment gives it", async () => {
    const { deployment, sent } = scriptedEndpoint([[]], { Status: 'SUCCEEDED', Result: '{}' });
    await runCaseThroughLocalCloud(caseNamed('chained invoke'), deployment, { pollIntervalMs: 1 });
    const invoke = sent.find((entry) => entry.command === InvokeCommand.name)?.input as { Payload: Uint8Array };
    expect(JSON.parse(new TextDecoder().decode(invoke.Payload))).toEqual({ number: 6, targets: { squarer: 'squarer:live' } });
  });

  it("answers a named callback with the case's result once it has started", async () => {
    const callbackStarted: Event = {
      EventType: 'CallbackStarted',
      SubType: 'Callback',
      Id: '1',
      Name: 'approval',
      CallbackStartedDetails: { CallbackId: 'cb-1', Timeout: 300 },
    };
    const { deployment, sent } = scriptedEndpoint([[{ EventType: 'ExecutionStarted', Id: 'x' }], [callbackStarted], []], {
      Status: 'SUCCEEDED',
    });
    await runCaseThroughLocalCloud(caseNamed('callback completed with success'), deployment, { pollIntervalMs: 1 });
    const answers = sent.filter((entry) => entry.command === SendDurableExecutionCallbackSuccessCommand.name);
    expect(answers).toHaveLength(1);
    const answer = answers[0]?.input as { CallbackId: string; Result: Uint8Array };
    expect(answer.CallbackId).toBe('cb-1');
    expect(new TextDecoder().decode(answer.Result)).toBe('{"approved":true}');
  });

  it("answers a waitForCallback's callback only once its submitter step has succeeded, with the failure a case asks for", async () => {
    const context: Event = { EventType: 'ContextStarted', SubType: 'WaitForCallback', Id: 'c', Name: 'webhook' };
    const callback: Event = {
      EventType: 'CallbackStarted',
      SubType: 'Callback',
      Id: 'cb',
      ParentId: 'c',
      CallbackStartedDetails: { CallbackId: 'cb-9' },
    };
    const submitter: Event = {
      EventType: 'StepSucceeded',
      SubType: 'Step',
      Id: 's',
      ParentId: 'c',
      StepSucceededDetails: { Result: {}, RetryDetails: {} },
    };
    const failing: DurableCase = {
      ...caseNamed('waitForCallback completed with success'),
      callbacks: [{ name: 'webhook', send: { kind: 'failure', errorType: 'Rejected', errorMessage: 'no' } }],
    };
    const { deployment, sent } = scriptedEndpoint([[context, callback], [submitter], []], { Status: 'FAILED' });
    await runCaseThroughLocalCloud(failing, deployment, { pollIntervalMs: 1 });
    const order = sent.map((entry) => entry.command).filter((name) => name !== GetDurableExecutionHistoryCommand.name);
    // The first look finds the callback but not the submitter's success: no answer until the second.
    expect(order.slice(0, 4)).toEqual([
      InvokeCommand.name,
      GetDurableExecutionCommand.name,
      SendDurableExecutionCallbackFailureCommand.name,
      GetDurableExecutionCommand.name,
    ]);
    const answer = sent.find((entry) => entry.command === SendDurableExecutionCallbackFailureCommand.name)?.input;
    expect(answer).toEqual({ CallbackId: 'cb-9', Error: { ErrorType: 'Rejected', ErrorMessage: 'no' } });
  });

  it('reports an Invoke the endpoint refuses as REJECTED with the error it gave', async () => {
    const { deployment } = scriptedEndpoint([[]], { Status: 'SUCCEEDED' });
    const refusing = {
      ...deployment,
      client: {
        async send() {
          throw Object.assign(new Error('Request must be smaller than 262144 bytes'), { name: 'RequestTooLargeException' });
        },
      } as unknown as LambdaClient,
    };
    const outcome = await runCaseThroughLocalCloud(caseNamed('input past 256 KB'), refusing);
    expect(outcome).toEqual({
      status: 'REJECTED',
      error: { type: 'RequestTooLargeException', message: 'Request must be smaller than 262144 bytes' },
      operations: [],
    });
  });
});
