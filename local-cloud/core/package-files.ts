/**
 * Files of the local cloud package that are read or run by path rather than imported: the
 * runtime's bootstrap and its parts (run by each function's process), the bundle recorder
 * (preloaded into `cdk synth`). Found from the package's folder, so that the same paths hold when
 * the package runs from its TypeScript sources and from its bundled CLI in `dist/`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The nearest folder holding a package.json, from this module's folder up: the package's own. */
function packageDirectory(from: string): string {
  for (let directory = from; ; directory = path.dirname(directory)) {
    if (existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) throw new Error(`no package.json above ${from}: the local cloud's files are missing`);
  }
}

/** The local cloud package's folder (where its package.json is). */
export const PACKAGE_DIRECTORY = packageDirectory(import.meta.dirname);

/** A path inside the local cloud package, as in its source tree (e.g. `lambda/runtime/runtime-bootstrap.cjs`). */
export function packagePath(...segments: readonly string[]): string {
  return path.join(PACKAGE_DIRECTORY, ...segments);
}
