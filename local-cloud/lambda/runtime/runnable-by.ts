/**
 * What an environment needs to read, made readable by the user it runs as, or the reason it
 * cannot run: never by falling back to this process's own user (root, where functions run as
 * others). A checkout under `/root` (mode 0700) is the usual case: the runtime's bootstrap and a
 * Node.js binary from the project's `node_modules` are copied into the stack's stage, the SDK into
 * the runtime module directory (runtime-modules.ts); the function's code is staged already.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { packagePath } from '../../core/package-files';
import { LambdaServiceError } from '../../core/types';
import { FUNCTION_USER_VARIABLE, type FunctionUser, readableBy } from './runtime-user';
import type { CodeStage } from './task-root';

export interface RuntimeFiles {
  /** The runtime's entry (index.mjs). */
  readonly bootstrap: string;
  readonly nodeBinary: string;
}

/**
 * `files`, copied into `stage` where `user` cannot read them in place; throws when the function's
 * staged code or a copy is still unreadable to it.
 */
export function runnableBy(user: FunctionUser | undefined, stage: CodeStage, codeDirectory: string, files: RuntimeFiles): RuntimeFiles {
  if (user === undefined) return files;
  const readable = (file: string, companions?: readonly string[]) => (readableBy(file, user) ? file : stage.stageShared(file, companions));
  const runnable = { bootstrap: readable(files.bootstrap, bootstrapParts(files.bootstrap)), nodeBinary: readable(files.nodeBinary) };
  const unreadable = [codeDirectory, runnable.bootstrap, runnable.nodeBinary].find((file) => !readableBy(file, user));
  if (unreadable !== undefined) {
    throw new LambdaServiceError(
      'ServiceException',
      500,
      `${unreadable} is not readable by uid ${user.uid}, which functions run as; refusing to run them as this process's user. ` +
        `Set ${FUNCTION_USER_VARIABLE}=self to run them as it anyway.`,
    );
  }
  return runnable;
}

/**
 * The files beside the bootstrap that it loads by relative path (its .cjs parts, error-types.json):
 * a copy of the bootstrap alone fails at its first `require`.
 */
function bootstrapParts(bootstrap: string): string[] {
  return readdirSync(path.dirname(bootstrap)).filter(
    (name) => name !== path.basename(bootstrap) && (name.endsWith('.cjs') || name.endsWith('.mjs') || name.endsWith('.json')),
  );
}

/** The runtime's entry as installed in the package, an ES module as Lambda's `/var/runtime/index.mjs`. */
export const BOOTSTRAP_PATH = packagePath('lambda', 'runtime', 'index.mjs');
