/**
 * Where the local cloud does not run as root, its functions run as its own user, the owner of the
 * staged copy: the modes alone keep the task root read-only. A process of an unprivileged user
 * (this one's own, or `nobody` where the tests run as root) stages code and then, as a function
 * would, tries to change it, add to it and plant a file beside it: each fails with EACCES (Lambda:
 * EROFS), and the stage is still removed whole.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const NOBODY = 65_534;
const asRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'read-only-task-root-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const taskRootModule = fileURLToPath(new URL('../../../lambda/runtime/task-root.ts', import.meta.url));

const SCRIPT = `
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CodeStage } from ${JSON.stringify(taskRootModule)};
const [source, parent] = process.argv.slice(2);
const attempt = (write) => { try { write(); return 'written'; } catch (error) { return error.code; } };
const stage = new CodeStage(parent);
const staged = stage.stage(source);
const result = {
  uid: process.getuid(),
  overwrite: attempt(() => writeFileSync(path.join(staged.directory, 'index.js'), 'changed')),
  create: attempt(() => writeFileSync(path.join(staged.directory, 'cache.json'), '{}')),
  createDeep: attempt(() => writeFileSync(path.join(staged.directory, 'lib', 'cache.json'), '{}')),
  folder: attempt(() => mkdirSync(path.join(staged.directory, 'new'))),
  beside: attempt(() => writeFileSync(path.join(stage.directory, 'planted.js'), '')),
};
stage.verify(staged.directory);
stage.remove();
result.removed = !existsSync(stage.directory);
console.log(JSON.stringify(result));
`;

describe('a task root staged by an unprivileged user', () => {
  it('refuses that user every write into it, and is still removed whole', () => {
    const source = path.join(scratch, 'asset');
    mkdirSync(path.join(source, 'lib'), { recursive: true });
    writeFileSync(path.join(source, 'index.js'), 'exports.handler = async () => 1;\n');
    writeFileSync(path.join(source, 'lib', 'util.js'), 'module.exports = 1;\n');
    const parent = path.join(scratch, 'stages');
    mkdirSync(parent);
    const script = path.join(scratch, 'stage-and-write.ts');
    writeFileSync(script, SCRIPT);
    for (const entry of [scratch, source, path.join(source, 'lib'), script]) chmodSync(entry, 0o755);
    if (asRoot) chownSync(parent, NOBODY, NOBODY);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, source, parent], {
      cwd: path.resolve(path.dirname(taskRootModule), '..', '..', '..'),
      encoding: 'utf8',
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      env: { ...process.env, HOME: scratch },
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    const result = JSON.parse(child.stdout) as Record<string, unknown>;
    expect(result.uid).not.toBe(0);
    expect(result).toMatchObject({
      overwrite: 'EACCES',
      create: 'EACCES',
      createDeep: 'EACCES',
      folder: 'EACCES',
      beside: 'EACCES',
      removed: true,
    });
  });
});
