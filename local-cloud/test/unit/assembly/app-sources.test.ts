/**
 * What an app is built from, read from cdk.json's `watch` as `cdk watch` reads it: the source hash
 * that decides whether to synthesize again, and the paths `--watch` watches.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appSources, sourceHash } from '../../../assembly/app-sources';

/** The `watch` block `cdk init app --language typescript` writes. */
const CDK_INIT_WATCH = {
  include: ['**'],
  exclude: ['README.md', 'cdk*.json', '**/*.d.ts', '**/*.js', 'tsconfig.json', 'package*.json', 'yarn.lock', 'node_modules', 'test'],
};

const apps: string[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) rmSync(app, { recursive: true, force: true });
});

function app(watch: unknown, files: Record<string, string>): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'app-sources-'));
  apps.push(directory);
  writeFileSync(path.join(directory, 'cdk.json'), JSON.stringify({ app: 'npx ts-node bin/app.ts', watch }));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(directory, file)), { recursive: true });
    writeFileSync(path.join(directory, file), content);
  }
  return directory;
}

describe('an app made by cdk init ("include": ["**"])', () => {
  const files = {
    'bin/app.ts': 'app',
    'lib/stack.ts': 'stack',
    'test/stack.test.ts': 'test',
    'README.md': 'readme',
    'lib/stack.d.ts': 'd',
  };

  it('is its whole folder, less the excludes and what the CDK never watches', () => {
    const sources = appSources(app(CDK_INIT_WATCH, files));
    expect(sources.roots).toEqual(['.']);
    expect(sources.ignores('lib/stack.ts', true)).toBe(false);
    expect(sources.ignores('bin/app.ts', true)).toBe(false);
    for (const ignored of [
      'test/stack.test.ts',
      'test',
      'README.md',
      'lib/stack.d.ts',
      'cdk.out/x.json',
      'node_modules/a/index.js',
      '.git/HEAD',
    ]) {
      expect(sources.ignores(ignored, true), ignored).toBe(true);
    }
  });

  it('changes its source hash when a source changes, not when a test or the README does', () => {
    const directory = app(CDK_INIT_WATCH, files);
    const before = sourceHash(directory, {});
    writeFileSync(path.join(directory, 'test', 'stack.test.ts'), 'another test');
    writeFileSync(path.join(directory, 'README.md'), 'another readme');
    expect(sourceHash(directory, {})).toBe(before);
    writeFileSync(path.join(directory, 'lib', 'stack.ts'), 'another stack');
    expect(sourceHash(directory, {})).not.toBe(before);
  });
});

describe('an app that lists its folders', () => {
  it('watches the folders and files its includes start with, and only what they match', () => {
    const directory = app(
      { include: ['lib/**', 'functions/**', 'bin/*.ts', 'app.ts', 'missing/**'], exclude: ['**/*.test.ts'] },
      { 'lib/a.ts': '', 'functions/f/index.ts': '', 'bin/app.ts': '', 'bin/app.js': '', 'app.ts': '' },
    );
    const sources = appSources(directory);
    expect(sources.roots).toEqual(['lib', 'functions', 'bin', 'app.ts']);
    expect(sources.ignores('functions/f/index.ts', true)).toBe(false);
    expect(sources.ignores('functions/f/index.test.ts', true)).toBe(true);
    expect(sources.ignores('bin/app.js', true)).toBe(true);
    expect(sources.ignores('bin', false)).toBe(false);
  });

  it('covers the context files and the lockfile whatever the includes say', () => {
    const directory = app({ include: ['lib/**'] }, { 'lib/a.ts': '' });
    const before = sourceHash(directory, {});
    writeFileSync(path.join(directory, 'cdk.context.json'), '{"k": 1}');
    const withContext = sourceHash(directory, {});
    expect(withContext).not.toBe(before);
    writeFileSync(path.join(directory, 'package-lock.json'), '{}');
    expect(sourceHash(directory, {})).not.toBe(withContext);
    expect(sourceHash(directory, { extra: 1 })).not.toBe(sourceHash(directory, {}));
  });

  it('is nothing to watch when cdk.json has no watch block', () => {
    expect(appSources(app(undefined, { 'lib/a.ts': '' })).roots).toEqual([]);
  });
});
