/**
 * Where an execution environment finds its function's code: a copy of the asset outside the
 * project, as Lambda unpacks a function's code into /var/task with nothing around it. Run in place
 * in `cdk.out`, the bundle would be read with the project's own package.json (`"type": "module"`
 * makes a CommonJS `index.js` fail to load).
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** CDK names each asset's folder by its content hash, so a copy under that name stays valid. */
const ASSET_DIRECTORY = /^asset\.[0-9a-f]{64}$/;

/**
 * The folder to run a function's code from: a staged copy of a CDK asset (made once, then reused
 * while its content hash is the same), or the folder itself when it is not an asset.
 */
export function taskRootFor(codeDirectory: string): string {
  const name = path.basename(codeDirectory);
  if (!ASSET_DIRECTORY.test(name)) return codeDirectory;
  const root = path.join(os.tmpdir(), 'local-cloud-task-roots');
  const staged = path.join(root, name);
  if (!existsSync(staged)) {
    mkdirSync(root, { recursive: true });
    const partial = `${staged}.${process.pid}.partial`;
    cpSync(codeDirectory, partial, { recursive: true });
    try {
      renameSync(partial, staged);
    } catch {
      // Another process staged the same asset first; its copy is as good.
      rmSync(partial, { recursive: true, force: true });
    }
  }
  return staged;
}
