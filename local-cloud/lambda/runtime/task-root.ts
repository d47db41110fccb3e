/**
 * Where execution environments find their function's code: a private copy made for this stack, as
 * Lambda unpacks a function's code into /var/task with nothing around it. Run in place in
 * `cdk.out`, the bundle would be read with the project's own package.json (`"type": "module"`
 * makes a CommonJS `index.js` fail to load).
 *
 * Nothing runs from a predictable shared path: each stack stages into its own directory made by
 * `mkdtemp` under the private root (private-root.ts: no folder above it another user can write, so
 * no `node_modules` can be planted on the module walk), searchable by the functions' users and
 * listable by none of them; each function gets its own copy, readable by its own user alone
 * (runtime-user.ts gives each function a user of its own where the local cloud runs as root); copies every asset
 * afresh whatever its name (a folder left by an earlier run is never reused), records a SHA-256 of
 * what it wrote, checks that digest again before each environment starts, and removes the whole
 * directory when the stack stops.
 *
 * Read-only whoever runs it, as Lambda's /var/task is: once staged, no folder or file of a task
 * root, nor the stage around it, has a write bit, so a function's write into its code folder
 * fails with EACCES (Lambda says EROFS) even where it runs as the local cloud's own user, who owns
 * the copy. Such a user could still give the bits back (an owner may chmod); the digest check then
 * says the function wrote into its task root. Root ignores modes: as root, each function runs as a
 * uid of its own (runtime-user.ts).
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../core/process-alive';
import { LambdaServiceError } from '../../core/types';
import { privateRoot } from './private-root';
import type { FunctionUser } from './runtime-user';

/** The prefix of each stack's staging directory under the private root. */
export const STAGING_DIRECTORY_PREFIX = 'local-cloud-stage-';
/** The prefix of each environment's TMPDIR, beside the stages and swept as they are. */
export const ENVIRONMENT_TMPDIR_PREFIX = 'local-cloud-env-';

/** One function's code as staged: where it is, and the digest of what was written there. */
export interface StagedCode {
  readonly directory: string;
  /** Hex SHA-256 over each file's relative path and content, in name order. */
  readonly sha256: string;
}

/** Files of a directory in a stable order, symbolic links followed (an asset's content is what it points to). */
function filesOf(root: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    const entries = readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const child = path.join(relative, entry.name);
      const stats = entry.isSymbolicLink() ? statSync(path.join(root, child)) : entry;
      if (stats.isDirectory()) walk(child);
      else if (stats.isFile()) files.push(child);
    }
  };
  walk('');
  return files;
}

function digestEntry(hash: ReturnType<typeof createHash>, relative: string, content: Buffer): void {
  // Length-prefixed, so that no two different trees hash alike by moving bytes between a name and a file.
  hash.update(`${Buffer.byteLength(relative)}:${relative}:${content.length}:`).update(content);
}

/** The digest of a staged directory as it is now. */
export function digestDirectory(directory: string): string {
  const hash = createHash('sha256');
  for (const relative of filesOf(directory)) digestEntry(hash, relative, readFileSync(path.join(directory, relative)));
  return hash.digest('hex');
}

/**
 * Removes the per-process directories (`<prefix><pid>-XXXXXX`) of local clouds whose process is
 * gone (killed with SIGKILL, so it could not clean up): only real directories of this user with
 * that prefix and a dead process ID, never a link. Used for the stages and for the runtime's
 * module directory (runtime-modules.ts).
 */
export function removeAbandonedDirectories(prefix: string, parent: string = privateRoot()): string[] {
  const removed: string[] = [];
  const pattern = new RegExp(`^${prefix}(\\d+)-`);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    const directory = path.join(parent, name);
    try {
      const stats = lstatSync(directory);
      // Root also removes the TMPDIRs it gave to the functions' users.
      if (!stats.isDirectory() || (stats.uid !== process.getuid?.() && process.getuid?.() !== 0)) continue;
      // A stage's folders are read-only: as another user than root, give the bits back to remove them.
      if (process.getuid?.() !== 0) writableAgain(directory);
      rmSync(directory, { recursive: true, force: true });
      removed.push(directory);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

/**
 * A new environment's TMPDIR (its /tmp): under the private root, named by this process's ID so
 * that the next local cloud removes it if this one is killed, mode 0700 and owned by `user`, the
 * user the environment runs as, if another: no other function can enter it.
 */
export function environmentTemporaryDirectory(user?: FunctionUser): string {
  const directory = mkdtempSync(path.join(privateRoot(), `${ENVIRONMENT_TMPDIR_PREFIX}${process.pid}-`));
  if (user !== undefined) chownSync(directory, user.uid, user.gid);
  return directory;
}

/** Gives this user's write bit back to `directory` and every folder under it (never following a link), so that they can be removed. */
function writableAgain(directory: string): void {
  try {
    const stats = lstatSync(directory);
    if (!stats.isDirectory()) return;
    chmodSync(directory, (stats.mode & 0o777) | 0o700);
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.isDirectory()) writableAgain(path.join(directory, entry.name));
    }
  } catch {
    // Gone already, or not ours: rmSync says what it cannot remove.
  }
}

/** Stages not yet removed: a process that exits without closing its stack still leaves none behind. */
const liveStages = new Set<CodeStage>();
process.on('exit', () => {
  for (const stage of liveStages) stage.remove();
});

/** A running stack's private staging directory. */
export class CodeStage {
  readonly directory: string;
  private readonly staged = new Map<string, StagedCode>();
  private readonly shared = new Map<string, string>();
  private count = 0;

  constructor(parent: string = privateRoot()) {
    removeAbandonedDirectories(STAGING_DIRECTORY_PREFIX, parent);
    removeAbandonedDirectories(ENVIRONMENT_TMPDIR_PREFIX, parent);
    // mkdtemp creates the directory with mode 0700, under a name nobody could have guessed.
    this.directory = mkdtempSync(path.join(parent, `${STAGING_DIRECTORY_PREFIX}${process.pid}-`));
    // As root, the functions' users may pass through to their own folder, but not list the others;
    // no one may add a file beside the task roots (this process only while it stages).
    chmodSync(this.directory, this.readOnlyMode());
    liveStages.add(this);
  }

  /** The stage's own mode between stagings: searchable as root (functions reach their folders), never writable. */
  private readOnlyMode(): number {
    return process.getuid?.() === 0 ? 0o511 : 0o500;
  }

  /** Runs `write` with the stage writable by this process, read-only again afterwards. */
  private writing<T>(write: () => T): T {
    chmodSync(this.directory, this.readOnlyMode() | 0o200);
    try {
      return write();
    } finally {
      chmodSync(this.directory, this.readOnlyMode());
    }
  }

  /** Gives `user`'s group alone read access (the owner stays this process): readable by that function, writable by none. */
  private shareWith(user: FunctionUser | undefined, file: string, mode: number): void {
    if (user === undefined) return;
    chownSync(file, process.getuid?.() ?? 0, user.gid);
    chmodSync(file, mode);
  }

  /**
   * A copy of a file every function may read and run but none may change (the runtime's bootstrap,
   * a Node.js binary in a folder the functions' users cannot reach), made once per stack, with the
   * `companions` (names of files beside it) it loads by relative path: the bootstrap's parts.
   */
  stageShared(file: string, companions: readonly string[] = []): string {
    const known = this.shared.get(file);
    if (known !== undefined) return known;
    const directory = path.join(this.directory, `runtime-${this.shared.size + 1}`);
    const target = path.join(directory, path.basename(file));
    this.writing(() => {
      mkdirSync(directory, { mode: 0o755 });
      for (const name of [path.basename(file), ...companions]) {
        copyFileSync(path.join(path.dirname(file), name), path.join(directory, name));
        chmodSync(path.join(directory, name), 0o555);
      }
      chmodSync(directory, 0o555);
    });
    this.shared.set(file, target);
    return target;
  }

  /**
   * Copies a function's code into this stage, digesting each byte as it is written (so the digest
   * is of the copy, not of a source that could change in between). Staged once per stack and user:
   * `user` (the function's own, if it runs as another) alone may read the copy.
   */
  stage(codeDirectory: string, user?: FunctionUser): StagedCode {
    const key = `${user === undefined ? 'self' : `${user.uid}:${user.gid}`}:${codeDirectory}`;
    const known = this.staged.get(key);
    if (known !== undefined) return known;
    this.count += 1;
    const target = path.join(this.directory, `${this.count}-${path.basename(codeDirectory)}`);
    const hash = createHash('sha256');
    this.writing(() => {
      mkdirSync(target, { mode: 0o700 });
      // A missing folder stages as an empty one: the function still lists, and invoking it reports the error.
      const files = existsSync(codeDirectory) ? filesOf(codeDirectory) : [];
      const directories = [target];
      for (const relative of files) {
        const content = readFileSync(path.join(codeDirectory, relative));
        const parent = path.dirname(path.join(target, relative));
        if (!existsSync(parent)) {
          mkdirSync(parent, { recursive: true, mode: 0o700 });
          for (let directory = parent; directory !== target; directory = path.dirname(directory)) directories.push(directory);
        }
        writeFileSync(path.join(target, relative), content, { mode: 0o400, flag: 'wx' });
        this.shareWith(user, path.join(target, relative), 0o440);
        digestEntry(hash, relative, content);
      }
      // Deepest first: a folder loses its write bit once nothing more is written into it.
      for (const directory of directories.reverse()) {
        if (user === undefined) chmodSync(directory, 0o500);
        else this.shareWith(user, directory, 0o550);
      }
    });
    const staged = { directory: target, sha256: hash.digest('hex') };
    this.staged.set(key, staged);
    this.staged.set(target, staged);
    return staged;
  }

  /**
   * Throws unless the staged copy at `directory` still has the digest taken when it was written:
   * called before each environment starts, so a file changed or added afterwards never runs.
   */
  verify(directory: string): void {
    const staged = this.staged.get(directory);
    if (staged === undefined)
      throw new LambdaServiceError(
        'CodeVerificationFailedException',
        400,
        `${directory} was not staged by this stack: refusing to run code from it.`,
      );
    let found: string;
    try {
      found = digestDirectory(directory);
    } catch (error) {
      found = `unreadable (${error instanceof Error ? error.message : String(error)})`;
    }
    if (found !== staged.sha256) {
      throw new LambdaServiceError(
        'CodeVerificationFailedException',
        400,
        `The function wrote into its task root ${directory} (or something else changed it) after it was staged: ` +
          `SHA-256 ${staged.sha256} when copied, now ${found}. Refusing to start an environment on changed code; ` +
          `a task root is read-only, as Lambda's /var/task (write under /tmp, os.tmpdir()). Restart the local cloud to stage the code afresh.`,
      );
    }
  }

  /** Removes the stage and everything in it (its folders given their write bit back first, which root does not need). */
  remove(): void {
    liveStages.delete(this);
    if (process.getuid?.() !== 0) writableAgain(this.directory);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
