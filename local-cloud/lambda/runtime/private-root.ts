/**
 * The folder under which the local cloud keeps what its functions run and read: the staged code,
 * the runtime's modules, each environment's TMPDIR. Never the shared temporary directory: Node's
 * module resolution walks every parent folder's `node_modules` before `NODE_PATH`, so a stage under
 * `/tmp` would load a `/tmp/node_modules/@aws-sdk/client-lambda` that any user (or any function)
 * planted. On Lambda the walk from `/var/task` reaches only root-owned folders (`/var`, `/`); here
 * every folder above the private root must be owned by root or this user and writable by no one else.
 *
 * Where: `LOCAL_CLOUD_RUNTIME_DIR` when set; as root `/run/local-cloud` (searchable, not listable, so
 * the unprivileged users functions run as reach their own folders and no others); else
 * `$XDG_RUNTIME_DIR/local-cloud` or `~/.cache/local-cloud`.
 */
import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Overrides where the private root is (it must pass the same checks). */
export const RUNTIME_DIRECTORY_VARIABLE = 'LOCAL_CLOUD_RUNTIME_DIR';

function ownUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * Why `directory` is not a safe place to run code from, or `undefined` when it is: it and every
 * folder above it (links resolved) are owned by root or this user and writable by no one else.
 */
export function unsafeAncestor(directory: string): string | undefined {
  const uid = ownUid();
  if (uid === undefined) return undefined;
  let current = realpathSync(directory);
  for (;;) {
    const stats = lstatSync(current);
    if (stats.uid !== 0 && stats.uid !== uid) return `${current} is owned by uid ${stats.uid}`;
    if ((stats.mode & 0o022) !== 0) return `${current} is writable by others (mode ${(stats.mode & 0o7777).toString(8)})`;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

function candidates(): string[] {
  const chosen = process.env[RUNTIME_DIRECTORY_VARIABLE];
  if (chosen) return [chosen];
  if (ownUid() === 0) return ['/run/local-cloud', '/var/cache/local-cloud'];
  const runtime = process.env.XDG_RUNTIME_DIR;
  return [...(runtime ? [path.join(runtime, 'local-cloud')] : []), path.join(os.homedir(), '.cache', 'local-cloud')];
}

/**
 * The private root, created when missing (mode 0711 as root, 0700 otherwise). Throws, saying why,
 * when no candidate is safe.
 */
export function privateRoot(): string {
  const reasons: string[] = [];
  for (const candidate of candidates()) {
    try {
      mkdirSync(candidate, { recursive: true, mode: ownUid() === 0 ? 0o711 : 0o700 });
      const reason = unsafeAncestor(candidate);
      if (reason === undefined) return realpathSync(candidate);
      reasons.push(`${candidate}: ${reason}`);
    } catch (error) {
      reasons.push(`${candidate}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(
    `no folder to stage functions in whose parents only root and this user can write (${reasons.join('; ')}); set ${RUNTIME_DIRECTORY_VARIABLE} to one`,
  );
}
