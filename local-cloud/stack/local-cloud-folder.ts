/**
 * The project's `.local-cloud` folder, written by a stack that may run as root (`sudo npm start`
 * over a bind mount): every folder from `.local-cloud` down to the one written must be a real
 * folder owned by this user, and files in it are opened without following a symbolic link
 * (O_NOFOLLOW), so another user who can write the project cannot point a log or state file at
 * `/etc/shadow`. What remains: Node has no `openat`, so a user who can rename entries in the
 * project folder could still swap `.local-cloud` between the check and the open; a project
 * folder another user can write is not one to run a local cloud from as root.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The project's folder of local-cloud state. */
export const LOCAL_CLOUD_FOLDER = '.local-cloud';

/** How a file under `.local-cloud` is opened: never through a link. */
export const NO_FOLLOW = {
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
  replace: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
} as const;

function ownUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * Creates `directory` (mode 0700) and every folder between it and its `.local-cloud` ancestor
 * when missing, and throws unless each is a real folder owned by this user. A directory outside
 * any `.local-cloud` (a test's own) is checked alone.
 */
export function ownedFolder(directory: string): string {
  const resolved = path.resolve(directory);
  const chain = [resolved];
  for (let current = resolved; path.basename(current) !== LOCAL_CLOUD_FOLDER && chain.length < 4; ) {
    current = path.dirname(current);
    chain.unshift(current);
  }
  const folders = path.basename(chain[0] ?? '') === LOCAL_CLOUD_FOLDER ? chain : [resolved];
  const uid = ownUid();
  for (const [index, folder] of folders.entries()) {
    try {
      mkdirSync(folder, { mode: 0o700, recursive: index === 0 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stats = lstatSync(folder);
    if (!stats.isDirectory())
      throw new Error(`${folder} is not a folder (a symbolic link?): refusing to write local-cloud state through it.`);
    if (uid !== undefined && stats.uid !== uid) {
      throw new Error(
        `${folder} belongs to uid ${stats.uid}, not to this user (uid ${uid}): refusing to write local-cloud state in a folder another user controls. Remove it, or run as its owner.`,
      );
    }
  }
  return resolved;
}

/** Opens `file` for appending, in a folder {@link ownedFolder} checked, never through a link; mode 0600 when created. */
export function openForAppend(file: string): number {
  ownedFolder(path.dirname(file));
  return openSync(file, NO_FOLLOW.append, 0o600);
}

/** Replaces `file`'s content, in a folder {@link ownedFolder} checked, never through a link; mode 0600 when created. */
export function writePrivateFile(file: string, content: string): void {
  ownedFolder(path.dirname(file));
  const descriptor = openSync(file, NO_FOLLOW.replace, 0o600);
  try {
    writeFileSync(descriptor, content);
  } finally {
    closeSync(descriptor);
  }
}
