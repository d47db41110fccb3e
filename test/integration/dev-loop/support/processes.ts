/**
 * Real `npm start` processes for the development-loop tests: started with node (as the npm script
 * runs them), read until ready, stopped with SIGINT as Ctrl-C would.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_CREDENTIALS, signedFetch } from '@multi-square/local-cloud';

export const projectDirectory = path.resolve(import.meta.dirname, '..', '..', '..', '..');
export const secondAppFixture = path.join(projectDirectory, 'test', 'fixtures', 'second-app');

export interface LocalCloudProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The URL printed after `label` (`HTTP API`, `Lambda API`), in order. */
  urls(label: string): string[];
  /** Resolves when stderr has a line matching `pattern` after `fromIndex` characters. */
  waitForStderr(pattern: RegExp, fromIndex?: number, timeoutMs?: number): Promise<string>;
  stop(): Promise<number | null>;
}

/** `npm start -- ...args`, ready when it prints how to stop it; rejects with its output if it exits first. */
export async function startLocalCloud(
  args: readonly string[],
  options: { cwd?: string; env?: Readonly<Record<string, string>> } = {},
): Promise<LocalCloudProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(projectDirectory, 'local-cloud', 'cli', 'start.ts'), '--http-port', '0', '--lambda-port', '0', ...args],
    {
      cwd: options.cwd ?? projectDirectory,
      env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', ...options.env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stdout.includes('Ctrl-C stops it.')) {
        child.stdout.off('data', check);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`npm start exited ${code}:\n${stdout}\n${stderr}`)));
  });
  const processHandle: LocalCloudProcess = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    urls: (label) => [...stdout.matchAll(new RegExp(`${label}\\s+(http://[0-9.:]+)`, 'g'))].map((match) => match[1] ?? ''),
    waitForStderr: (pattern, fromIndex = 0, timeoutMs = 180_000) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stderr.slice(fromIndex));
          if (match === null) return;
          clearTimeout(timer);
          child.stderr.off('data', check);
          resolve(match[0]);
        };
        const timer = setTimeout(() => {
          child.stderr.off('data', check);
          reject(new Error(`no ${pattern} on stderr in ${timeoutMs} ms:\n${stderr.slice(fromIndex)}`));
        }, timeoutMs);
        child.stderr.on('data', check);
        check();
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
  return processHandle;
}

/** A copy of the second app in a temporary folder (its node_modules linked to ours), to change freely. */
export function copySecondApp(): { directory: string; remove(): void } {
  const directory = mkdtempSync(path.join(tmpdir(), 'second-app-'));
  cpSync(secondAppFixture, directory, {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}.local-cloud`) && !source.endsWith(`${path.sep}cdk.out`),
  });
  symlinkSync(path.join(projectDirectory, 'node_modules'), path.join(directory, 'node_modules'));
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** Invokes a function through the local Invoke API, as `aws lambda invoke` does, signed with the local credentials the stacks here accept. */
export async function invokeFunction(
  lambdaUrl: string,
  functionName: string,
  payload: unknown,
): Promise<{ status: number; body: unknown; functionError: string | null }> {
  const response = await signedFetch(
    `${lambdaUrl}/2015-03-31/functions/${functionName}/invocations`,
    { method: 'POST', body: JSON.stringify(payload) },
    { region: 'us-east-1', service: 'lambda', credentials: LOCAL_CREDENTIALS },
  );
  return { status: response.status, body: await response.json(), functionError: response.headers.get('x-amz-function-error') };
}

/** The one function of a running stack whose name contains `part`, from its printed list. */
export function functionNamed(stdout: string, part: string): string {
  const name = new RegExp(`^\\s+(\\S*${part}\\S*)\\s+\\(nodejs`, 'm').exec(stdout)?.[1];
  if (name === undefined) throw new Error(`no function named like ${part} in:\n${stdout}`);
  return name;
}
