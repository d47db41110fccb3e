/**
 * The Invoke API on loopback, driven by the real AWS SDK v3 LambdaClient: the shapes it parses
 * into results and exception classes are the contract. The functions run on the in-process fake
 * environments; what only a real runtime shows (the request ID and context it gives the handler, a
 * crash, a timeout, a function calling another) is in local-cloud/test/integration/lambda/invoke-api.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GetFunctionCommand,
  InvalidRequestContentException,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
  ListFunctionsCommand,
  RequestTooLargeException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { readLoggingConfig } from '../../../assembly/logging-config';
import type { FunctionDefinition } from '../../../core/types';
import { type FakeScript, functionError, success } from '../../support/fake-environment';
import { useFakeInvokeApi } from '../../support/fake-invoke-api';
import { testFunction } from '../../support/function-definition';

const code = mkdtempSync(path.join(os.tmpdir(), 'invoke-api-sdk-'));
writeFileSync(path.join(code, 'index.js'), 'exports.handler = async () => ({});\n');
afterAll(() => rmSync(code, { recursive: true, force: true }));

const functions: FunctionDefinition[] = [
  testFunction('Test-Echo', code),
  testFunction('Test-Fail', code),
  testFunction('Test-Log', code),
  testFunction('Test-Limited', code, {
    handler: 'index.sleep',
    memorySizeMb: 128,
    timeoutSeconds: 3,
    architecture: 'arm64',
    reservedConcurrency: 1,
  }),
  testFunction('Test-Json', code, { loggingConfig: readLoggingConfig({ LogFormat: 'JSON', SystemLogLevel: 'warn' }, 'Test-Json') }),
];

/** Echo answers its event and the function it ran as; Fail throws; Log writes a line; Limited sleeps `ms`. */
function scriptOf(definition: FunctionDefinition): FakeScript {
  switch (definition.name) {
    case 'Test-Fail':
      return { answer: () => functionError('FixtureValidationError', 'the fixture always fails') };
    case 'Test-Log':
      return { answer: () => ({ lines: ['plain line'], result: { kind: 'success', payload: '{}' } }) };
    case 'Test-Limited':
      return { answer: (request) => success('{}', (JSON.parse(request.payload) as { ms: number }).ms) };
    default:
      return {
        answer: (request, environment) =>
          success(JSON.stringify({ event: JSON.parse(request.payload), context: { functionName: environment.definition.name } })),
      };
  }
}

const invokeApis = useFakeInvokeApi();
const start = (options: Parameters<typeof invokeApis.start>[2] = {}) => invokeApis.start(functions, scriptOf, options);

function payloadJson(output: InvokeCommandOutput): Record<string, unknown> {
  return JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
}

function invoke(
  client: LambdaClient,
  functionName: string,
  payload: unknown,
  extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {},
) {
  return client.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload), ...extra }));
}

describe('Invoke API', () => {
  it('accepts the name with $LATEST, the full ARN and the partial ARN', async () => {
    const { client, fakes } = await start();
    const echo = testFunction('Test-Echo', code);

    for (const functionName of ['Test-Echo:$LATEST', echo.arn, `000000000000:function:${echo.name}`]) {
      const output = await invoke(client, functionName, {});
      expect((payloadJson(output).context as { functionName: string }).functionName).toBe(echo.name);
    }
    expect(fakes.created.flatMap((environment) => environment.invocations)).toHaveLength(3);
  });

  it('reports a function error with FunctionError Unhandled and the error document', async () => {
    const { client } = await start();

    const output = await invoke(client, 'Test-Fail', {});

    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(payloadJson(output)).toMatchObject({ errorType: 'FixtureValidationError', errorMessage: 'the fixture always fails' });
  });

  it('raises ResourceNotFoundException for an unknown function and for a qualifier other than $LATEST', async () => {
    const { client } = await start();

    await expect(invoke(client, 'NoSuchFunction', {})).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(invoke(client, 'Test-Echo', {}, { Qualifier: 'prod' })).rejects.toThrow(/Function not found: .*:prod$/);
  });

  it('raises TooManyRequestsException with the Reason past reserved concurrency', async () => {
    const { client } = await start();

    const results = await Promise.allSettled([1, 2].map(() => invoke(client, 'Test-Limited', { ms: 300 })));
    const rejection = results.find((result) => result.status === 'rejected');

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejection?.reason).toBeInstanceOf(TooManyRequestsException);
    expect(rejection?.reason).toMatchObject({
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      $metadata: { httpStatusCode: 429 },
    });
  });

  it('raises RequestTooLargeException for a request over 6 MB', async () => {
    const { client, fakes } = await start();
    const oversized = JSON.stringify('x'.repeat(6_291_456));

    await expect(client.send(new InvokeCommand({ FunctionName: 'Test-Echo', Payload: oversized }))).rejects.toBeInstanceOf(
      RequestTooLargeException,
    );
    expect(fakes.created).toHaveLength(0);
  });

  it('raises InvalidRequestContentException for a payload that is not JSON', async () => {
    const { client, fakes } = await start();

    await expect(client.send(new InvokeCommand({ FunctionName: 'Test-Echo', Payload: 'not json' }))).rejects.toBeInstanceOf(
      InvalidRequestContentException,
    );
    expect(fakes.created).toHaveLength(0);
  });

  it('accepts an Event invocation with 202 and runs it in the background', async () => {
    const { client, fakes, logs } = await start();

    const output = await invoke(client, 'Test-Limited', { ms: 10 }, { InvocationType: 'Event' });
    const requestId = output.$metadata.requestId ?? '';

    expect(output.StatusCode).toBe(202);
    await expect.poll(() => logs.some((line) => line.includes(`END RequestId: ${requestId}`)), { timeout: 5000 }).toBe(true);
    expect(fakes.created[0]?.invocations.map((request) => request.requestId)).toEqual([requestId]);
  });

  it('answers a DryRun with 204 without running the function', async () => {
    const { client, fakes, logs } = await start();

    const output = await invoke(client, 'Test-Echo', {}, { InvocationType: 'DryRun' });
    const requestId = output.$metadata.requestId ?? '';

    expect(output.StatusCode).toBe(204);
    expect(logs.some((line) => line.includes(`START RequestId: ${requestId}`))).toBe(false);
    expect(fakes.created).toHaveLength(0);
  });

  it('returns the last 4 KB of the log, base64, with LogType Tail', async () => {
    const { client } = await start();

    const output = await invoke(client, 'Test-Log', {}, { LogType: 'Tail' });
    const log = Buffer.from(output.LogResult ?? '', 'base64').toString('utf8');

    expect(log).toContain(`START RequestId: ${output.$metadata.requestId ?? 'missing'} Version: $LATEST`);
    expect(log).toContain('plain line');
    expect(log).toMatch(/REPORT RequestId: .*\tDuration: /);
  });

  it('lists every function and describes one with a realistic configuration', async () => {
    const { client } = await start();

    const listed = await client.send(new ListFunctionsCommand({}));
    const described = await client.send(new GetFunctionCommand({ FunctionName: 'Test-Limited' }));

    expect(listed.Functions?.map((configuration) => configuration.FunctionName).sort()).toEqual(
      functions.map((definition) => definition.name).sort(),
    );
    expect(described.Configuration).toMatchObject({
      FunctionName: 'Test-Limited',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Test-Limited',
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

  it('reports LoggingConfig in GetFunction: Text by default, JSON with INFO levels unless set', async () => {
    const { client } = await start();

    const plain = await client.send(new GetFunctionCommand({ FunctionName: 'Test-Echo' }));
    const json = await client.send(new GetFunctionCommand({ FunctionName: 'Test-Json' }));

    expect(plain.Configuration?.LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: '/aws/lambda/Test-Echo' });
    expect(json.Configuration?.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: 'INFO',
      SystemLogLevel: 'WARN',
      LogGroup: '/aws/lambda/Test-Json',
    });
  });

  it('refuses a ClientContext that is not base64 of a JSON object with a 400', async () => {
    const { client, fakes } = await start();

    await expect(
      client.send(
        new InvokeCommand({
          FunctionName: 'Test-Echo',
          Payload: Buffer.from('{}'),
          ClientContext: Buffer.from('[1,2]').toString('base64'),
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidRequestContentException);
    expect(fakes.created).toHaveLength(0);
  });
});

describe('Invoke API with injected service errors', () => {
  it('raises ServiceException (500) for an injected service error', async () => {
    const { client, fakes } = await start({ faultInjection: { faults: { serviceError: 1 } } });

    const failure = client.send(new InvokeCommand({ FunctionName: 'Test-Echo', Payload: '{}' }));

    await expect(failure).rejects.toBeInstanceOf(ServiceException);
    await expect(failure).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    expect(fakes.created).toHaveLength(0);
  });
});
