/**
 * The channel between the local cloud and a function's process (runtime-messages.ts), attacked
 * from the function's side: whatever a handler writes there ends its own environment with
 * Runtime.ExitError, never the local cloud (issue 17, M1). Real processes: only they show it.
 */

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLogRecord } from '../../../core/log-record';
import type { FunctionDefinition, InvokeOutcome } from '../../../core/types';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { testFunction } from '../../support/function-definition';

let outdir: string;
const services: LocalLambdaService[] = [];

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'runtime-channel-test-'));
  // Readable by the unprivileged user environments run as when the tests run as root.
  chmodSync(outdir, 0o755);
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
  rmSync(outdir, { recursive: true, force: true });
});

function inlineFunction(name: string, source: string): FunctionDefinition {
  const codeDirectory = mkdtempSync(path.join(outdir, `${name}-`));
  writeFileSync(path.join(codeDirectory, 'index.js'), source);
  chmodSync(codeDirectory, 0o755);
  return testFunction(name, codeDirectory, { timeoutSeconds: 10 });
}

/** The channel is fd 3, as Node's IPC channel was: what a handler finds by trying. */
const writeToChannel = (expression: string) =>
  `const fs = require('node:fs');
   exports.handler = async (event, context) => {
     fs.writeSync(3, ${expression});
     await new Promise((resolve) => setTimeout(resolve, 5000));
     return 'not reached';
   };`;

const attacks = {
  Garbage: writeToChannel(`'garbage, not JSON\\n'`),
  MissingField: writeToChannel(`JSON.stringify({ type: 'result', requestId: context.awsRequestId, payload: '"forged"' }) + '\\n'`),
  OtherRequest: writeToChannel(
    `JSON.stringify({ type: 'result', requestId: 'someone-else', payload: '"forged"', outputBytes: { stdout: 0, stderr: 0 } }) + '\\n'`,
  ),
  // The socket does not block: write until the local cloud has had enough and ends the process.
  Huge: `const fs = require('node:fs');
   exports.handler = async () => {
     const chunk = Buffer.alloc(1024 * 1024, 'x');
     for (;;) {
       try { fs.writeSync(3, chunk); } catch (error) { if (error.code !== 'EAGAIN') throw error; }
     }
   };`,
  ProcessSend: `exports.handler = async (event, context) => {
     process.send({ type: 'result', requestId: context.awsRequestId, payload: '"forged"' });
     return 'sent';
   };`,
  Healthy: `exports.handler = async () => ({ pid: process.pid });`,
};

function startService() {
  const lines: string[] = [];
  const functions = Object.entries(attacks).map(([name, source]) => inlineFunction(name, source));
  const service = new LocalLambdaService({ functions, logSink: (record) => lines.push(formatLogRecord(record)) });
  services.push(service);
  const invoke = (name: keyof typeof attacks) => service.invoke(name, Buffer.from('{}'));
  return { service, lines, invoke };
}

const documentOf = (outcome: InvokeOutcome) => JSON.parse(outcome.payload.toString('utf8')) as { errorType: string; errorMessage: string };

describe('a function that writes to the runtime channel', () => {
  let stack: ReturnType<typeof startService>;
  beforeAll(() => {
    stack = startService();
  });

  it.each([
    ['Garbage', 'a line that is not JSON'],
    ['MissingField', 'a message of type "result" with a missing or invalid outputBytes'],
    ['OtherRequest', 'an unexpected result message for request someone-else'],
    ['Huge', 'a message larger than the channel allows'],
  ] as const)('%s: ends its own environment with Runtime.ExitError, and the local cloud serves on', async (name, reason) => {
    const outcome = await stack.invoke(name);

    expect(outcome.functionError).toBe('Unhandled');
    expect(documentOf(outcome)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${outcome.requestId} Error: Runtime exited with error: the runtime sent ${reason} on its channel`,
    });
    expect(stack.service.environmentCount(name)).toBe(0);
    const healthy = await stack.invoke('Healthy');
    expect(healthy.functionError).toBeUndefined();
  });

  it('finds no process.send, as on Lambda, so cannot forge an answer through it', async () => {
    const outcome = await stack.invoke('ProcessSend');

    expect(documentOf(outcome)).toMatchObject({ errorType: 'TypeError', errorMessage: 'process.send is not a function' });
    expect((await stack.invoke('Healthy')).functionError).toBeUndefined();
  });

  it('is started afresh on its next invocation', async () => {
    await stack.invoke('Garbage');

    const again = await stack.invoke('Garbage');

    expect(documentOf(again).errorType).toBe('Runtime.ExitError');
    expect(stack.lines.filter((line) => line.startsWith('[Garbage] INIT_START')).length).toBeGreaterThanOrEqual(2);
  });
});
