/**
 * The Invoke API on loopback, driven by the real AWS SDK v3 LambdaClient, in front of real
 * execution environments: what only a real runtime shows (the request ID and context it gives the
 * handler, a crash, a timeout, a function calling another through the SDK). The API's own answers
 * (names and ARNs, errors and refusals, Event, DryRun, Tail, List and GetFunction) are unit tests
 * on the fake environments: local-cloud/test/unit/lambda/invoke-api-sdk.test.ts.
 */
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import type { CloudAssemblyDefinition } from '../../../core/types';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { type fixtureFunctionIds, fixtureFunctionNamed } from '../../fixtures/fixture-app/fixture-stack';

let assembly: CloudAssemblyDefinition;
let api: InvokeApi;
let client: LambdaClient;

beforeAll(async () => {
  assembly = loadCloudAssembly(inject('fixtureCdkOut'));
  api = await startInvokeApi({
    assembly,
    logSink: () => undefined,
    functionOverrides: { [fixtureFunctionNamed(assembly.functions, 'Hang').name]: { timeoutSeconds: 0.3 } },
    callerCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  client = new LambdaClient({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // One attempt, so a 429 or 500 surfaces instead of being retried away.
    maxAttempts: 1,
  });
}, 60_000);

afterAll(async () => {
  client.destroy();
  await api.close();
});

function nameOf(id: (typeof fixtureFunctionIds)[number]): string {
  return fixtureFunctionNamed(assembly.functions, id).name;
}

function payloadJson(output: InvokeCommandOutput): Record<string, unknown> {
  return JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
}

function invoke(functionName: string, payload: unknown, extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) {
  return client.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload), ...extra }));
}

describe('Invoke API', () => {
  it('invokes a function and answers with the request ID the function saw', async () => {
    const output = await invoke(nameOf('Echo'), { hello: 'world' });
    const body = payloadJson(output);

    expect(output.StatusCode).toBe(200);
    expect(output.ExecutedVersion).toBe('$LATEST');
    expect(output.FunctionError).toBeUndefined();
    expect(body.event).toEqual({ hello: 'world' });
    expect(output.$metadata.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((body.context as { awsRequestId: string }).awsRequestId).toBe(output.$metadata.requestId);
  });

  it('answers Runtime.ExitError for a crash and then serves from a fresh environment', async () => {
    const before = payloadJson(await invoke(nameOf('Exit'), {}));
    const crashed = await invoke(nameOf('Exit'), { exitCode: 2 });
    const after = payloadJson(await invoke(nameOf('Exit'), {}));

    expect(crashed.FunctionError).toBe('Unhandled');
    expect(payloadJson(crashed).errorType).toBe('Runtime.ExitError');
    expect(after.pid).toEqual(expect.any(Number));
    expect(after.pid).not.toBe(before.pid);
  });

  it('answers Sandbox.Timedout when the function runs past its timeout', async () => {
    const output = await invoke(nameOf('Hang'), {});

    expect(output.FunctionError).toBe('Unhandled');
    expect(payloadJson(output)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringContaining('Task timed out after 0.30 seconds'),
    });
  });

  it('lets a function call another through the SDK, reaching this API via AWS_ENDPOINT_URL_LAMBDA', async () => {
    const output = await invoke(nameOf('InvokeOther'), { payload: { nested: true } });
    const body = payloadJson(output) as { statusCode: number; payload: { event: unknown; context: { functionName: string } } };

    expect(output.FunctionError).toBeUndefined();
    expect(body.statusCode).toBe(200);
    expect(body.payload.event).toEqual({ nested: true });
    expect(body.payload.context.functionName).toBe(nameOf('Echo'));
  });
});
