/**
 * The local cloud as another app gets it: `npm pack` of this package (its prepack builds the bin),
 * and a fresh `cdk init`-shaped app (test/fixtures/packed-app) in a temporary folder with the
 * tarball and the app's own dependencies installed by npm. The app's node_modules is seeded first
 * with hard links to the packages this repository's `npm ci` installed (the same versions the app
 * asks for), so that npm keeps what satisfies the ranges and unpacks little (aws-cdk-lib and the
 * Node.js binary made that install most of the test's time); npm still installs the tarball and
 * anything the seed lacks, from the cache this repository's `npm ci` filled where it can. The app's
 * folder is outside this repository, and nothing of it is on the app's PATH or NODE_PATH: the app
 * resolves every module from its own node_modules.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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

/** The dependencies (optional ones too) a package's manifest names. */
function dependenciesOf(packageDirectory: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(packageDirectory, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  return [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})];
}

/**
 * Seeds `appDirectory/node_modules` with hard links (`cp -al`: same files, no bytes copied) to the
 * packages of this repository's node_modules that `names` need, their dependencies resolved as Node
 * resolves them (a package's own nested node_modules first, copied with it), and their `.bin`
 * links. Workspace links (this repository's own packages) are not seeded. npm replaces, never
 * writes into, a package it does not keep, so the repository's copies stay as they are.
 */
function seedFromRepository(appDirectory: string, names: readonly string[]): void {
  const source = path.join(repositoryDirectory, 'node_modules');
  const target = path.join(appDirectory, 'node_modules');
  const seeded = new Set<string>();
  const visited = new Set<string>();
  const visit = (name: string, from: string) => {
    let directory = from;
    // The nearest node_modules/name upward from the requiring package, as Node finds it.
    while (!existsSync(path.join(directory, 'node_modules', name, 'package.json')) && directory.startsWith(source)) {
      directory = path.dirname(directory);
    }
    const found = path.join(directory, 'node_modules', name);
    if (visited.has(found) || !existsSync(path.join(found, 'package.json')) || lstatSync(found).isSymbolicLink()) return;
    visited.add(found);
    if (path.dirname(found) === source || path.dirname(path.dirname(found)) === source) seeded.add(name);
    for (const dependency of dependenciesOf(found)) visit(dependency, found);
  };
  for (const name of names) visit(name, repositoryDirectory);
  mkdirSync(path.join(target, '.bin'), { recursive: true });
  for (const name of seeded) {
    mkdirSync(path.dirname(path.join(target, name)), { recursive: true });
    execFileSync('cp', ['-al', path.join(source, name), path.join(target, name)]);
  }
  for (const bin of readdirSync(path.join(source, '.bin'))) {
    const link = readlinkSync(path.join(source, '.bin', bin));
    const owner = link
      .split('/')
      .slice(1, link.startsWith('../@') ? 3 : 2)
      .join('/');
    if (seeded.has(owner)) symlinkSync(link, path.join(target, '.bin', bin));
  }
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
 * then its node_modules seeded from this repository's ({@link seedFromRepository}) and
 * `npm install --prefer-offline` in it.
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
  seedFromRepository(directory, [
    ...Object.keys(manifest.dependencies),
    ...Object.keys(manifest.devDependencies),
    ...Object.keys(manifest.overrides),
  ]);
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
