/**
 * Staging: a function's code runs as it does on Lambda, with nothing around it (a CommonJS bundle
 * in a `cdk.out` inside a project whose package.json says `"type": "module"` still loads), from a
 * private copy made for this stack, never from a predictable shared path, and never after it changed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FunctionDefinition, LambdaServiceError } from '../../../core/types';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { privateRoot } from '../../../lambda/runtime/private-root';
import { RUNTIME_MODULES_PREFIX, runtimeModulesDirectory } from '../../../lambda/runtime/runtime-modules';
import { FunctionUsers, functionUser } from '../../../lambda/runtime/runtime-user';
import { removeAbandonedDirectories, STAGING_DIRECTORY_PREFIX } from '../../../lambda/runtime/task-root';
import { testFunction } from '../../support/function-definition';

const project = mkdtempSync(path.join(os.tmpdir(), 'task-root-test-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const DOUBLER =
  'exports.handler = async (event) => ({ doubled: event.n * 2, cwd: process.cwd(), taskRoot: process.env.LAMBDA_TASK_ROOT });\n';

/** An asset folder named as CDK names them, by a content hash unique to this run. */
function commonJsAsset(): { readonly directory: string; readonly hash: string } {
  writeFileSync(path.join(project, 'package.json'), '{"type": "module"}');
  const hash = Array.from({ length: 64 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  const directory = path.join(project, 'cdk.out', `asset.${hash}`);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'index.js'), DOUBLER);
  return { directory, hash };
}

function doubler(codeDirectory: string): FunctionDefinition {
  return testFunction('Test-Doubler', codeDirectory, { logicalId: 'Doubler', architecture: 'arm64', memorySizeMb: 128, timeoutSeconds: 5 });
}

async function withService<T>(codeDirectory: string, use: (service: LocalLambdaService, staged: string) => Promise<T>): Promise<T> {
  const service = new LocalLambdaService({ functions: [doubler(codeDirectory)], logSink: () => undefined });
  try {
    return await use(service, service.functions[0]?.codeDirectory ?? '');
  } finally {
    await service.close();
  }
}

async function invokeDoubler(service: LocalLambdaService, n: number) {
  const outcome = await service.invoke('Test-Doubler', Buffer.from(JSON.stringify({ n })));
  return { functionError: outcome.functionError, answer: JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown> };
}

describe('staging', () => {
  it('runs a CommonJS asset from inside an ES-module project, from a private copy outside it', async () => {
    const { directory } = commonJsAsset();
    await withService(directory, async (service, staged) => {
      const { functionError, answer } = await invokeDoubler(service, 21);
      expect(functionError).toBeUndefined();
      expect(answer.doubled).toBe(42);
      expect(answer.cwd).toBe(staged);
      expect(answer.taskRoot).toBe(staged);
      expect(staged.startsWith(project)).toBe(false);
      const stage = path.dirname(staged);
      expect(path.basename(stage).startsWith(STAGING_DIRECTORY_PREFIX)).toBe(true);
      // Nobody may write the stage (its owner only while staging); where environments run as
      // unprivileged users (the local cloud runs as root), they may pass through it but not list it,
      // and each function's group alone may read its own folder; others nothing.
      const runsAs = functionUser();
      expect(statSync(stage).mode & 0o777).toBe(process.getuid?.() === 0 ? 0o511 : 0o500);
      if (runsAs !== undefined) {
        expect(statSync(staged).mode & 0o777).toBe(0o550);
        expect(statSync(staged).gid).toBe(new FunctionUsers().userFor('Test-Doubler')?.gid);
      }
    });
  });

  it('never runs code planted in the shared path earlier runs used', async () => {
    const { directory, hash } = commonJsAsset();
    // What the local cloud used to run from, and reuse whenever it existed.
    const planted = path.join(os.tmpdir(), 'local-cloud-task-roots', `asset.${hash}`);
    mkdirSync(planted, { recursive: true });
    writeFileSync(path.join(planted, 'index.js'), 'exports.handler = async () => ({ doubled: -1, planted: true });\n');
    try {
      await withService(directory, async (service, staged) => {
        const { answer } = await invokeDoubler(service, 5);
        expect(answer).toMatchObject({ doubled: 10 });
        expect(answer.planted).toBeUndefined();
        expect(staged).not.toBe(planted);
      });
    } finally {
      rmSync(planted, { recursive: true, force: true });
    }
  });

  it('copies afresh for each stack, and removes the copy when the stack stops', async () => {
    const { directory } = commonJsAsset();
    const first = await withService(directory, async (_service, staged) => staged);
    expect(existsSync(path.dirname(first))).toBe(false);
    await withService(directory, async (service, staged) => {
      expect(staged).not.toBe(first);
      expect((await invokeDoubler(service, 1)).answer.doubled).toBe(2);
    });
  });

  it('refuses to start an environment when the staged code changed after it was copied', async () => {
    const { directory } = commonJsAsset();
    await withService(directory, async (service, staged) => {
      const file = path.join(staged, 'index.js');
      chmodSync(file, 0o600);
      writeFileSync(file, 'exports.handler = async () => ({ doubled: -1, tampered: true });\n');
      const refused = await service.invoke('Test-Doubler', Buffer.from('{"n": 1}')).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(LambdaServiceError);
      expect((refused as LambdaServiceError).code).toBe('CodeVerificationFailedException');
      expect((refused as LambdaServiceError).message).toMatch(/^The function wrote into its task root /);
      expect(service.environmentCount('Test-Doubler')).toBe(0);
    });
  });

  it("refuses a function's writes into its task root, so that concurrent environments still start", async () => {
    const { directory } = commonJsAsset();
    writeFileSync(
      path.join(directory, 'index.js'),
      "const fs = require('node:fs');\n" +
        'exports.handler = async (event) => {\n' +
        "  try { fs.writeFileSync(process.env.LAMBDA_TASK_ROOT + '/cache-' + event.n + '.json', '{}'); return { wrote: true }; }\n" +
        '  catch (error) { return { wrote: false, code: error.code }; }\n' +
        '};\n',
    );
    await withService(directory, async (service) => {
      // Before, as the local cloud's own user, the first write succeeded and every environment
      // started after it was refused with CodeVerificationFailedException.
      const outcomes = await Promise.all([1, 2, 3, 4].map((n) => invokeDoubler(service, n)));
      expect(outcomes.map(({ functionError, answer }) => ({ functionError, ...answer }))).toEqual(
        [1, 2, 3, 4].map(() => ({ functionError: undefined, wrote: false, code: 'EACCES' })),
      );
    });
  });

  it('refuses a file added to the staged code, too', async () => {
    const { directory } = commonJsAsset();
    await withService(directory, async (service, staged) => {
      writeFileSync(path.join(staged, 'extra.js'), 'process.exit(1)\n');
      await expect(service.invoke('Test-Doubler', Buffer.from('{"n": 1}'))).rejects.toMatchObject({
        code: 'CodeVerificationFailedException',
      });
    });
  });
});

describe('what a killed local cloud leaves in the private root', () => {
  it('is removed by the next one: the runtime module directory is named by its process ID, as the stages are', () => {
    // A process ID that was alive and is no more, and one that is alive (this test's parent).
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const abandoned = path.join(privateRoot(), `${RUNTIME_MODULES_PREFIX}${dead}-left`);
    const live = path.join(privateRoot(), `${RUNTIME_MODULES_PREFIX}${process.ppid}-kept`);
    mkdirSync(path.join(abandoned, 'node_modules'), { recursive: true });
    mkdirSync(live);
    try {
      expect(removeAbandonedDirectories(RUNTIME_MODULES_PREFIX)).toContain(abandoned);
      expect(existsSync(abandoned)).toBe(false);
      expect(existsSync(live)).toBe(true);
      const own = runtimeModulesDirectory(path.join(process.cwd(), 'node_modules'));
      expect(path.basename(path.dirname(own))).toMatch(new RegExp(`^${RUNTIME_MODULES_PREFIX}${process.pid}-`));
    } finally {
      rmSync(abandoned, { recursive: true, force: true });
      rmSync(live, { recursive: true, force: true });
    }
  });
});
