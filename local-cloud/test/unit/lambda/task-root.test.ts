/**
 * A staged task root is read-only whoever runs the local cloud: no folder or file in it, nor the
 * stage around it, has a write bit once staged (before, its folders were 0700 or 0750, so where
 * the local cloud was not root a function could add files to its own code folder). A change found
 * before an environment starts is reported as the function's write into its task root.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CodeStage } from '../../../lambda/runtime/task-root';

const scratch = mkdtempSync(path.join(tmpdir(), 'task-root-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An asset with a nested folder, as a bundle with its source map and a data folder. */
function asset(name: string): string {
  const directory = path.join(scratch, name);
  mkdirSync(path.join(directory, 'data', 'deep'), { recursive: true });
  writeFileSync(path.join(directory, 'index.js'), 'exports.handler = async () => 1;\n');
  writeFileSync(path.join(directory, 'data', 'deep', 'table.json'), '{}');
  return directory;
}

/** Every folder and file under `root`, itself included, with its permission bits. */
function modes(root: string): Map<string, number> {
  const found = new Map<string, number>([[root, lstatSync(root).mode & 0o777]]);
  for (const relative of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    found.set(relative, lstatSync(path.join(root, relative)).mode & 0o777);
  }
  return found;
}

function newStage(): CodeStage {
  const parent = mkdtempSync(path.join(scratch, 'stage-parent-'));
  return new CodeStage(parent);
}

describe('a staged task root', () => {
  it('has no write bit on any folder or file, nor on the stage around it', () => {
    const stage = newStage();
    try {
      const staged = stage.stage(asset('one'));
      const shared = stage.stageShared(path.join(asset('runtime'), 'index.js'));
      const writable = [...modes(stage.directory)].filter(([, mode]) => (mode & 0o222) !== 0);
      expect(writable).toEqual([]);
      expect(existsSync(path.join(staged.directory, 'data', 'deep', 'table.json'))).toBe(true);
      expect(existsSync(shared)).toBe(true);
    } finally {
      stage.remove();
    }
  });

  it('stays read-only as more functions are staged, and is removed whole', () => {
    const stage = newStage();
    const first = stage.stage(asset('first'));
    const second = stage.stage(asset('second'));
    expect(path.dirname(second.directory)).toBe(stage.directory);
    expect(lstatSync(stage.directory).mode & 0o222).toBe(0);
    expect(lstatSync(first.directory).mode & 0o222).toBe(0);
    stage.remove();
    expect(existsSync(stage.directory)).toBe(false);
  });

  it('that changed is refused as the function having written into it', () => {
    const stage = newStage();
    try {
      const staged = stage.stage(asset('written'));
      // What a function running as the copy's owner can still do: give the bit back, and write.
      chmodSync(staged.directory, 0o700);
      writeFileSync(path.join(staged.directory, 'cache.json'), '{}');
      expect(() => stage.verify(staged.directory)).toThrow(/^The function wrote into its task root .*written/);
      expect(() => stage.verify(staged.directory)).toThrow(/write under \/tmp/);
    } finally {
      stage.remove();
    }
  });
});
