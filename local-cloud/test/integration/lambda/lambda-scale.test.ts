/**
 * Concurrency as on Lambda, through the real Invoke API and the real SDK: every invocation in
 * flight has an execution environment (a process) of its own, up to the account's concurrency;
 * the only local bound is the resource budget, and when it binds the wait shows (a warning, a
 * QUEUED line next to REPORT), it never fails an invocation.
 */
import { InvokeCommand, type LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { useFixtureInvokeApi } from '../../support/fixture-invoke-api';

const { nameOf, start } = useFixtureInvokeApi();

async function invokeSleep(client: LambdaClient, functionName: string, ms: number): Promise<{ pid: number; requestId: string }> {
  const output = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify({ ms })) }));
  if (output.FunctionError !== undefined) throw new Error(`the function failed: ${Buffer.from(output.Payload ?? []).toString('utf8')}`);
  const body = JSON.parse(Buffer.from(output.Payload ?? []).toString('utf8')) as { pid: number };
  return { pid: body.pid, requestId: output.$metadata.requestId ?? '' };
}

describe('concurrency as on Lambda', () => {
  it('with --environment-per-invocation, gives each of 24 concurrent invocations an execution environment of its own (no per-function cap)', async () => {
    // By default a start that takes longer than the 500 ms invocations (a busy machine) would make some wait instead.
    const { api } = await start({ environmentPerInvocation: true });
    const sleep = nameOf('Sleep');

    // In process, so that all 24 are in flight before any can end: over HTTP on a busy 2-core
    // machine, the process starts of the first ones can delay the arrival of the last.
    const outcomes = await Promise.all(Array.from({ length: 24 }, () => api.service.invoke(sleep, Buffer.from('{"ms":500}'))));

    expect(outcomes.filter((outcome) => outcome.functionError !== undefined).map((outcome) => outcome.payload.toString('utf8'))).toEqual(
      [],
    );
    const pids = outcomes.map((outcome) => (JSON.parse(outcome.payload.toString('utf8')) as { pid: number }).pid);
    expect(new Set(pids).size).toBe(24);
    expect(api.service.environmentCount(sleep)).toBe(24);
  });

  it('still answers 429 beyond the account concurrency, however much budget is left', async () => {
    // The fixture reserves 1 for Limited: a limit of 6 leaves 5 unreserved.
    const { client } = await start({ concurrencyLimit: 6, maxEnvironments: 100 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => invokeSleep(client, nameOf('Sleep'), 600)));

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(refused).toHaveLength(3);
    for (const result of refused) expect(result.reason).toBeInstanceOf(TooManyRequestsException);
  });

  it('makes invocations wait, visibly, when the local resource budget binds, and fails none', async () => {
    // An environment per invocation, so that each of the five asks for a start: by default a fresh function starts one and waits for its first invocation.
    const { api, client, logs } = await start({ maxEnvironments: 2, environmentPerInvocation: true });
    const sleep = nameOf('Sleep');

    const answers = await Promise.all(Array.from({ length: 5 }, () => invokeSleep(client, sleep, 300)));

    // Two processes served all five, one after another.
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(2);
    expect(api.service.environmentCount(sleep)).toBe(2);
    const warnings = logs.filter((line) =>
      line.startsWith('[local-lambda] warning: all 2 execution environments of the local resource budget are in use'),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('--max-environments');
    // The three that waited each have a QUEUED line right after their REPORT.
    const queued = logs.filter((line) => line.startsWith(`[${sleep}] QUEUED RequestId: `));
    expect(queued).toHaveLength(3);
    for (const line of queued) {
      const requestId = /QUEUED RequestId: (\S+)/.exec(line)?.[1] ?? '';
      expect(answers.map((answer) => answer.requestId)).toContain(requestId);
      expect(logs[logs.indexOf(line) - 1]).toMatch(new RegExp(`^\\[${sleep}\\] REPORT RequestId: ${requestId}\\t`));
      expect(line).toMatch(/\tWaited: \d+\.\d{2} ms\tQueued: [1-3]\tLocal budget: 2 environments \(--max-environments\)$/);
    }
  });

  it('stops an idle environment of another function to make room within the budget', async () => {
    const { api, client, logs } = await start({ maxEnvironments: 1 });
    await invokeSleep(client, nameOf('Sleep'), 0);
    expect(api.service.environmentCount(nameOf('Sleep'))).toBe(1);

    const output = await client.send(new InvokeCommand({ FunctionName: nameOf('Echo'), Payload: Buffer.from('{}') }));

    expect(output.FunctionError).toBeUndefined();
    expect(api.service.environmentCount(nameOf('Sleep'))).toBe(0);
    expect(api.service.environmentCount(nameOf('Echo'))).toBe(1);
    expect(logs.filter((line) => line.startsWith(`[${nameOf('Echo')}] QUEUED RequestId: `))).toHaveLength(1);
  });

  it('paces cold starts: beyond the environments starting at once, a start waits its turn, visibly', async () => {
    // An environment per invocation, so that each of the three starts one whatever the machine's load makes a start take.
    const { api, logs } = await start({ maxConcurrentInits: 1, environmentPerInvocation: true });
    const sleep = nameOf('Sleep');

    const outcomes = await Promise.all(Array.from({ length: 3 }, () => api.service.invoke(sleep, Buffer.from('{"ms":300}'))));

    const pids = outcomes.map((outcome) => (JSON.parse(outcome.payload.toString('utf8')) as { pid: number }).pid);
    expect(new Set(pids).size).toBe(3);
    const queued = logs.filter((line) => line.startsWith(`[${sleep}] QUEUED RequestId: `));
    expect(queued).toHaveLength(2);
    for (const line of queued) expect(line).toMatch(/\tStarting at once: 1 environments \(--max-concurrent-inits\)$/);
  });
});
