/**
 * The modules the managed Node.js runtime provides besides a function's own: the AWS SDK for
 * JavaScript v3 (`@aws-sdk/*` with the `@smithy/*` and `@aws-crypto/*` packages it is made of),
 * which Lambda's nodejs18.x and later runtimes ship under /var/runtime/node_modules.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
 *
 * Locally these scopes are served from the local cloud's own install of the SDK (the version
 * this package depends on, 3.x: the runtime's exact build changes with each runtime release and
 * is not published as a package), through a private directory under the private root
 * (private-root.ts) that holds nothing but links to those scopes; or, where the functions' users
 * cannot read the project (a checkout under /root), a copy of them and of every package they
 * need. NODE_PATH points there, never at the project's node_modules, so a bundle that forgot a
 * dependency fails with Runtime.ImportModuleError as it would on Lambda.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { privateRoot } from './private-root';
import { type FunctionUser, readableBy } from './runtime-user';
import { removeAbandonedDirectories } from './task-root';

/** What /var/runtime/node_modules offers a function that our install can stand in for. */
export const RUNTIME_PROVIDED_SCOPES = ['@aws-sdk', '@smithy', '@aws-crypto'] as const;

/** The directory's name: the process ID in it lets the next local cloud remove one a killed process left. */
export const RUNTIME_MODULES_PREFIX = 'local-cloud-runtime-modules-';

let directory: string | undefined;

/** The packages of `nodeModules` the scopes need, the scopes' own included (npm's hoisted layout). */
function packagesNeeded(nodeModules: string): string[] {
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name) || !existsSync(path.join(nodeModules, name, 'package.json'))) return;
    needed.add(name);
    const manifest = JSON.parse(readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  for (const scope of RUNTIME_PROVIDED_SCOPES) {
    const scopeDirectory = path.join(nodeModules, scope);
    if (!existsSync(scopeDirectory)) continue;
    for (const name of readdirNames(scopeDirectory)) visit(`${scope}/${name}`);
  }
  return [...needed];
}

function readdirNames(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

/** Every folder searchable and every file readable by all: the copy is of published packages. */
function openToAll(directory: string): void {
  chmodSync(directory, 0o755);
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) openToAll(file);
    else if (entry.isFile()) chmodSync(file, (lstatSync(file).mode & 0o777) | 0o444);
  }
}

/**
 * The private `node_modules` directory (created once per process under an unpredictable name, removed at exit,
 * or by the next local cloud to start if this process was killed)
 * serving the runtime-provided scopes found in `sdkNodeModules`: linked when `user` (the user
 * functions run as, if another) can read them there, copied otherwise.
 */
export function runtimeModulesDirectory(sdkNodeModules: string, user?: FunctionUser): string {
  if (directory !== undefined) return directory;
  const parent = privateRoot();
  removeAbandonedDirectories(RUNTIME_MODULES_PREFIX, parent);
  const root = mkdtempSync(path.join(parent, `${RUNTIME_MODULES_PREFIX}${process.pid}-`));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  // Readable by the unprivileged users functions may run as (runtime-user.ts); writable by nobody else.
  chmodSync(root, 0o755);
  const modules = path.join(root, 'node_modules');
  mkdirSync(modules, { mode: 0o755 });
  const linkable = user === undefined || readableBy(path.join(sdkNodeModules, RUNTIME_PROVIDED_SCOPES[0]), user);
  if (linkable) {
    for (const scope of RUNTIME_PROVIDED_SCOPES) {
      const target = path.join(sdkNodeModules, scope);
      if (existsSync(target)) symlinkSync(target, path.join(modules, scope), 'dir');
    }
  } else {
    for (const name of packagesNeeded(sdkNodeModules)) {
      cpSync(path.join(sdkNodeModules, name), path.join(modules, name), { recursive: true, dereference: true });
    }
    openToAll(modules);
  }
  directory = modules;
  return modules;
}
