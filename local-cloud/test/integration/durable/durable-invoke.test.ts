/**
 * Durable functions through the real Invoke API and the AWS SDK: handlers written with
 * @aws/durable-execution-sdk-js run in real execution environments, checkpoint to the local
 * durable service and are replayed by it. Its refusal of an unqualified Invoke, which runs nothing,
 * is a unit test: local-cloud/test/unit/lambda/invoke-api-qualifiers.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { writeInlineCode } from '../../../assembly/inline-code';
import { formatLogRecord } from '../../../core/log-record';
import { attachDurableService, type DurableService } from '../../../durable/durable-service';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { nameOf, writeDurableAssembly } from '../../fixtures/durable-app/durable-assembly';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let directory: string;
let api: InvokeApi;
let durable: DurableService;
let client: LambdaClient;
const logs: string[] = [];

beforeAll(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'durable-invoke-'));
  const assembly = loadCloudAssembly(writeDurableAssembly(path.join(directory, 'cdk.out')), {
    region: 'us-east-1',
    accountId: '000000000000',
  });
  // The plain functions' inline code, written out as the stack does when it starts.
  writeInlineCode(assembly.functions);
  api = await startInvokeApi({ assembly, callerCredentials: credentials, logSink: (record) => logs.push(formatLogRecord(record)) });
  durable = attachDurableService(api, { databaseFile: path.join(directory, 'durable.sqlite'), envelopePageSize: 5 });
  client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  durable?.close();
  await api?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function invokeDurable(functionName: string, payload: unknown, extra: { readonly name?: string; readonly event?: boolean } = {}) {
  const response = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: JSON.stringify(payload),
      ...(extra.name === undefined ? {} : { DurableExecutionName: extra.name }),
      ...(extra.event ? { InvocationType: 'Event' } : {}),
    }),
  );
  const text = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
  return { response, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('a durable function invoked synchronously', () => {
  it('runs steps and a wait across replays and answers the result with the execution ARN', async () => {
    const started = Date.now();
    const { response, body } = await invokeDurable(`${nameOf('WaitThenDouble')}:live`, { number: 5, seconds: 1 });

    expect(body).toEqual({ doubled: 10, plusOne: 11 });
    expect(response.FunctionError).toBeUndefined();
    expect(response.ExecutedVersion).toBe('1');
    expect(response.DurableExecutionArn).toMatch(
      new RegExp(`^arn:aws:lambda:us-east-1:000000000000:function:${nameOf('WaitThenDouble')}:live/durable-execution/[^/]+/[^/]+$`),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const arn = response.DurableExecutionArn ?? '';
    const execution = await client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    expect(execution).toMatchObject({ Status: 'SUCCEEDED', Result: '{"doubled":10,"plusOne":11}', Version: '1' });
    const history = await client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true }));
    const types = (history.Events ?? []).map((event) => event.EventType);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toEqual(expect.arrayContaining(['StepSucceeded', 'WaitStarted', 'WaitSucceeded', 'InvocationCompleted']));
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types.filter((type) => type === 'InvocationCompleted').length).toBeGreaterThanOrEqual(2);
    const lines = logs.filter((line) => line.includes(arn));
    expect(lines.some((line) => line.includes('DURABLE EXECUTION START'))).toBe(true);
    expect(lines.some((line) => line.includes('DURABLE INVOCATION REPLAY'))).toBe(true);
    expect(lines.some((line) => line.includes('DURABLE EXECUTION END') && line.includes('Status: SUCCEEDED'))).toBe(true);
  });

  it('retries a failing step after its delay until it succeeds', async () => {
    const { body } = await invokeDurable(`${nameOf('Retrying')}:1`, { failUntil: Date.now() + 1500 });
    expect(body).toBe('done');
  });

  it('gives a handler’s error as the function error of the Invoke and FAILED', async () => {
    const { response, body } = await invokeDurable(`${nameOf('Failing')}:live`, {});
    expect(response.FunctionError).toBe('Unhandled');
    expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: 'the handler gave up' });
  });

  it('pages a long envelope through GetDurableExecutionState (a page of 5 here)', async () => {
    const { body } = await invokeDurable(`${nameOf('ManySteps')}:live`, { count: 12 });
    expect(body).toBe(66);
  });

  it('runs chained invokes of a plain function in a map and replays with their results', async () => {
    const { body } = await invokeDurable(`${nameOf('SquareAll')}:live`, { numbers: [1, 2, 3, 4] });
    expect(body).toEqual([1, 4, 9, 16]);
    expect(logs.filter((line) => line.includes('SQUARING')).length).toBe(4);
  });
});

describe('DurableExecutionName', () => {
  it('gives the same execution for the same name and input, and DurableExecutionAlreadyStartedException for another input', async () => {
    const functionName = `${nameOf('WaitThenDouble')}:live`;
    const first = await invokeDurable(functionName, { number: 2, seconds: 1 }, { name: 'same-name' });
    const again = await invokeDurable(functionName, { number: 2, seconds: 1 }, { name: 'same-name' });
    expect(again.response.DurableExecutionArn).toBe(first.response.DurableExecutionArn);
    expect(again.body).toEqual({ doubled: 4, plusOne: 5 });
    await expect(invokeDurable(functionName, { number: 3 }, { name: 'same-name' })).rejects.toMatchObject({
      name: 'DurableExecutionAlreadyStartedException',
      $metadata: { httpStatusCode: 409 },
    });
  });
});

describe('callbacks, Event invocations, listing and stopping', () => {
  it('resumes a callback waiter with what SendDurableExecutionCallbackSuccess sent', async () => {
    const { response } = await invokeDurable(`${nameOf('AwaitCallback')}:live`, {}, { event: true });
    expect(response.StatusCode).toBe(202);
    const arn = response.DurableExecutionArn ?? '';
    let callbackId: string | undefined;
    for (let attempt = 0; attempt < 100 && callbackId === undefined; attempt += 1) {
      const history = await client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }));
      callbackId = history.Events?.find((event) => event.EventType === 'CallbackStarted')?.CallbackStartedDetails?.CallbackId;
      if (callbackId === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(callbackId).toBeDefined();
    await client.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId ?? '', Result: Buffer.from('approved') }));
    await expect(durable.engine.whenEnded(arn, 30_000)).resolves.toMatchObject({ status: 'SUCCEEDED', result: '{"answer":"approved"}' });
    await expect(
      client.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId ?? '', Result: Buffer.from('"again"') })),
    ).rejects.toMatchObject({ name: 'CallbackTimeoutException' });
  });

  it('lists a function’s executions and stops a running one', async () => {
    const { response } = await invokeDurable(`${nameOf('AwaitCallback')}:live`, {}, { event: true, name: 'to-stop' });
    const arn = response.DurableExecutionArn ?? '';
    const listed = await client.send(
      new ListDurableExecutionsByFunctionCommand({
        FunctionName: nameOf('AwaitCallback'),
        Statuses: ['RUNNING'],
        DurableExecutionName: 'to-stop',
      }),
    );
    expect(listed.DurableExecutions?.map((execution) => execution.DurableExecutionArn)).toEqual([arn]);
    const stopped = await client.send(new StopDurableExecutionCommand({ DurableExecutionArn: arn }));
    expect(stopped.StopTimestamp).toBeInstanceOf(Date);
    await expect(client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }))).resolves.toMatchObject({ Status: 'STOPPED' });
  });
});
