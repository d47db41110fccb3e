/**
 * The durable engine: chained invokes (of plain and of durable functions), callbacks, the
 * execution timeout and invocation retries, against a fake Lambda service on fake timers.
 */
import { describe, expect, it, vi } from 'vitest';
import { LambdaServiceError } from '../../../core/types';
import { type Envelope, operationsOf, type Script, setUp, statusOf, useDurableEngineTests } from './durable-engine-support';

useDurableEngineTests();

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
