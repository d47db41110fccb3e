/**
 * Versions and aliases invoked by a qualified name or ARN through the Invoke API with the AWS SDK:
 * which version runs, what X-Amz-Executed-Version says and the ARN the function is invoked as. The
 * functions run on the in-process fake environments; reading versions and aliases from a template
 * is in local-cloud/test/unit/assembly/hand-written-templates.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { attachDurableService, type DurableService } from '../../../durable/durable-service';
import { success } from '../../support/fake-environment';
import { useFakeInvokeApi } from '../../support/fake-invoke-api';
import { testFunction } from '../../support/function-definition';

const plain = testFunction('Durable-Plain', '/nowhere', { versions: ['1', '2'], aliases: { live: '1', next: '2' } });
const plainArn = 'arn:aws:lambda:us-east-1:000000000000:function:Durable-Plain';

const invokeApis = useFakeInvokeApi();

/** The Invoke API with the plain function, which answers the ARN it was invoked as (context.invokedFunctionArn). */
async function startClient(): Promise<LambdaClient> {
  const { client } = await invokeApis.start([plain], () => ({
    answer: (request) => success(JSON.stringify({ invokedFunctionArn: request.invokedFunctionArn })),
  }));
  return client;
}

async function invoke(client: LambdaClient, functionName: string, qualifier?: string) {
  const response = await client.send(
    new InvokeCommand({ FunctionName: functionName, ...(qualifier === undefined ? {} : { Qualifier: qualifier }), Payload: '{"x":1}' }),
  );
  const body = JSON.parse(Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8')) as { invokedFunctionArn: string };
  return { executedVersion: response.ExecutedVersion, invokedFunctionArn: body.invokedFunctionArn };
}

describe('Invoke by a qualified name or ARN', () => {
  it('runs a version by `name:1`, reporting it as X-Amz-Executed-Version and in the invoked ARN', async () => {
    const client = await startClient();

    await expect(invoke(client, `${plain.name}:1`)).resolves.toEqual({ executedVersion: '1', invokedFunctionArn: `${plainArn}:1` });
  });

  it('runs an alias’s version by the Qualifier parameter and by a qualified ARN', async () => {
    const client = await startClient();

    await expect(invoke(client, plain.name, 'live')).resolves.toEqual({ executedVersion: '1', invokedFunctionArn: `${plainArn}:live` });
    await expect(invoke(client, `${plainArn}:next`)).resolves.toEqual({ executedVersion: '2', invokedFunctionArn: `${plainArn}:next` });
  });

  it('runs $LATEST unqualified or by name', async () => {
    const client = await startClient();

    await expect(invoke(client, plain.name)).resolves.toEqual({ executedVersion: '$LATEST', invokedFunctionArn: plainArn });
    await expect(invoke(client, plain.name, '$LATEST')).resolves.toEqual({
      executedVersion: '$LATEST',
      invokedFunctionArn: `${plainArn}:$LATEST`,
    });
  });

  it('answers ResourceNotFoundException for a version or alias that does not exist', async () => {
    const client = await startClient();

    await expect(invoke(client, `${plain.name}:3`)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(invoke(client, plain.name, 'nope')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Function not found: ${plainArn}:nope`,
    });
  });

  it('refuses a qualifier in the name that the Qualifier parameter contradicts', async () => {
    const client = await startClient();

    await expect(invoke(client, `${plain.name}:1`, 'live')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });
});

describe('a durable function', () => {
  const durable = testFunction('Durable-WaitThenDouble', '/nowhere', {
    durableConfig: { executionTimeoutSeconds: 120, retentionPeriodDays: 7 },
    versions: ['1'],
    aliases: { live: '1' },
  });
  const directory = mkdtempSync(path.join(os.tmpdir(), 'invoke-api-qualifiers-'));
  let service: DurableService | undefined;
  afterEach(() => {
    service?.close();
    service = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers an unqualified Invoke with InvalidParameterValueException, running nothing', async () => {
    const { api, client, fakes } = await invokeApis.start([durable]);
    service = attachDurableService(api, { databaseFile: path.join(directory, 'durable.sqlite'), warn: () => undefined });

    await expect(client.send(new InvokeCommand({ FunctionName: durable.name, Payload: '{"number":1}' }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(fakes.created).toHaveLength(0);
  });
});
