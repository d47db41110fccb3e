/**
 * Who can reach a local stack: listening beyond loopback needs --allow-remote and credentials of
 * the user's own, and keeps the Invoke API's SigV4; --no-invoke-auth is for loopback only. The
 * stack serves a small hand-written assembly (no synthesis) on the in-process fake environments.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../../sigv4/local-credentials';
import { type LocalStackOptions, type RunningLocalStack, startLocalStack } from '../../../stack/local-stack';
import { FakeEnvironments, success } from '../../support/fake-environment';
import { sendRequest } from '../../support/http-api-client';

const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'exposure-'));
const projectDirectory = path.join(workDirectory, 'project');
const cdkOut = path.join(workDirectory, 'cdk.out');
mkdirSync(projectDirectory);
mkdirSync(cdkOut);
// One stack, one function: a squarer with inline code.
writeFileSync(
  path.join(cdkOut, 'Exposed.template.json'),
  JSON.stringify({
    Resources: {
      Squarer: {
        Type: 'AWS::Lambda::Function',
        Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { ZipFile: 'exports.handler = async (e) => e;' } },
      },
    },
  }),
);
writeFileSync(
  path.join(cdkOut, 'manifest.json'),
  JSON.stringify({
    version: '55.0.0',
    artifacts: {
      Exposed: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://unknown-account/unknown-region',
        properties: { templateFile: 'Exposed.template.json' },
      },
    },
  }),
);
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

const ownCredentials = { accessKeyId: 'AKIAMINE', secretAccessKey: 'my-own-secret' };
const started: RunningLocalStack[] = [];
afterEach(async () => {
  for (const stack of started.splice(0)) await stack.close();
});

/** A stack on free ports, its squarer answering `{"result": n²}` from a fake environment. */
async function start(options: Partial<LocalStackOptions>): Promise<RunningLocalStack> {
  const fakes = new FakeEnvironments(() => ({
    answer: (request) => success(JSON.stringify({ result: (JSON.parse(request.payload) as { number: number }).number ** 2 })),
  }));
  const stack = await startLocalStack({
    projectDirectory,
    cdkOut,
    httpPort: 0,
    lambdaPort: 0,
    logSink: () => undefined,
    writeStateFile: false,
    lambda: { createEnvironment: fakes.factory },
    ...options,
  });
  started.push(stack);
  return stack;
}

/** The unsigned Invoke of the squarer, on loopback whatever the stack listens on. */
function unsignedInvoke(stack: RunningLocalStack) {
  const squarer = stack.assembly.functions[0]?.name ?? 'missing';
  return sendRequest(`http://127.0.0.1:${stack.invokeApi.port}/2015-03-31/functions/${squarer}/invocations`, {
    method: 'POST',
    body: '{"number": 4}',
  });
}

describe('--no-invoke-auth', () => {
  it('accepts unsigned requests on loopback', async () => {
    const stack = await start({ credentials: ownCredentials, invokeAuthentication: 'none' });

    const response = await unsignedInvoke(stack);

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ result: 16 });
  });
});

describe('listening beyond loopback', () => {
  it('needs --allow-remote', async () => {
    await expect(start({ host: '0.0.0.0', credentials: ownCredentials })).rejects.toThrow(/--allow-remote/);
  });

  it('refuses the fixed local credentials the README prints', async () => {
    await expect(start({ host: '0.0.0.0', allowRemote: true, credentials: LOCAL_CREDENTIALS })).rejects.toThrow(
      /refuses the fixed local credentials/,
    );
  });

  it('refuses --no-invoke-auth', async () => {
    await expect(start({ host: '0.0.0.0', allowRemote: true, invokeAuthentication: 'none', credentials: ownCredentials })).rejects.toThrow(
      /loopback only/,
    );
  });

  it('serves with credentials of the user’s own, and still refuses unsigned invokes', async () => {
    const stack = await start({ host: '0.0.0.0', allowRemote: true, credentials: ownCredentials });

    const response = await unsignedInvoke(stack);

    expect(response.status).toBe(403);
  });
});
