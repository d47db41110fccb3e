/**
 * M5 of issue 17: a stack run as root in a project another user can write never writes through a
 * link planted in `.local-cloud`, nor into a `.local-cloud` that user owns.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { functionLogRecord } from '../../../core/log-record';
import { createFunctionLogSink } from '../../../stack/function-logs';
import { ownedFolder, writePrivateFile } from '../../../stack/local-cloud-folder';

let project: string;
let victim: string;

beforeEach(() => {
  // A project folder anyone may write, as a bind mount or a shared checkout can be.
  project = mkdtempSync(path.join(os.tmpdir(), 'local-cloud-folder-'));
  chmodSync(project, 0o777);
  victim = path.join(mkdtempSync(path.join(os.tmpdir(), 'local-cloud-victim-')), 'shadow');
  writeFileSync(path.join(victim), 'root only\n', { mode: 0o600 });
});

afterEach(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(path.dirname(victim), { recursive: true, force: true });
});

describe('.local-cloud', () => {
  it('a function log file replaced by a symbolic link is not written through', async () => {
    const logs = path.join(project, '.local-cloud', 'logs');
    mkdirSync(logs, { recursive: true });
    symlinkSync(victim, path.join(logs, 'Test-Fn.log'));
    const sink = createFunctionLogSink({ directory: logs });
    sink.write(functionLogRecord('Test-Fn', 'attacker-chosen line'));
    await sink.close();
    expect(readFileSync(victim, 'utf8')).toBe('root only\n');
  });

  it('the state file replaced by a symbolic link is refused, the target untouched', () => {
    const stacks = path.join(project, '.local-cloud', 'stacks');
    mkdirSync(stacks, { recursive: true });
    symlinkSync(victim, path.join(stacks, '123.json'));
    expect(() => writePrivateFile(path.join(stacks, '123.json'), '{}')).toThrow(/ELOOP/);
    expect(readFileSync(victim, 'utf8')).toBe('root only\n');
  });

  it.runIf(process.getuid?.() === 0)('a .local-cloud owned by another user is refused, and nothing is written in it', async () => {
    const folder = path.join(project, '.local-cloud');
    mkdirSync(folder, { mode: 0o777 });
    chownSync(folder, 12345, 12345);
    expect(() => ownedFolder(path.join(folder, 'logs'))).toThrow(/belongs to uid 12345, not to this user/);
    const sink = createFunctionLogSink({ directory: path.join(folder, 'logs') });
    sink.write(functionLogRecord('Test-Fn', 'a line'));
    await sink.close();
    expect(existsSync(path.join(folder, 'logs', 'Test-Fn.log'))).toBe(false);
  });

  it('a logs folder replaced by a symbolic link is refused', () => {
    mkdirSync(path.join(project, '.local-cloud'));
    symlinkSync(path.dirname(victim), path.join(project, '.local-cloud', 'logs'));
    expect(() => ownedFolder(path.join(project, '.local-cloud', 'logs'))).toThrow(/not a folder/);
  });
});
