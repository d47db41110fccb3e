/**
 * The modules the managed Node.js runtime provides besides a function's own: the AWS SDK for
 * JavaScript v3 (`@aws-sdk/*` with the `@smithy/*` and `@aws-crypto/*` packages it is made of),
 * which Lambda's nodejs18.x and later runtimes ship under /var/runtime/node_modules.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
 *
 * Locally these scopes are served from the local cloud's own install of the SDK (the version
 * this package depends on, 3.x: the runtime's exact build changes with each runtime release and
 * is not published as a package), through a private directory that holds nothing but links to
 * those scopes. NODE_PATH points there, never at the project's node_modules, so a bundle that
 * forgot a dependency fails with Runtime.ImportModuleError as it would on Lambda.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeAbandonedDirectories } from './task-root';

/** What /var/runtime/node_modules offers a function that our install can stand in for. */
export const RUNTIME_PROVIDED_SCOPES = ['@aws-sdk', '@smithy', '@aws-crypto'] as const;

/** The directory's name: the process ID in it lets the next local cloud remove one a killed process left. */
export const RUNTIME_MODULES_PREFIX = 'local-cloud-runtime-modules-';

let directory: string | undefined;

/**
 * The private `node_modules` directory (created once per process under an unpredictable name, removed at exit,
 * or by the next local cloud to start if this process was killed)
 * linking the runtime-provided scopes found in `sdkNodeModules`.
 */
export function runtimeModulesDirectory(sdkNodeModules: string): string {
  if (directory !== undefined) return directory;
  removeAbandonedDirectories(RUNTIME_MODULES_PREFIX);
  const root = mkdtempSync(path.join(os.tmpdir(), `${RUNTIME_MODULES_PREFIX}${process.pid}-`));
  // Readable by the unprivileged user functions may run as (runtime-user.ts); writable by nobody else.
  chmodSync(root, 0o755);
  const modules = path.join(root, 'node_modules');
  mkdirSync(modules);
  for (const scope of RUNTIME_PROVIDED_SCOPES) {
    const target = path.join(sdkNodeModules, scope);
    if (existsSync(target)) symlinkSync(target, path.join(modules, scope), 'dir');
  }
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  directory = modules;
  return modules;
}
