/**
 * As root, where a function's user cannot read the runtime in place (an app or checkout in a 0700
 * folder: /root, a home, a folder from mkdtemp), the bootstrap is copied into the stack's stage:
 * with every part it requires by relative path, so that the copy loads as that user. A copy of
 * the bootstrap alone failed at its first require (Cannot find module './runtime-errors.cjs').
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runnableBy } from '../../../lambda/runtime/runnable-by';
import { RUNTIME_DIRECTORY } from '../../../lambda/runtime/runtime-process';
import { FunctionUsers, readableBy } from '../../../lambda/runtime/runtime-user';
import { CodeStage } from '../../../lambda/runtime/task-root';

const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'runtime-copy-'));
const stage = new CodeStage();
afterAll(() => {
  stage.remove();
  rmSync(workDirectory, { recursive: true, force: true });
});

describe.runIf(process.getuid?.() === 0)('the runtime out of a function user’s reach, as root', () => {
  it('is copied with the parts the bootstrap requires, and they load as that user', () => {
    // The runtime as installed in an app inside a folder only root can enter (mkdtemp's mode 0700).
    const hidden = path.join(workDirectory, 'runtime');
    mkdirSync(hidden);
    const installed = readdirSync(RUNTIME_DIRECTORY).filter((name) => name.endsWith('.cjs') || name.endsWith('.json'));
    for (const name of installed) copyFileSync(path.join(RUNTIME_DIRECTORY, name), path.join(hidden, name));
    const code = path.join(workDirectory, 'code');
    mkdirSync(code);
    writeFileSync(path.join(code, 'index.js'), 'exports.handler = async () => 1;\n');
    const user = new FunctionUsers().userFor('reader');
    if (user === undefined) throw new Error('as root, each function runs as a user of its own');
    const bootstrap = path.join(hidden, 'runtime-bootstrap.cjs');
    expect(readableBy(bootstrap, user)).toBe(false);

    const runnable = runnableBy(user, stage, stage.stage(code, user).directory, { bootstrap, nodeBinary: process.execPath });

    const copy = path.dirname(runnable.bootstrap);
    expect(copy).not.toBe(hidden);
    // Every file a part requires by relative path is in the copy, readable by the user.
    for (const name of readdirSync(copy).filter((file) => file.endsWith('.cjs'))) {
      for (const [, required] of readFileSync(path.join(copy, name), 'utf8').matchAll(/require\('\.\/([^']+)'\)/g)) {
        expect(readableBy(path.join(copy, required as string), user), `${name} requires ./${required}`).toBe(true);
      }
    }
    // And they load as that user: the handler loader and the logging (with the error types below them); not the
    // bootstrap itself, which would wait for its channel on fd 3.
    const load = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.join(copy, 'handler-loader.cjs'))}); require(${JSON.stringify(path.join(copy, 'runtime-logging.cjs'))});`,
      ],
      { uid: user.uid, gid: user.gid, encoding: 'utf8', cwd: '/' },
    );
    expect(load.stderr).toBe('');
    expect(load.status).toBe(0);
  });
});
