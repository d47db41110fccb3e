/**
 * H1 of issue 17: a `node_modules` planted in the shared temporary directory (mode 1777, as /tmp)
 * must not be on a function's module walk; the SDK the function loads is the runtime's.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { testFunction } from '../../support/function-definition';

const sharedTmp = mkdtempSync(path.join(os.tmpdir(), 'planted-tmp-'));
const code = mkdtempSync(path.join(os.tmpdir(), 'planted-code-'));
const originalTmpdir = process.env.TMPDIR;

beforeAll(() => {
  chmodSync(sharedTmp, 0o1777);
  const planted = path.join(sharedTmp, 'node_modules', '@aws-sdk', 'client-lambda');
  mkdirSync(planted, { recursive: true });
  writeFileSync(path.join(planted, 'package.json'), '{"name": "@aws-sdk/client-lambda", "main": "index.js"}');
  writeFileSync(path.join(planted, 'index.js'), 'module.exports = { planted: true };\n');
  chmodSync(code, 0o755);
  writeFileSync(
    path.join(code, 'index.js'),
    "exports.handler = async () => { const sdk = require('@aws-sdk/client-lambda'); return { planted: sdk.planted === true, client: typeof sdk.LambdaClient }; };\n",
  );
  process.env.TMPDIR = sharedTmp;
});

afterAll(() => {
  if (originalTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmpdir;
  rmSync(sharedTmp, { recursive: true, force: true });
  rmSync(code, { recursive: true, force: true });
});

describe('a node_modules planted in the shared temporary directory', () => {
  it('is not loaded by a function: @aws-sdk/client-lambda is the runtime-provided one', async () => {
    const service = new LocalLambdaService({ functions: [testFunction('Test-Sdk', code)], logSink: () => undefined });
    try {
      const outcome = await service.invoke('Test-Sdk', Buffer.from('{}'));
      expect(outcome.functionError).toBeUndefined();
      expect(JSON.parse(outcome.payload.toString('utf8'))).toEqual({ planted: false, client: 'function' });
      expect(service.functions[0]?.codeDirectory.startsWith(sharedTmp)).toBe(false);
    } finally {
      await service.close();
    }
  });
});
