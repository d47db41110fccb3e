/**
 * The Invoke API on loopback, driven by the real AWS SDK v3 LambdaClient: the shapes it parses
 * into results and exception classes are the contract.
 */
import {
  GetFunctionCommand,
  InvalidRequestContentException,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  ListFunctionsCommand,
  RequestTooLargeException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { formatLogRecord } from '../../../core/log-record';
import type { CloudAssemblyDefinition } from '../../../core/types';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { type fixtureFunctionIds, fixtureFunctionNamed } from '../../fixtures/fixture-app/fixture-stack';

let assembly: CloudAssemblyDefinition;
let api: InvokeApi;
let client: LambdaClient;
const logLines: string[] = [];

beforeAll(async () => {
  assembly = loadCloudAssembly(inject('fixtureCdkOut'));
  api = await startInvokeApi({
    assembly,
    logSink: (record) => logLines.push(formatLogRecord(record)),
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

  it('accepts the name with $LATEST, the full ARN and the partial ARN', async () => {
    const echo = fixtureFunctionNamed(assembly.functions, 'Echo');
    const partialArn = `${assembly.accountId}:function:${echo.name}`;

    for (const functionName of [`${echo.name}:$LATEST`, echo.arn, partialArn]) {
      const output = await invoke(functionName, {});
      expect((payloadJson(output).context as { functionName: string }).functionName).toBe(echo.name);
    }
  });

  it('reports a function error with FunctionError Unhandled and the error document', async () => {
    const output = await invoke(nameOf('Fail'), {});

    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(payloadJson(output)).toMatchObject({ errorType: 'FixtureValidationError', errorMessage: 'the fixture always fails' });
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

  it('raises ResourceNotFoundException for an unknown function and for a qualifier other than $LATEST', async () => {
    await expect(invoke('NoSuchFunction', {})).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(invoke(nameOf('Echo'), {}, { Qualifier: 'prod' })).rejects.toThrow(/Function not found: .*:prod$/);
  });

  it('raises TooManyRequestsException with the Reason past reserved concurrency', async () => {
    const results = await Promise.allSettled([1, 2].map(() => invoke(nameOf('Limited'), { ms: 300 })));
    const rejection = results.find((result) => result.status === 'rejected');

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejection?.reason).toBeInstanceOf(TooManyRequestsException);
    expect(rejection?.reason).toMatchObject({
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      $metadata: { httpStatusCode: 429 },
    });
  });

  it('raises RequestTooLargeException for a request over 6 MB', async () => {
    const oversized = JSON.stringify('x'.repeat(6_291_456));

    await expect(client.send(new InvokeCommand({ FunctionName: nameOf('Echo'), Payload: oversized }))).rejects.toBeInstanceOf(
      RequestTooLargeException,
    );
  });

  it('raises InvalidRequestContentException for a payload that is not JSON', async () => {
    await expect(client.send(new InvokeCommand({ FunctionName: nameOf('Echo'), Payload: 'not json' }))).rejects.toBeInstanceOf(
      InvalidRequestContentException,
    );
  });

  it('accepts an Event invocation with 202 and runs it in the background', async () => {
    const output = await invoke(nameOf('Sleep'), { ms: 10 }, { InvocationType: 'Event' });
    const requestId = output.$metadata.requestId ?? '';

    expect(output.StatusCode).toBe(202);
    await expect.poll(() => logLines.some((line) => line.includes(`END RequestId: ${requestId}`)), { timeout: 5000 }).toBe(true);
  });

  it('answers a DryRun with 204 without running the function', async () => {
    const output = await invoke(nameOf('Echo'), {}, { InvocationType: 'DryRun' });
    const requestId = output.$metadata.requestId ?? '';

    expect(output.StatusCode).toBe(204);
    expect(logLines.some((line) => line.includes(`START RequestId: ${requestId}`))).toBe(false);
  });

  it('returns the last 4 KB of the log, base64, with LogType Tail', async () => {
    const output = await invoke(nameOf('Log'), {}, { LogType: 'Tail' });
    const log = Buffer.from(output.LogResult ?? '', 'base64').toString('utf8');

    expect(log).toContain(`START RequestId: ${output.$metadata.requestId ?? 'missing'} Version: $LATEST`);
    expect(log).toContain('plain line');
    expect(log).toMatch(/REPORT RequestId: .*\tDuration: /);
  });

  it('lets a function call another through the SDK, reaching this API via AWS_ENDPOINT_URL_LAMBDA', async () => {
    const output = await invoke(nameOf('InvokeOther'), { payload: { nested: true } });
    const body = payloadJson(output) as { statusCode: number; payload: { event: unknown; context: { functionName: string } } };

    expect(output.FunctionError).toBeUndefined();
    expect(body.statusCode).toBe(200);
    expect(body.payload.event).toEqual({ nested: true });
    expect(body.payload.context.functionName).toBe(nameOf('Echo'));
  });

  it('lists every function and describes one with a realistic configuration', async () => {
    const listed = await client.send(new ListFunctionsCommand({}));
    const limited = fixtureFunctionNamed(assembly.functions, 'Limited');
    const described = await client.send(new GetFunctionCommand({ FunctionName: limited.name }));

    expect(listed.Functions?.map((configuration) => configuration.FunctionName).sort()).toEqual(
      assembly.functions.map((definition) => definition.name).sort(),
    );
    expect(described.Configuration).toMatchObject({
      FunctionName: limited.name,
      FunctionArn: limited.arn,
      Runtime: 'nodejs24.x',
      Handler: 'index.sleep',
      MemorySize: 128,
      Timeout: 3,
      Architectures: ['arm64'],
      State: 'Active',
      PackageType: 'Zip',
    });
    expect(described.Configuration?.CodeSize).toBeGreaterThan(0);
    expect(described.Concurrency?.ReservedConcurrentExecutions).toBe(1);
  });
});

describe('Invoke API with injected service errors', () => {
  it('raises ServiceException (500) for an injected service error', async () => {
    const faulty = await startInvokeApi({
      assembly,
      logSink: () => undefined,
      faultInjection: { faults: { serviceError: 1 } },
      callerCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const faultyClient = new LambdaClient({
      endpoint: faulty.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    try {
      const failure = faultyClient.send(new InvokeCommand({ FunctionName: nameOf('Echo'), Payload: '{}' }));
      await expect(failure).rejects.toBeInstanceOf(ServiceException);
      await expect(failure).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    } finally {
      faultyClient.destroy();
      await faulty.close();
    }
  });
});
