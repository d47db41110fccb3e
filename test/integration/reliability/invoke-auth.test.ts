/**
 * The Lambda Invoke API of a running stack accepts the stack's credentials (the HTTP API's): the
 * real SDK, signing with them, runs the real squarer. Its refusals (unsigned, wrongly signed, the
 * functions' former fixed keys) are unit tests on the fake environments,
 * local-cloud/test/unit/lambda/invoke-api-auth.test.ts; --no-invoke-auth and listening beyond
 * loopback: local-cloud/test/unit/stack/exposure.test.ts.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type SquareApi, startSquareApi } from './support/local-square-api';

let api: SquareApi;
beforeAll(async () => {
  api = await startSquareApi(inject('cdkOut'));
});
afterAll(() => api.close());

describe('Invoke API authentication', () => {
  it('signed with the stack credentials: the function runs', async () => {
    const client = new LambdaClient({
      endpoint: api.stack.lambdaUrl,
      region: api.stack.region,
      credentials: api.stack.credentials,
      maxAttempts: 1,
    });
    const response = await client.send(
      new InvokeCommand({ FunctionName: api.squarer.name, Payload: new TextEncoder().encode('{"number": 3}') }),
    );
    expect(JSON.parse(new TextDecoder().decode(response.Payload))).toMatchObject({ number: 3, result: 9 });
    client.destroy();
  });
});
