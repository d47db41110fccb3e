/**
 * Low of issue 17: environments' TMPDIRs are named by the local cloud's process ID under the
 * private root, as the stages are, so the next local cloud sweeps those a killed one left.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { privateRoot } from '../../../lambda/runtime/private-root';
import { CodeStage, ENVIRONMENT_TMPDIR_PREFIX, environmentTemporaryDirectory } from '../../../lambda/runtime/task-root';

/** Above any Linux pid_max (4194304): never a live process. */
const DEAD_PID = 99_999_999;

describe('environment TMPDIRs', () => {
  it('are made under the private root, named by this process, mode 0700 and owned by the function’s user', () => {
    const user = process.getuid?.() === 0 ? { uid: 1_000_000_999, gid: 1_000_000_999 } : undefined;
    const directory = environmentTemporaryDirectory(user);
    try {
      expect(path.dirname(directory)).toBe(privateRoot());
      expect(path.basename(directory).startsWith(`${ENVIRONMENT_TMPDIR_PREFIX}${process.pid}-`)).toBe(true);
      expect(statSync(directory).mode & 0o777).toBe(0o700);
      if (user !== undefined) expect(statSync(directory).uid).toBe(user.uid);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('left by a killed local cloud are removed when the next stack starts; a live one’s are kept', () => {
    const abandoned = path.join(privateRoot(), `${ENVIRONMENT_TMPDIR_PREFIX}${DEAD_PID}-left`);
    const live = path.join(privateRoot(), `${ENVIRONMENT_TMPDIR_PREFIX}${process.ppid}-kept`);
    mkdirSync(path.join(abandoned, 'scratch'), { recursive: true });
    mkdirSync(live, { recursive: true });
    const stage = new CodeStage();
    try {
      expect(existsSync(abandoned)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      stage.remove();
      rmSync(abandoned, { recursive: true, force: true });
      rmSync(live, { recursive: true, force: true });
    }
  });
});
