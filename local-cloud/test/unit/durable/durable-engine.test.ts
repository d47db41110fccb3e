/**
 * The durable engine's rules with fake timers and a fake of the local Lambda service: each fake
 * durable function is a script that checkpoints as the SDK would and answers a Status.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FunctionDefinition, type InvokeOutcome, LambdaServiceError } from '../../../core/types';
import { DurableEngine } from '../../../durable/durable-engine';
import { DurableStore } from '../../../durable/durable-store';
import type { FunctionInvoker, OperationUpdate } from '../../../durable/durable-types';
import type { QualifiedFunction } from '../../../lambda/lambda-service';

interface Envelope {
  readonly DurableExecutionArn: string;
  readonly CheckpointToken: string;
  readonly InitialExecutionState: {
    readonly Operations: readonly { Id: string; Type: string; Status: string; Name?: string; ParentId?: string }[];
    readonly NextMarker?: string;
  };
}

/** A fake durable function: gets the envelope and a checkpoint function, answers a Status document or throws. */
type Script = (envelope: Envelope, checkpoint: (updates: OperationUpdate[]) => void) => unknown;

function definition(name: string, durable: boolean): FunctionDefinition {
  return {
    logicalId: name,
    stackName: 'Test',
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    handler: 'index.handler',
    codeDirectory: '/nonexistent',
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    memorySizeMb: 128,
    timeoutSeconds: 3,
    environment: {},
    logGroupName: `/aws/lambda/${name}`,
    ...(durable ? { durableConfig: { executionTimeoutSeconds: 300, retentionPeriodDays: 1 }, versions: ['1'] } : {}),
  };
}

class FakeLambda implements FunctionInvoker {
  readonly invocations: { functionName: string; envelope: Envelope }[] = [];
  /** Errors the next invocations of a function throw (a throttle, say) before it runs. */
  readonly failures: LambdaServiceError[] = [];
  engine: DurableEngine | undefined;
  constructor(private readonly scripts: Record<string, Script>) {}

  resolveQualified(functionName: string, qualifier?: string): QualifiedFunction {
    const [name = functionName, inName] = functionName.split(':');
    const script = this.scripts[name];
    if (script === undefined) throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${name}`);
    const effective = qualifier ?? inName;
    const durable = name.startsWith('durable');
    return {
      definition: definition(name, durable),
      qualifier: effective ?? '$LATEST',
      version: effective ?? '$LATEST',
      qualified: effective !== undefined,
      invokedArn: definition(name, durable).arn,
    };
  }

  async invoke(functionName: string, payload: Buffer): Promise<InvokeOutcome> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const script = this.scripts[functionName.split(':')[0] ?? ''];
    if (script === undefined) throw new Error(`no script for ${functionName}`);
    const envelope = JSON.parse(payload.toString('utf8')) as Envelope;
    this.invocations.push({ functionName, envelope });
    let token = envelope.CheckpointToken;
    // As the SDK does, what a checkpoint answers replaces the operations the function knows.
    const known = [...(envelope.InitialExecutionState?.Operations ?? [])];
    const view: Envelope = { ...envelope, InitialExecutionState: { Operations: known } };
    const checkpoint = (updates: OperationUpdate[]) => {
      const answer = this.engine?.checkpoint(envelope.DurableExecutionArn, token, updates);
      token = answer?.token ?? '';
      for (const operation of (answer?.operations ?? []) as unknown as Envelope['InitialExecutionState']['Operations'][number][]) {
        const index = known.findIndex((candidate) => candidate.Id === operation.Id);
        if (index === -1) known.push(operation);
        else known[index] = operation;
      }
    };
    try {
      const answer = script(view, checkpoint);
      return { requestId: 'r', payload: Buffer.from(JSON.stringify(answer)), executedVersion: '1' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        requestId: 'r',
        payload: Buffer.from(JSON.stringify({ errorType: 'Error', errorMessage: message })),
        functionError: 'Unhandled',
        executedVersion: '1',
      };
    }
  }
}

const operationsOf = (envelope: Envelope) => envelope.InitialExecutionState.Operations;
const statusOf = (envelope: Envelope, id: string) => operationsOf(envelope).find((operation) => operation.Id === id)?.Status;

let directory: string;
const engines: DurableEngine[] = [];
const stores: DurableStore[] = [];

function setUp(scripts: Record<string, Script>, file = ':memory:', options: { maxInvocationRetries?: number } = {}) {
  const lambda = new FakeLambda(scripts);
  const store = new DurableStore(file);
  const engine = new DurableEngine({ store, invoker: lambda, invocationRetryBaseMs: 1000, ...options });
  lambda.engine = engine;
  engines.push(engine);
  stores.push(store);
  return { lambda, store, engine, start: (input = '{}') => engine.start(lambda.resolveQualified('durable:1'), input).record };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-12-07T00:00:00Z') });
  directory = mkdtempSync(path.join(os.tmpdir(), 'durable-engine-test-'));
});

afterEach(() => {
  for (const engine of engines.splice(0)) engine.close();
  for (const store of stores.splice(0)) store.close();
  vi.useRealTimers();
  rmSync(directory, { recursive: true, force: true });
});

/** A function that waits 10 s, then succeeds. */
const waitTenSeconds: Script = (envelope, checkpoint) => {
  const status = statusOf(envelope, 'wait');
  if (status === undefined) checkpoint([{ Id: 'wait', Type: 'WAIT', Action: 'START', WaitOptions: { WaitSeconds: 10 } }]);
  return status === 'SUCCEEDED' ? { Status: 'SUCCEEDED', Result: '"waited"' } : { Status: 'PENDING' };
};

describe('replay when a wait ends', () => {
  it('invokes again when the wait’s time has come, not before, and ends with the result', async () => {
    const { lambda, start, engine } = setUp({ durable: waitTenSeconds });
    const record = start();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(lambda.invocations).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(lambda.invocations).toHaveLength(2);
    expect(statusOf(lambda.invocations[1]?.envelope as Envelope, 'wait')).toBe('SUCCEEDED');
    expect(engine.execution(record.arn)).toMatchObject({ status: 'SUCCEEDED', result: '"waited"' });
  });

  it('resumes from the store in a new engine: the wait still ends at its time', async () => {
    const file = path.join(directory, 'durable.sqlite');
    const first = setUp({ durable: waitTenSeconds }, file);
    const record = first.start();
    await vi.advanceTimersByTimeAsync(4_000);
    first.engine.close();
    first.store.close();
    const second = setUp({ durable: waitTenSeconds }, file);
    expect(second.engine.resume()).toBe(1);
    await vi.advanceTimersByTimeAsync(5_999);
    expect(second.engine.execution(record.arn)?.status).toBe('RUNNING');
    await vi.advanceTimersByTimeAsync(1);
    expect(second.engine.execution(record.arn)).toMatchObject({ status: 'SUCCEEDED', result: '"waited"' });
  });
});

describe('checkpoint tokens', () => {
  it('consumes each token: a used one and one of an ended invocation are refused', async () => {
    let first: Envelope | undefined;
    const { lambda, start, engine } = setUp({
      durable: (envelope, checkpoint) => {
        first ??= envelope;
        if (statusOf(envelope, 'wait') === undefined)
          checkpoint([{ Id: 'wait', Type: 'WAIT', Action: 'START', WaitOptions: { WaitSeconds: 5 } }]);
        expect(() => engine.checkpoint(envelope.DurableExecutionArn, envelope.CheckpointToken, [])).toThrow('Invalid checkpoint token');
        return { Status: 'PENDING' };
      },
    });
    const record = start();
    await vi.advanceTimersByTimeAsync(0);
    expect(lambda.invocations).toHaveLength(1);
    expect(() => engine.checkpoint(record.arn, first?.CheckpointToken ?? '', [])).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValueException' }),
    );
  });
});

describe('updates', () => {
  it('applies a batch all or nothing: an invalid update leaves the valid one before it unapplied', async () => {
    const { start, engine } = setUp({
      durable: (envelope, checkpoint) => {
        expect(() =>
          checkpoint([
            { Id: 'step', Type: 'STEP', Action: 'SUCCEED', Payload: '1' },
            { Id: 'wait', Type: 'WAIT', Action: 'SUCCEED' },
          ]),
        ).toThrow(expect.objectContaining({ code: 'InvalidParameterValueException' }));
        expect(() => checkpoint([{ Id: 'big', Type: 'STEP', Action: 'SUCCEED', Payload: 'x'.repeat(262_145) }])).toThrow(
          'larger than 262144',
        );
        checkpoint([{ Id: 'step', Type: 'STEP', Action: 'START' }]);
        return { Status: operationsOf(envelope).length === 1 ? 'PENDING' : 'SUCCEEDED' };
      },
    });
    const record = start();
    await vi.advanceTimersByTimeAsync(0);
    const events = engine.history(record.arn, { offset: 0, limit: 100, reverse: false }).map((event) => event.EventType);
    expect(events).toContain('StepStarted');
    expect(events).not.toContain('StepSucceeded');
  });

  it('hides the children of a completed CONTEXT unless it asks to replay them', async () => {
    const { lambda, start } = setUp({
      durable: (envelope, checkpoint) => {
        if (operationsOf(envelope).length === 1) {
          checkpoint([
            { Id: 'ctx', Type: 'CONTEXT', Action: 'START' },
            { Id: 'child', Type: 'STEP', Action: 'SUCCEED', ParentId: 'ctx', Payload: '2' },
            { Id: 'ctx', Type: 'CONTEXT', Action: 'SUCCEED', Payload: '2' },
            { Id: 'wait', Type: 'WAIT', Action: 'START', WaitOptions: { WaitSeconds: 1 } },
          ]);
          return { Status: 'PENDING' };
        }
        return { Status: 'SUCCEEDED', Result: '2' };
      },
    });
    start();
    await vi.advanceTimersByTimeAsync(1_000);
    const ids = operationsOf(lambda.invocations[1]?.envelope as Envelope).map((operation) => operation.Id);
    expect(ids).toContain('ctx');
    expect(ids).not.toContain('child');
  });
});

describe('step retries', () => {
  it('makes a retried step PENDING, then READY after its delay, and replays the function then', async () => {
    const { lambda, start } = setUp({
      durable: (envelope, checkpoint) => {
        const status = statusOf(envelope, 'flaky');
        if (status === undefined) {
          checkpoint([{ Id: 'flaky', Type: 'STEP', Action: 'START' }]);
          checkpoint([
            { Id: 'flaky', Type: 'STEP', Action: 'RETRY', Error: { ErrorMessage: 'no' }, StepOptions: { NextAttemptDelaySeconds: 3 } },
          ]);
          return { Status: 'PENDING' };
        }
        expect(status).toBe('READY');
        checkpoint([{ Id: 'flaky', Type: 'STEP', Action: 'SUCCEED', Payload: '"ok"' }]);
        return { Status: 'SUCCEEDED', Result: '"ok"' };
      },
    });
    start();
    await vi.advanceTimersByTimeAsync(2_999);
    expect(lambda.invocations).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(lambda.invocations).toHaveLength(2);
  });
});

describe('chained invokes', () => {
  const parent: Script = (envelope, checkpoint) => {
    const call = operationsOf(envelope).find((operation) => operation.Id === 'call');
    if (call === undefined) {
      checkpoint([
        { Id: 'call', Type: 'CHAINED_INVOKE', Action: 'START', Payload: '{"number":3}', ChainedInvokeOptions: { FunctionName: 'square' } },
      ]);
      return { Status: 'PENDING' };
    }
    return {
      Status: 'SUCCEEDED',
      Result: JSON.stringify((call as { ChainedInvokeDetails?: { Result?: string } }).ChainedInvokeDetails?.Result),
    };
  };

  it('runs the target once through the Lambda service, retrying a throttle, and replays with its result', async () => {
    const { lambda, start, engine } = setUp({ durable: parent, square: () => ({ squared: 9 }) });
    lambda.failures.push(new LambdaServiceError('TooManyRequestsException', 429, 'Rate exceeded'));
    const record = start();
    await vi.advanceTimersByTimeAsync(0);
    lambda.failures.push(new LambdaServiceError('TooManyRequestsException', 429, 'Rate exceeded'));
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(lambda.invocations.filter((invocation) => invocation.functionName === 'square')).toHaveLength(1);
    expect(engine.execution(record.arn)).toMatchObject({ status: 'SUCCEEDED', result: JSON.stringify('{"squared":9}') });
  });

  it('fails the operation with the target’s function error', async () => {
    const { start, engine } = setUp({
      durable: parent,
      square: () => {
        throw new Error('cannot square');
      },
    });
    const record = start();
    await vi.advanceTimersByTimeAsync(10);
    const history = engine.history(record.arn, { offset: 0, limit: 100, reverse: false });
    expect(history.find((event) => event.EventType === 'ChainedInvokeFailed')?.details).toMatchObject({
      ChainedInvokeFailedDetails: { Error: { Payload: { ErrorType: 'Error', ErrorMessage: 'cannot square' } } },
    });
  });
});

describe('chained invokes of a durable function', () => {
  const callChild =
    (functionName: string): Script =>
    (envelope, checkpoint) => {
      const find = () => operationsOf(envelope).find((operation) => operation.Id === 'child');
      if (find() === undefined) {
        checkpoint([
          {
            Id: 'child',
            Type: 'CHAINED_INVOKE',
            Action: 'START',
            Payload: '{"n":4}',
            ChainedInvokeOptions: { FunctionName: functionName },
          },
        ]);
      }
      // A target that fails at once is in the checkpoint's answer, as the SDK sees it.
      const call = find();
      if (call === undefined || call.Status === 'STARTED') return { Status: 'PENDING' };
      const details = (call as { ChainedInvokeDetails?: { Result?: string; Error?: { ErrorType?: string } } }).ChainedInvokeDetails;
      return call.Status === 'SUCCEEDED' ? { Status: 'SUCCEEDED', Result: details?.Result } : { Status: 'FAILED', Error: details?.Error };
    };

  it('starts the target as an execution of its own and ends the operation with its result', async () => {
    const { lambda, start, engine } = setUp({
      durable: callChild('durableChild:1'),
      durableChild: (envelope) => ({
        Status: 'SUCCEEDED',
        Result: String(
          JSON.parse(
            operationsOf(envelope)[0]
              ? ((envelope.InitialExecutionState.Operations[0] as { ExecutionDetails?: { InputPayload?: string } }).ExecutionDetails
                  ?.InputPayload ?? '{}')
              : '{}',
          ).n * 10,
        ),
      }),
    });
    const record = start();
    await vi.advanceTimersByTimeAsync(10);
    expect(lambda.invocations.map((invocation) => invocation.functionName)).toEqual(['durable', 'durableChild', 'durable']);
    expect(engine.execution(record.arn)).toMatchObject({ status: 'SUCCEEDED', result: '40' });
    expect(engine.list({ functionName: 'durableChild' }, 0, 10)).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', parent: { executionArn: record.arn, operationId: 'child' } }),
    ]);
  });

  it('fails the operation when the durable target is named without a qualifier', async () => {
    const { start, engine } = setUp({ durable: callChild('durableChild'), durableChild: () => ({ Status: 'SUCCEEDED' }) });
    const record = start();
    await vi.advanceTimersByTimeAsync(10);
    expect(engine.execution(record.arn)).toMatchObject({ status: 'FAILED', error: { ErrorType: 'InvalidParameterValueException' } });
  });
});

describe('callbacks and timeouts', () => {
  it('times a callback out after its TimeoutSeconds and replays the function', async () => {
    const { lambda, start } = setUp({
      durable: (envelope, checkpoint) => {
        const status = statusOf(envelope, 'cb');
        if (status === undefined) checkpoint([{ Id: 'cb', Type: 'CALLBACK', Action: 'START', CallbackOptions: { TimeoutSeconds: 30 } }]);
        return status === undefined ? { Status: 'PENDING' } : { Status: 'FAILED', Error: { ErrorMessage: status } };
      },
    });
    const record = start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(statusOf(lambda.invocations[1]?.envelope as Envelope, 'cb')).toBe('TIMED_OUT');
    // As AWS's runner has it (the durable conformance suite's "callback times out"): a message, no type.
    expect(operationsOf(lambda.invocations[1]?.envelope as Envelope).find((operation) => operation.Id === 'cb')).toMatchObject({
      CallbackDetails: { Error: { ErrorMessage: 'Callback timed out' } },
    });
    expect(JSON.stringify(operationsOf(lambda.invocations[1]?.envelope as Envelope))).not.toContain('ErrorType');
    expect(lambda.engine?.execution(record.arn)).toMatchObject({ status: 'FAILED', error: { ErrorMessage: 'TIMED_OUT' } });
  });

  it('times the execution out at its ExecutionTimeout and refuses its checkpoints after', async () => {
    const { start, engine } = setUp({ durable: () => ({ Status: 'PENDING' }) });
    const record = start();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(engine.execution(record.arn)?.status).toBe('TIMED_OUT');
    expect(() => engine.checkpoint(record.arn, 'any', [])).toThrow(expect.objectContaining({ code: 'InvalidParameterValueException' }));
  });

  it('retries an invocation that failed, then fails the execution with its error', async () => {
    const { lambda, start, engine } = setUp(
      {
        durable: () => {
          throw new Error('crashed');
        },
      },
      ':memory:',
      { maxInvocationRetries: 2 },
    );
    const record = start();
    await vi.advanceTimersByTimeAsync(1_000 + 2_000);
    expect(lambda.invocations).toHaveLength(3);
    expect(engine.execution(record.arn)).toMatchObject({ status: 'FAILED', error: { ErrorMessage: 'crashed' } });
  });
});
