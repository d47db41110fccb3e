/**
 * The peer the bench compares the local cloud with, serverless-offline on serverless 3, installed
 * on demand into a cache folder the bench owns (never a dependency of the project): pinned
 * versions, no install scripts, and every installed package's license checked before it runs.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectDirectory, run } from './child';

export const PEER_PACKAGES = { serverless: '3.40.0', 'serverless-offline': '13.10.1' } as const;

const peerDirectory = path.join(projectDirectory, 'node_modules', '.cache', 'multi-square', 'peer');

export interface InstalledPeer {
  readonly directory: string;
  /** `serverless/bin/serverless.js` of the installed serverless. */
  readonly serverlessBin: string;
  readonly versions: Record<string, string>;
  readonly packages: number;
  /** Whether this run installed it (else it was in the cache folder already). */
  readonly installed: boolean;
}

interface PackageLicense {
  readonly name: string;
  readonly license: string;
}

/** Whether a license expression leaves a choice without GPL or AGPL (LGPL is not refused): `(MIT OR GPL-3.0)` does. */
export function permissiveChoice(license: string): boolean {
  const alternatives = license.replace(/[()]/g, ' ').split(/\s+OR\s+/i);
  return alternatives.some((alternative) => !/\bA?GPL\b/i.test(alternative));
}

/** The packages whose license leaves no choice without GPL or AGPL. */
export function refusedLicenses(packages: readonly PackageLicense[]): PackageLicense[] {
  return packages.filter((entry) => !permissiveChoice(entry.license));
}

function licenseOf(manifest: { license?: unknown; licenses?: unknown }): string {
  const { license, licenses } = manifest;
  if (typeof license === 'string') return license;
  if (typeof license === 'object' && license !== null && 'type' in license) return String(license.type);
  if (Array.isArray(licenses)) return licenses.map((entry: { type?: unknown }) => String(entry.type)).join(' OR ');
  return 'UNKNOWN';
}

/** Every package under a node_modules folder, nested ones included. */
function installedPackages(nodeModules: string): PackageLicense[] {
  const found: PackageLicense[] = [];
  const visit = (folder: string) => {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const packageFolder = path.join(folder, entry);
      if (entry.startsWith('@')) {
        visit(packageFolder);
        continue;
      }
      try {
        const manifest = JSON.parse(readFileSync(path.join(packageFolder, 'package.json'), 'utf8')) as {
          name?: string;
          license?: unknown;
          licenses?: unknown;
        };
        found.push({ name: manifest.name ?? entry, license: licenseOf(manifest) });
      } catch {
        continue;
      }
      visit(path.join(packageFolder, 'node_modules'));
    }
  };
  visit(nodeModules);
  return found;
}

function installedVersion(directory: string, name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(directory, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** The cache folder, created mode 0700; refused when it is a link or another user's. */
function ownedFolder(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const stat = lstatSync(directory);
  if (!stat.isDirectory() || (process.getuid !== undefined && stat.uid !== process.getuid()) || (stat.mode & 0o077) !== 0) {
    throw new Error(`${directory} is not a folder of this user's with mode 0700: refusing to install the peer into it`);
  }
}

const NETWORK_ERROR = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network|socket hang up/i;

/**
 * The peer, installed if its pinned versions are not in the cache folder yet; or why it cannot
 * run here (the registry unreachable, a refused license), a sentence for the report.
 */
export async function installPeer(
  log: (line: string) => void,
  /** Another folder, and npm flags (e.g. `--registry`), for the tests. */
  { directory = peerDirectory, npmFlags = [] }: { readonly directory?: string; readonly npmFlags?: readonly string[] } = {},
): Promise<InstalledPeer | { readonly unavailable: string }> {
  const specs = Object.entries(PEER_PACKAGES).map(([name, version]) => `${name}@${version}`);
  try {
    ownedFolder(directory);
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
  const current = () => Object.entries(PEER_PACKAGES).every(([name, version]) => installedVersion(directory, name) === version);
  const installed = !current();
  if (installed) {
    log(`  installing ${specs.join(' and ')} into ${path.relative(projectDirectory, directory)} (no install scripts)`);
    const npm = await run(
      'npm',
      ['install', '--prefix', directory, '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev', ...npmFlags, ...specs],
      { cwd: directory, timeoutMs: 600_000 },
    );
    if (npm.code !== 0 || !current()) {
      const output = `${npm.stderr}\n${npm.stdout}`.trim();
      // npm's first error lines say what failed (its code and reason); its last ones where its log is.
      const tail = output
        .split('\n')
        .filter((line) => line.startsWith('npm error'))
        .slice(0, 4)
        .join(' ')
        .slice(0, 600);
      return {
        unavailable: NETWORK_ERROR.test(output)
          ? `the npm registry is unreachable from here, so ${specs.join(' and ')} could not be installed (${tail})`
          : `npm install ${specs.join(' ')} failed (exit ${npm.code}): ${tail}`,
      };
    }
  }
  const packages = installedPackages(path.join(directory, 'node_modules'));
  const refused = refusedLicenses(packages);
  if (refused.length > 0) {
    return {
      unavailable: `not run: GPL or AGPL packages in its install: ${refused.map((entry) => `${entry.name} (${entry.license})`).join(', ')}`,
    };
  }
  return {
    directory,
    serverlessBin: path.join(directory, 'node_modules', 'serverless', 'bin', 'serverless.js'),
    versions: Object.fromEntries(Object.keys(PEER_PACKAGES).map((name) => [name, installedVersion(directory, name) ?? ''])),
    packages: packages.length,
    installed,
  };
}
