/**
 * The emulators of the peer bench, each started as its users start it, in a process of its own
 * (so that its CPU is its process tree's, apart from the client's), on Node 24
 * (node_modules/.bin/node, the bench's):
 * - `local`: the local cloud as `npm start` runs it (local-cloud/cli/start.ts, its default log
 *   lines to stderr and to .local-cloud/logs/), serving the project's stack;
 * - `worker` and `in-process`: serverless-offline (`serverless offline start`, the Lambda Invoke
 *   endpoint on `--lambdaPort`) serving the same squarer bundle, in worker threads (its default)
 *   or with `--useInProcess`.
 * Their output goes to files in the peer's cache folder (logs/), as a terminal would take it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectDirectory } from './child';
import type { InstalledPeer } from './peer-install';

export const SIDES = ['local', 'worker', 'in-process'] as const;
export type SideName = (typeof SIDES)[number];

/** The Node every emulator runs on: the bench's own Node 24 where it is installed. */
export const nodeBinary = existsSync(path.join(projectDirectory, 'node_modules/.bin/node'))
  ? path.join(projectDirectory, 'node_modules/.bin/node')
  : process.execPath;

/** The credentials the client signs with and the local cloud checks (serverless-offline checks none). */
export const CREDENTIALS = { accessKeyId: 'AKIAPEERBENCH0000000', secretAccessKey: 'peer-bench/not-an-aws-key' } as const;
const REGION = 'us-east-1';

export interface Emulator {
  readonly side: SideName;
  readonly pid: number;
  readonly lambdaUrl: string;
  readonly functionName: string;
  readonly region: string;
  /** From spawn to serving, ms. */
  readonly readyMs: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1', ...extra };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL']) delete env[name];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
  };
}

function logFile(peer: InstalledPeer, name: string): { readonly file: string; readonly fd: number } {
  const directory = path.join(peer.directory, 'logs');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const file = path.join(directory, `${name}.log`);
  return { file, fd: openSync(file, 'w', 0o600) };
}

function stopper(child: ChildProcess, signal: NodeJS.Signals): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const stopped = await Promise.race([exited.then(() => true), sleep(20_000, false, { ref: false })]);
    if (!stopped) child.kill('SIGKILL');
    running.delete(child);
  };
}

function exitedEarly(child: ChildProcess, log: string): Promise<never> {
  return new Promise((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`exited (${code ?? signal}) before serving: ${readFileSync(log, 'utf8').slice(-1500)}`)),
    ),
  );
}

/** The local cloud as `npm start` runs it, on ports of its own; ready when it prints its banner. */
export async function startLocalCloud(peer: InstalledPeer, tag: string): Promise<Emulator> {
  const log = logFile(peer, `local-cloud-${tag}`);
  const startedAt = performance.now();
  // BENCH_PROFILE=<folder>: a CPU profile of the local cloud's own process (not its environments), written when it stops.
  const profile =
    process.env.BENCH_PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`];
  const child = spawn(nodeBinary, [...profile, '--import', 'tsx', 'local-cloud/cli/start.ts', '--http-port', '0', '--lambda-port', '0'], {
    cwd: projectDirectory,
    env: environment(),
    stdio: ['ignore', 'pipe', log.fd],
  });
  closeSync(log.fd);
  running.add(child);
  const stop = stopper(child, 'SIGTERM');
  let banner = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      banner += chunk;
      if (banner.includes('Ctrl-C stops it.')) resolve();
    }),
  );
  try {
    await Promise.race([
      ready,
      exitedEarly(child, log.file),
      sleep(600_000, undefined, { ref: false }).then(() => Promise.reject(new Error('not ready in 600 s'))),
    ]);
  } catch (error) {
    await stop();
    throw new Error(`the local cloud: ${error instanceof Error ? error.message : String(error)}`);
  }
  const lambdaUrl = /Lambda API\s+(\S+)/.exec(banner)?.[1];
  const functionName = /^\s+(\S*Squarer\S*)\s+\(/m.exec(banner)?.[1];
  if (lambdaUrl === undefined || functionName === undefined) {
    await stop();
    throw new Error(`the local cloud's banner names no Lambda API or squarer:\n${banner}`);
  }
  return { side: 'local', pid: child.pid as number, lambdaUrl, functionName, region: REGION, readyMs: performance.now() - startedAt, stop };
}

/**
 * A serverless service beside the peer, serving the squarer's bundle from the local cloud's own
 * assembly (so both emulators run the same file) with its memory and timeout.
 */
export function prepareService(peer: InstalledPeer): string {
  const cdkOut = path.join(projectDirectory, '.local-cloud', 'cdk.out');
  const template = JSON.parse(readFileSync(path.join(cdkOut, 'MultiSquare.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
  };
  const squarer = Object.entries(template.Resources).find(
    ([logicalId, resource]) => resource.Type === 'AWS::Lambda::Function' && logicalId.startsWith('Squarer'),
  )?.[1];
  const assetPath = squarer?.Metadata?.['aws:asset:path'];
  if (squarer === undefined || typeof assetPath !== 'string') throw new Error(`no squarer asset in ${cdkOut}`);
  const service = path.join(peer.directory, 'service');
  mkdirSync(path.join(service, 'squarer'), { recursive: true, mode: 0o700 });
  for (const file of ['index.js', 'index.js.map']) {
    if (existsSync(path.join(cdkOut, assetPath, file)))
      copyFileSync(path.join(cdkOut, assetPath, file), path.join(service, 'squarer', file));
  }
  const { Handler = 'index.handler', MemorySize = 128, Timeout = 3 } = squarer.Properties;
  writeFileSync(
    path.join(service, 'serverless.yml'),
    [
      'service: peer',
      "frameworkVersion: '3'",
      // serverless 3.40's schema predates nodejs24.x; serverless-offline runs it (on the Node that runs it).
      'configValidationMode: off',
      'provider:',
      '  name: aws',
      '  runtime: nodejs24.x',
      `  region: ${REGION}`,
      'functions:',
      '  squarer:',
      `    handler: squarer/${String(Handler)}`,
      `    memorySize: ${Number(MemorySize)}`,
      // Its timeout runs from before the worker thread loads the handler (Lambda's, and the local
      // cloud's, from after INIT): on a loaded machine 32 or 100 workers starting at once take more
      // than the squarer's 5 s, so it gets a minute; the timer per invocation is there all the same.
      `    timeout: ${Math.max(Number(Timeout), 60)}`,
      'plugins:',
      '  - serverless-offline',
      '',
    ].join('\n'),
  );
  return service;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  while (child.exitCode === null && child.signalCode === null) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(200);
  }
}

/** serverless-offline serving the squarer, in worker threads or in its own process; ready when its Lambda port accepts. */
export async function startServerlessOffline(
  peer: InstalledPeer,
  service: string,
  side: 'worker' | 'in-process',
  tag: string,
): Promise<Emulator> {
  const [lambdaPort, httpPort] = [await freePort(), await freePort()];
  const log = logFile(peer, `serverless-offline-${side}-${tag}`);
  const startedAt = performance.now();
  const flags = ['--host', '127.0.0.1', '--lambdaPort', String(lambdaPort), '--httpPort', String(httpPort)];
  const child = spawn(
    nodeBinary,
    [peer.serverlessBin, 'offline', 'start', ...flags, ...(side === 'in-process' ? ['--useInProcess'] : [])],
    {
      cwd: service,
      env: environment({ SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' }),
      stdio: ['ignore', log.fd, log.fd],
    },
  );
  closeSync(log.fd);
  running.add(child);
  // It stops on SIGINT (Ctrl-C); SIGTERM leaves it serving.
  const stop = stopper(child, 'SIGINT');
  try {
    await Promise.race([
      listening(lambdaPort, child),
      exitedEarly(child, log.file),
      sleep(300_000, undefined, { ref: false }).then(() => Promise.reject(new Error('not serving in 300 s'))),
    ]);
  } catch (error) {
    await stop();
    throw new Error(`serverless-offline (${side}): ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    side,
    pid: child.pid as number,
    lambdaUrl: `http://127.0.0.1:${lambdaPort}`,
    functionName: 'peer-dev-squarer',
    region: REGION,
    readyMs: performance.now() - startedAt,
    stop,
  };
}
