/**
 * A function's code runs as it does on Lambda, with nothing around it: a CommonJS bundle in a
 * `cdk.out` inside a project whose package.json says `"type": "module"` still loads.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalLambdaService } from '../../local-cloud/lambda/lambda-service';
import { taskRootFor } from '../../local-cloud/lambda/task-root';
import type { FunctionDefinition } from '../../local-cloud/types';

const project = mkdtempSync(path.join(os.tmpdir(), 'task-root-test-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** An asset folder named as CDK names them, by a content hash unique to this run. */
function commonJsAsset(): string {
  writeFileSync(path.join(project, 'package.json'), '{"type": "module"}');
  const hash = Array.from({ length: 64 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  const directory = path.join(project, 'cdk.out', `asset.${hash}`);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'index.js'), 'exports.handler = async (event) => ({ doubled: event.n * 2, cwd: process.cwd() });\n');
  return directory;
}

describe('task roots', () => {
  it('runs a CommonJS asset from inside an ES-module project, from a copy outside it', async () => {
    const codeDirectory = commonJsAsset();
    const definition: FunctionDefinition = {
      logicalId: 'Doubler',
      stackName: 'Test',
      name: 'Test-Doubler',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:Test-Doubler',
      handler: 'index.handler',
      codeDirectory,
      runtime: 'nodejs24.x',
      architecture: 'arm64',
      memorySizeMb: 128,
      timeoutSeconds: 5,
      environment: {},
      logGroupName: '/aws/lambda/Test-Doubler',
    };
    const service = new LocalLambdaService({ functions: [definition], logSink: () => undefined });
    try {
      const outcome = await service.invoke('Test-Doubler', Buffer.from('{"n": 21}'));
      expect(outcome.functionError).toBeUndefined();
      const answer = JSON.parse(outcome.payload.toString('utf8'));
      expect(answer.doubled).toBe(42);
      expect(answer.cwd).toBe(taskRootFor(codeDirectory));
      expect(answer.cwd.startsWith(project)).toBe(false);
    } finally {
      await service.close();
    }
  });

  it('leaves a folder that is not a CDK asset where it is', () => {
    expect(taskRootFor(project)).toBe(project);
  });
});
