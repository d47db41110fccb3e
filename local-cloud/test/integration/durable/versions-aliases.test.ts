/**
 * Versions and aliases (AWS::Lambda::Version, AWS::Lambda::Alias) read from an assembly, and
 * invoked by qualified name or ARN through the real Invoke API with the AWS SDK.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { writeInlineCode } from '../../../assembly/inline-code';
import type { CloudAssemblyDefinition } from '../../../core/types';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { nameOf, writeDurableAssembly } from '../../fixtures/durable-app/durable-assembly';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let directory: string;
let assembly: CloudAssemblyDefinition;
let api: InvokeApi;
let client: LambdaClient;

beforeAll(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'versions-aliases-'));
  assembly = loadCloudAssembly(writeDurableAssembly(directory), { region: 'us-east-1', accountId: '000000000000' });
  // The plain functions' inline code, written out as the stack does when it starts.
  writeInlineCode(assembly.functions);
  api = await startInvokeApi({ assembly, callerCredentials: credentials, logSink: () => undefined });
  client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await api?.close();
  rmSync(directory, { recursive: true, force: true });
});

const plain = nameOf('Plain');
const plainArn = `arn:aws:lambda:us-east-1:000000000000:function:${plain}`;

async function invoke(functionName: string, qualifier?: string) {
  const response = await client.send(
    new InvokeCommand({ FunctionName: functionName, ...(qualifier === undefined ? {} : { Qualifier: qualifier }), Payload: '{"x":1}' }),
  );
  const body = JSON.parse(Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8')) as { invokedFunctionArn: string };
  return { executedVersion: response.ExecutedVersion, invokedFunctionArn: body.invokedFunctionArn };
}

describe('versions and aliases from the assembly', () => {
  it('numbers a function’s versions in template order and maps each alias to its version', () => {
    const definition = assembly.functions.find((candidate) => candidate.name === plain);
    expect(definition?.versions).toEqual(['1', '2']);
    expect(definition?.aliases).toEqual({ live: '1', next: '2' });
  });

  it('reads DurableConfig’s ExecutionTimeout and RetentionPeriodInDays', () => {
    const definition = assembly.functions.find((candidate) => candidate.name === nameOf('WaitThenDouble'));
    expect(definition?.durableConfig).toEqual({ executionTimeoutSeconds: 120, retentionPeriodDays: 7 });
    expect(assembly.functions.find((candidate) => candidate.name === plain)?.durableConfig).toBeUndefined();
  });
});

describe('Invoke by a qualified name or ARN', () => {
  it('runs a version by `name:1`, reporting it as X-Amz-Executed-Version and in the invoked ARN', async () => {
    await expect(invoke(`${plain}:1`)).resolves.toEqual({ executedVersion: '1', invokedFunctionArn: `${plainArn}:1` });
  });

  it('runs an alias’s version by the Qualifier parameter and by a qualified ARN', async () => {
    await expect(invoke(plain, 'live')).resolves.toEqual({ executedVersion: '1', invokedFunctionArn: `${plainArn}:live` });
    await expect(invoke(`${plainArn}:next`)).resolves.toEqual({ executedVersion: '2', invokedFunctionArn: `${plainArn}:next` });
  });

  it('runs $LATEST unqualified or by name', async () => {
    await expect(invoke(plain)).resolves.toEqual({ executedVersion: '$LATEST', invokedFunctionArn: plainArn });
    await expect(invoke(plain, '$LATEST')).resolves.toEqual({ executedVersion: '$LATEST', invokedFunctionArn: `${plainArn}:$LATEST` });
  });

  it('answers ResourceNotFoundException for a version or alias that does not exist', async () => {
    await expect(invoke(`${plain}:3`)).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    await expect(invoke(plain, 'nope')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Function not found: ${plainArn}:nope`,
    });
  });

  it('refuses a qualifier in the name that the Qualifier parameter contradicts', async () => {
    await expect(invoke(`${plain}:1`, 'live')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });
});
