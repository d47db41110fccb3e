/**
 * What the Invoke API carries into the runtime, driven by the real AWS SDK: `ClientContext`
 * (X-Amz-Client-Context) into `context.clientContext`. Its refusal of a malformed one, and
 * GetFunction's `LoggingConfig`, are unit tests: local-cloud/test/unit/lambda/invoke-api-sdk.test.ts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../core/types';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { testFunction } from '../../support/function-definition';

let directory: string;
let api: InvokeApi;
let client: LambdaClient;

function definitionOf(name: string): FunctionDefinition {
  return testFunction(name, directory, { stackName: 'Fidelity' });
}

const callerCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

beforeAll(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'invoke-api-fidelity-'));
  chmodSync(directory, 0o755);
  writeFileSync(
    path.join(directory, 'index.js'),
    `exports.handler = async (event, context) => ({ clientContext: context.clientContext ?? null });`,
  );
  api = await startInvokeApi({
    functions: [definitionOf('Plain')],
    logSink: () => {},
    // The Invoke API authenticates as Lambda does (SigV4): the client signs with credentials it accepts.
    callerCredentials,
  });
  client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials: callerCredentials, maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  client.destroy();
  await api.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('the Invoke API and the runtime', () => {
  it('hands ClientContext to the handler as context.clientContext', async () => {
    const clientContext = { client: { app_title: 'fidelity' }, custom: { tenant: 'a' } };
    const output = await client.send(
      new InvokeCommand({
        FunctionName: 'Plain',
        Payload: Buffer.from('{}'),
        ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64'),
      }),
    );

    expect(JSON.parse(Buffer.from(output.Payload ?? []).toString('utf8'))).toEqual({ clientContext });
  });
});
