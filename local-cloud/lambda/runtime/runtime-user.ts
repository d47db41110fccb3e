/**
 * Who an execution environment runs as. Lambda runs functions as an unprivileged user (the task
 * root is read-only to it), each environment in a microVM of its own; where the local cloud itself
 * runs as root (CI does), each function of a stack runs as an unprivileged uid of its own (with a
 * group of the same number and no other), so that read-only means read-only and one function
 * cannot read another's code, TMPDIR or `/proc/<pid>/environ`, nor signal it: the kernel allows
 * those across uids to root alone. `LOCAL_CLOUD_FUNCTION_USER=uid:gid` runs every function as that
 * one user; `LOCAL_CLOUD_FUNCTION_USER=self` keeps the local cloud's own,
 * root included: the only way a function runs as root.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import { statSync } from 'node:fs';
import path from 'node:path';

export interface FunctionUser {
  readonly uid: number;
  readonly gid: number;
}

/** The variable that picks who functions run as. */
export const FUNCTION_USER_VARIABLE = 'LOCAL_CLOUD_FUNCTION_USER';

/**
 * The first uid of the block a stack's functions take: far above login users, `nobody` and the
 * usual subordinate ranges (100000-165535 and up), and below 2^31. Each process takes a block of
 * {@link USERS_PER_STACK} by its process ID, so that two stacks on one machine share no uid.
 */
export const FUNCTION_UID_BASE = 1_000_000_000;
export const USERS_PER_STACK = 1000;

/** The uid `index` (from 0) of the stack run by process `pid`. */
export function stackUid(pid: number, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= USERS_PER_STACK)
    throw new Error(`a stack runs at most ${USERS_PER_STACK} functions as users of their own`);
  return FUNCTION_UID_BASE + (pid % 1_000_000) * USERS_PER_STACK + index;
}

/** The single user every function runs as when one is set, `undefined` for this process's own; `'per-function'` otherwise. */
export function functionUser(setting = process.env[FUNCTION_USER_VARIABLE]): FunctionUser | undefined | 'per-function' {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return undefined;
  if (setting === 'self') return undefined;
  const match = setting === undefined ? null : /^(\d+):(\d+)$/.exec(setting);
  if (setting !== undefined && match === null) throw new Error(`${FUNCTION_USER_VARIABLE} must be uid:gid or self, not '${setting}'`);
  if (match !== null) return { uid: Number(match[1]), gid: Number(match[2]) };
  return process.getuid() === 0 ? 'per-function' : undefined;
}

/** Who each function of one stack runs as: a uid of its own as root, else as {@link functionUser} says. */
export class FunctionUsers {
  private readonly setting = functionUser();
  private readonly byFunction = new Map<string, FunctionUser>();

  /** The user `functionName` runs as, or `undefined` for this process's own (never root unless asked). */
  userFor(functionName: string): FunctionUser | undefined {
    if (this.setting !== 'per-function') return this.setting;
    let user = this.byFunction.get(functionName);
    if (user === undefined) {
      const uid = stackUid(process.pid, this.byFunction.size);
      user = { uid, gid: uid };
      this.byFunction.set(functionName, user);
    }
    return user;
  }

  /** The uids given to this stack's functions so far (none unless each runs as its own). */
  uids(): ReadonlySet<number> {
    return new Set([...this.byFunction.values()].map((user) => user.uid));
  }

  /** Any user functions run as, for checks that are the same for all of them. */
  anyUser(): FunctionUser | undefined {
    return this.setting === 'per-function'
      ? { uid: stackUid(process.pid, USERS_PER_STACK - 1), gid: stackUid(process.pid, USERS_PER_STACK - 1) }
      : this.setting;
  }
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
