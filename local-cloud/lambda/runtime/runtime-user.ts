/**
 * Who an execution environment runs as. Lambda runs functions as an unprivileged user (the task
 * root is read-only to it); where the local cloud itself runs as root (CI does), the environments
 * run as `nobody` (uid/gid 65534) so that read-only means read-only. `LOCAL_CLOUD_FUNCTION_USER=uid:gid`
 * picks another user; `LOCAL_CLOUD_FUNCTION_USER=self` keeps the local cloud's own.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import { statSync } from 'node:fs';
import path from 'node:path';

export interface FunctionUser {
  readonly uid: number;
  readonly gid: number;
}

const NOBODY: FunctionUser = { uid: 65534, gid: 65534 };

/** The user to run environments as, or `undefined` for this process's own. */
export function functionUser(setting = process.env.LOCAL_CLOUD_FUNCTION_USER): FunctionUser | undefined {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return undefined;
  if (setting === 'self') return undefined;
  const match = setting === undefined ? null : /^(\d+):(\d+)$/.exec(setting);
  if (setting !== undefined && match === null) throw new Error(`LOCAL_CLOUD_FUNCTION_USER must be uid:gid or self, not '${setting}'`);
  if (match !== null) return { uid: Number(match[1]), gid: Number(match[2]) };
  return process.getuid() === 0 ? NOBODY : undefined;
}

function permits(
  file: string,
  user: FunctionUser,
  bits: { readonly owner: number; readonly group: number; readonly other: number },
): boolean {
  try {
    const stat = statSync(file);
    if (stat.uid === user.uid) return (stat.mode & bits.owner) !== 0;
    if (stat.gid === user.gid) return (stat.mode & bits.group) !== 0;
    return (stat.mode & bits.other) !== 0;
  } catch {
    return false;
  }
}

const SEARCH = { owner: 0o100, group: 0o010, other: 0o001 };
const READ = { owner: 0o400, group: 0o040, other: 0o004 };

/** Whether `user` can reach and read `file` (every directory above it searchable). */
export function readableBy(file: string, user: FunctionUser): boolean {
  const absolute = path.resolve(file);
  for (let directory = path.dirname(absolute); ; directory = path.dirname(directory)) {
    if (!permits(directory, user, SEARCH)) return false;
    if (directory === path.dirname(directory)) break;
  }
  return permits(absolute, user, READ);
}
