/** Running the bench's measurements in processes of their own. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const projectDirectory = path.resolve(import.meta.dirname, '..');

export interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Killed after this long: every part of the bench is bounded in time. */
  readonly timeoutMs: number;
}

/** Runs a command to its end (or its timeout) and times it from spawn to exit. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? projectDirectory,
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMs: performance.now() - startedAt });
    });
  });
}

/** Runs a TypeScript file of the bench in a fresh Node process and returns the JSON of its last line. */
export async function runTs<T>(file: string, args: readonly string[], options: RunOptions & { nodeArgs?: readonly string[] }): Promise<T> {
  const result = await run(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', file, ...args], options);
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || !lastLine.startsWith('{')) {
    throw new Error(`${path.basename(file)} ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(lastLine) as T;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A function asset's handler file: index.mjs for an ES module bundle (the coordinator's), else index.js. */
export function bundleFile(directory: string): string {
  const esm = path.join(directory, 'index.mjs');
  return existsSync(esm) ? esm : path.join(directory, 'index.js');
}
