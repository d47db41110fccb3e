/**
 * `npm start -- --watch`: an edit to a function's code, saved while the stack serves, is what the
 * next invocation runs; a change that breaks synthesis keeps the previous code serving. A copy of
 * the second app is edited, never this project's own sources.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copySecondApp, functionNamed, invokeFunction, type LocalCloudProcess, startLocalCloud } from './support/processes';

// Each step starts real processes (and may synthesize) on a machine the whole suite shares.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

let app: ReturnType<typeof copySecondApp>;
let stack: LocalCloudProcess;
let lambdaUrl: string;
let greeter: string;

beforeAll(async () => {
  app = copySecondApp();
  stack = await startLocalCloud(['--app', app.directory, '--watch']);
  lambdaUrl = stack.urls('Lambda API')[0] ?? '';
  greeter = functionNamed(stack.stdout(), 'Greeter');
  await stack.waitForStderr(/\[watch\] watching /);
});

afterAll(async () => {
  await stack?.stop();
  app?.remove();
});

describe('npm start -- --watch', () => {
  // Saved by a rename over the file, as editors, `sed -i` and `git checkout` save: that the watcher
  // sees each of several such saves in a row is local-cloud/test/unit/assembly/watch-sources.test.ts's.
  it('replaces a function edited by a rename over its file: the next invocation runs the new code, and one line names it', async () => {
    expect((await invokeFunction(lambdaUrl, greeter, { name: 'ann' })).body).toEqual({ message: 'hello ann', stage: 'deployed' });

    const handler = path.join(app.directory, 'functions', 'greeter', 'index.mjs');
    const mark = stack.stderr().length;
    const replacement = `${handler}.swp`;
    writeFileSync(
      replacement,
      readFileSync(handler, 'utf8').replace('`${process.env.GREETING} ${name}`', '`${process.env.GREETING}, dear ${name}`'),
    );
    renameSync(replacement, handler);
    const line = await stack.waitForStderr(/\[watch\] replaced [^\n]*/, mark);
    expect(line).toContain(greeter);
    expect(line).not.toContain('Echo');

    expect((await invokeFunction(lambdaUrl, greeter, { name: 'ann' })).body).toEqual({ message: 'hello, dear ann', stage: 'deployed' });
  });

  it('keeps the previous code serving when the app no longer synthesizes, and says why', async () => {
    const appFile = path.join(app.directory, 'app.ts');
    const source = readFileSync(appFile, 'utf8');
    const mark = stack.stderr().length;
    writeFileSync(appFile, `${source}\nthrow new Error('a broken app');\n`);
    try {
      await stack.waitForStderr(/\[watch\] synthesis failed; still serving the previous code/, mark);
      await stack.waitForStderr(/a broken app/, mark);
      expect((await invokeFunction(lambdaUrl, greeter, { name: 'bo' })).body).toEqual({ message: 'hello, dear bo', stage: 'deployed' });
    } finally {
      const fixed = stack.stderr().length;
      writeFileSync(appFile, source);
      await stack.waitForStderr(/\[watch\] (no function changed|replaced)/, fixed);
    }
  });
});
