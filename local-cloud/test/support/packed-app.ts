/**
 * The local cloud as another app gets it: `npm pack` of this package (its prepack builds the bin),
 * and a fresh `cdk init`-shaped app (test/fixtures/packed-app) in a temporary folder with the
 * tarball and the app's own dependencies installed by npm, from the cache this repository's
 * `npm ci` filled where it can. Nothing of this repository is on the app's PATH or NODE_PATH.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_DIRECTORY } from '../../core/package-files';

const run = promisify(execFile);

/** What `npm pack --json` says of the tarball it wrote. */
export interface PackedTarball {
  readonly file: string;
  readonly paths: readonly string[];
}

/** The repository's root, whose `npm ci` installed (and cached) the versions the app is given. */
const repositoryDirectory = path.dirname(PACKAGE_DIRECTORY);

/** The version of `name` this repository's `npm ci` installed. */
function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(repositoryDirectory, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/**
 * This process's environment without what ties a child to this repository: npm's variables of
 * the `npm test` that may have started it, Node options and paths, and the repository's
 * `node_modules/.bin` folders on PATH (its Node 24 among them), so that the app finds only what
 * its own install gives it.
 */
function appEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.toLowerCase().startsWith('npm_') || ['NODE_OPTIONS', 'NODE_PATH', 'INIT_CWD', 'LOCAL_CLOUD_STACK'].includes(key)) continue;
    environment[key] = value;
  }
  environment.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => !entry.endsWith(path.join('node_modules', '.bin')))
    .join(path.delimiter);
  return environment;
}

/** `npm pack` of the local cloud into `directory`. */
export async function packLocalCloud(directory: string): Promise<PackedTarball> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', directory], {
    cwd: PACKAGE_DIRECTORY,
    env: appEnvironment(),
    maxBuffer: 16 * 1024 * 1024,
  });
  // prepack's own output (npm run build) comes before the JSON.
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
  return { file: path.join(directory, packed.filename), paths: packed.files.map((file) => file.path) };
}

/**
 * A new folder holding the fixture app, whose package.json names the tarball and the CDK, tsx and
 * esbuild versions of this repository, and pins the local cloud's own dependencies to the versions
 * this repository tested (npm would otherwise take the newest in range, out of the cache's reach);
 * then `npm install --prefer-offline` in it.
 */
export async function createPackedApp(parent: string, tarball: string): Promise<string> {
  const directory = mkdtempSync(path.join(parent, 'app-'));
  cpSync(path.join(PACKAGE_DIRECTORY, 'test', 'fixtures', 'packed-app'), directory, { recursive: true });
  const localCloud = JSON.parse(readFileSync(path.join(PACKAGE_DIRECTORY, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    optionalDependencies: Record<string, string>;
  };
  const pinned = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, installedVersion(name)]));
  const manifest = {
    name: 'packed-app',
    version: '0.1.0',
    private: true,
    dependencies: pinned(['aws-cdk-lib', 'constructs']),
    devDependencies: { ...pinned(['aws-cdk', 'esbuild', 'tsx']), '@multi-square/local-cloud': `file:${tarball}` },
    overrides: pinned([...Object.keys(localCloud.dependencies), ...Object.keys(localCloud.optionalDependencies)]),
    allowScripts: { esbuild: true },
  };
  writeFileSync(path.join(directory, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: directory,
    env: appEnvironment(),
    maxBuffer: 16 * 1024 * 1024,
  });
  return directory;
}

/** `npx local-cloud ...args` in the app's folder, in a process group of its own (as a terminal's job, for Ctrl-C). */
export function npxLocalCloud(appDirectory: string, args: readonly string[]): ChildProcess {
  return spawn('npx', ['--no-install', 'local-cloud', ...args], {
    cwd: appDirectory,
    env: appEnvironment(),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
}
