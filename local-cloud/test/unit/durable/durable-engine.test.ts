/**
 * The durable engine's rules with fake timers and a fake of the local Lambda service: each fake
 * durable function is a script that checkpoints as the SDK would and answers a Status.
 */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  type Envelope,
  operationsOf,
  setUp,
  statusOf,
  testDirectory,
  useDurableEngineTests,
  waitTenSeconds,
} from './durable-engine-support';

useDurableEngineTests();

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
    const file = path.join(testDirectory(), 'durable.sqlite');
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

describe('ClientToken', () => {
  it('answers a retried checkpoint with the same ClientToken as the first time, applying nothing twice; without one, the retry is refused', async () => {
    const wait = { Id: 'wait', Type: 'WAIT', Action: 'START', WaitOptions: { WaitSeconds: 5 } } as const;
    const answers: unknown[] = [];
    const { start, engine, store } = setUp({
      durable: (envelope) => {
        const arn = envelope.DurableExecutionArn;
        const first = engine.checkpoint(arn, envelope.CheckpointToken, [wait], 'client-1');
        // The answer was lost on the way: the SDK sends the same request again.
        answers.push(first, engine.checkpoint(arn, envelope.CheckpointToken, [wait], 'client-1'));
        expect(() => engine.checkpoint(arn, envelope.CheckpointToken, [wait], 'client-2')).toThrow('Invalid checkpoint token');
        expect(() => engine.checkpoint(arn, envelope.CheckpointToken, [wait])).toThrow('Invalid checkpoint token');
        return { Status: 'PENDING' };
      },
    });
    const record = start();
    await vi.advanceTimersByTimeAsync(0);

    expect(answers[1]).toBe(answers[0]);
    expect(
      store.events(record.arn, { offset: 0, limit: 100, reverse: false }).filter((event) => event.EventType === 'WaitStarted'),
    ).toHaveLength(1);
  });
});

describe('result limit', () => {
  const answering = (bytes: number) => setUp({ durable: () => ({ Status: 'SUCCEEDED', Result: JSON.stringify('x'.repeat(bytes - 2)) }) });

  it('fails an execution started by an Event Invoke whose result is over 1 MB with Function.ResponseSizeTooLarge, and takes 1 MB', async () => {
    const over = answering(1_048_577);
    const failed = over.engine.start(over.lambda.resolveQualified('durable:1'), '{}', { asynchronous: true }).record;
    const within = answering(1_048_576);
    const succeeded = within.engine.start(within.lambda.resolveQualified('durable:1'), '{}', { asynchronous: true }).record;
    await vi.advanceTimersByTimeAsync(0);

    expect(over.engine.execution(failed.arn)).toMatchObject({
      status: 'FAILED',
      error: { ErrorType: 'Function.ResponseSizeTooLarge', ErrorMessage: expect.stringContaining('at most 1048576 bytes') },
    });
    expect(over.engine.execution(failed.arn)?.result).toBeUndefined();
    expect(within.engine.execution(succeeded.arn)?.status).toBe('SUCCEEDED');
  });

  it('takes up to 6 MB from an execution started synchronously, and fails one over it', async () => {
    const within = answering(6_291_456);
    const succeeded = within.start();
    const over = answering(6_291_457);
    const failed = over.start();
    await vi.advanceTimersByTimeAsync(0);

    expect(within.engine.execution(succeeded.arn)?.status).toBe('SUCCEEDED');
    expect(over.engine.execution(failed.arn)?.error?.ErrorMessage).toContain('started synchronously returns at most 6291456 bytes');
  });
});
