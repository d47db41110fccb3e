/**
 * `--watch` sees every save, however it is made: in place, by a rename over the file (editors'
 * atomic saves, `sed -i`, `git checkout`), by a copy over it, by a delete and a new file.
 * Node's recursive fs.watch on Linux missed every save after the first rename.
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SourceWatcher, watchSources } from '../../../assembly/watch-sources';

let directory: string;
let watcher: SourceWatcher | undefined;

afterEach(async () => {
  await watcher?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function watched(watch: unknown): Promise<{ next: () => Promise<readonly string[]> }> {
  directory = mkdtempSync(path.join(tmpdir(), 'watch-sources-'));
  writeFileSync(path.join(directory, 'cdk.json'), JSON.stringify({ app: 'node app.js', watch }));
  mkdirSync(path.join(directory, 'functions', 'f'), { recursive: true });
  writeFileSync(path.join(directory, 'functions', 'f', 'index.ts'), 'v0');
  const batches: (readonly string[])[] = [];
  const waiting: ((files: readonly string[]) => void)[] = [];
  watcher = watchSources({
    projectDirectory: directory,
    settleMs: 50,
    onChange: async (files) => {
      const resolve = waiting.shift();
      if (resolve === undefined) batches.push(files);
      else resolve(files);
    },
  });
  await watcher.ready;
  return { next: () => new Promise((resolve) => (batches.length > 0 ? resolve(batches.shift() ?? []) : waiting.push(resolve))) };
}

const handler = () => path.join(directory, 'functions', 'f', 'index.ts');

describe('watchSources', () => {
  it('sees three saves by rename in a row', async () => {
    const changes = await watched({ include: ['functions/**'] });
    for (const version of ['v1', 'v2', 'v3']) {
      writeFileSync(`${handler()}.tmp`, version);
      renameSync(`${handler()}.tmp`, handler());
      expect(await changes.next()).toContain(path.join('functions', 'f', 'index.ts'));
    }
  });

  it('sees a copy over the file, and a delete then a new file (as git checkout does)', async () => {
    const changes = await watched({ include: ['functions/**'] });
    writeFileSync(path.join(directory, 'other.ts'), 'copied');
    copyFileSync(path.join(directory, 'other.ts'), handler());
    expect(await changes.next()).toContain(path.join('functions', 'f', 'index.ts'));
    unlinkSync(handler());
    writeFileSync(handler(), 'checked out');
    expect(await changes.next()).toContain(path.join('functions', 'f', 'index.ts'));
  });

  it('watches the whole folder of a cdk init app, not its excluded test folder', async () => {
    const changes = await watched({ include: ['**'], exclude: ['test', 'README.md'] });
    expect(watcher?.watched).toEqual(['.']);
    mkdirSync(path.join(directory, 'test'));
    writeFileSync(path.join(directory, 'test', 'a.test.ts'), 'ignored');
    writeFileSync(path.join(directory, 'README.md'), 'ignored');
    mkdirSync(path.join(directory, 'lib'));
    writeFileSync(path.join(directory, 'lib', 'stack.ts'), 'seen');
    const files = await changes.next();
    expect(files).toContain(path.join('lib', 'stack.ts'));
    expect(files.filter((file) => file.startsWith('test') || file === 'README.md')).toEqual([]);
  });
});
