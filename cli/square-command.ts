/**
 * `npm run square -- 2 3 4 5 6`: the tutorial's experience, one line per number in completion
 * order, `3 squared to 9 by: <request id>`, printed when the API's answer arrives. Calls the local stack (a running `npm start`, or one
 * started for the call) unless given `--url` or `--outputs-file`, then the deployed API, signed
 * with the standard AWS credential chain.
 *
 * The command as a function, {@link run}`(argv, io) → exit code`, so that its tests call it in
 * process; `cli/square.ts` runs it on the process's own streams.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  batchedLineWriter,
  createFunctionLogSink,
  MISSING_SHELL_CREDENTIALS,
  type RunningLocalStack,
  readRunningLocalStack,
  shellCredentials,
  signedFetch,
  startLocalStack,
  UsageError,
} from '@multi-square/local-cloud';
import { followJob, type Send, startJob } from './job-client';

/** The project: the folder with cdk.json. */
const projectDirectory = path.resolve(import.meta.dirname, '..');

const USAGE = `Usage: npm run square -- [options] <number>...
       npm run square -- [options] --file <file>     (or --file - for stdin)
       npm run square -- --job [options] <number>... (or --file <file>)
       npm run square -- --job-id <id> [options]

Squares each number in its own squarer invocation. The API answers once every number is done;
then this prints one line per squared number, all at once, in the order the squarers finished:
  3 squared to 9 by: <request id>
and, on stderr, one line per number that failed. While waiting longer than a second, a line on
stderr counts the seconds (only when stderr is a terminal).

Options:
  --file <file>          read the numbers from <file>, one per line (blank lines ignored);
                         \`--file -\` or a lone \`-\` reads them from stdin. For long lists: a
                         command line has a length limit, a file does not
  --timeout <seconds>    give up waiting for the answer after this long (default 60)
  --logs                 print the function logs of the stack started for this call (stderr)
  --url <url>            the API's URL (e.g. https://abc123.execute-api.eu-west-1.amazonaws.com);
                         default: the local stack (a running \`npm start\`, or one started for this call)
  --outputs-file <file>  read the URL from \`cdk deploy --outputs-file <file>\`
  --region <region>      region to sign for; default: from the URL, else AWS_REGION
  --no-sign              send the request unsigned (an API deployed with -c authMode=none)
  --json                 print the response body instead of the lines
  --job                  start a job (POST /jobs: up to 12,400 numbers, docs/jobs.md) and follow it:
                         its progress on stderr (on a terminal), its lines when it ends
  --job-id <id>          follow a job already started, as --job does after starting it
  --idempotency-key <k>  with --job: the job's name (1 to 62 of A-Z a-z 0-9 - _); the same key and
                         numbers never start a second job
  -h, --help             this text

Numbers are JSON numbers (2, -7, 2.5, 123456789012345678901234567890) or decimal-integer strings.

Exit status:
  0  every number was squared
  1  the API answered 502: some numbers could not be squared (each is named on stderr)
  2  bad usage, or the API refused the request with a 4xx (the argument or line is named)
  3  the API or the network failed: any other 5xx, the API unreachable, or no answer in time`;

/** What the command reads and writes: the process's own streams in `cli/square.ts`, captured ones in tests. */
export interface SquareIo {
  readonly stdout: { write(text: string): unknown };
  /** `isTTY`: whether to show the progress line. */
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** All of stdin, for `--file -`. */
  readStdin(): string;
  /** AWS_REGION and AWS_DEFAULT_REGION for a deployed URL without a region in it. */
  readonly env: NodeJS.ProcessEnv;
}

/** Where each number came from, for messages: `argument 2`, `line 7 of numbers.txt`. */
type NumberSources = readonly string[];

interface Target {
  readonly url: string;
  readonly region: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly sign: boolean;
  /** A running `npm start` that accepts only the credentials of its own shell. */
  readonly expectsShellCredentials?: boolean;
}

/** `npm run square -- ...argv`: resolves with the exit status; never throws. */
export async function run(argv: readonly string[], io: SquareIo): Promise<number> {
  try {
    return await square(argv, io);
  } catch (error) {
    io.stderr.write(
      `${error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    // Bad usage is 2; anything else (the local stack failing to start, say) is a failure of the API's side.
    return error instanceof UsageError ? 2 : 3;
  }
}

async function square(argv: readonly string[], io: SquareIo): Promise<number> {
  // `-5` is a number here, not an option: hide negative numbers from the option parser.
  const negativeNumber = /^-[0-9.]/;
  const hidden = argv.map((arg) => (negativeNumber.test(arg) ? `\u0000${arg}` : arg));
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(hidden);
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  const { values } = parsed;
  const positionals = parsed.positionals.map((arg) => (arg.startsWith('\u0000') ? arg.slice(1) : arg));
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const jobId = values['job-id'];
  if (jobId !== undefined && (positionals.length > 0 || values.file !== undefined)) {
    io.stderr.write(`--job-id follows a job already started: give it no numbers.\n\n${USAGE}\n`);
    return 2;
  }
  const fromStdin = positionals.length === 1 && positionals[0] === '-';
  const file = values.file ?? (fromStdin ? '-' : undefined);
  if (file !== undefined && positionals.length > 0 && !fromStdin) {
    io.stderr.write(`Give numbers as arguments or with --file, not both.\n\n${USAGE}\n`);
    return 2;
  }
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    io.stderr.write(`--timeout must be a number of seconds above 0, got ${JSON.stringify(values.timeout)}\n`);
    return 2;
  }
  const input = file === undefined ? numbersFromArguments(positionals) : numbersFromFile(file, io);
  if (input.numbers.length === 0 && jobId === undefined) {
    // A file with no number is a mistake in the file, not in the command: one line says so.
    io.stderr.write(
      file === undefined
        ? `Give at least one number.\n\n${USAGE}\n`
        : `Give at least one number (${file === '-' ? 'stdin' : file} has none).\n`,
    );
    return 2;
  }
  const body = requestBody(input.numbers);

  let localStack: RunningLocalStack | undefined;
  let target: Target;
  const deployedUrl = values.url ?? (values['outputs-file'] === undefined ? undefined : readApiUrl(values['outputs-file']));
  if (deployedUrl !== undefined) {
    const region = values.region ?? regionOf(deployedUrl) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    if (region === undefined && values.sign) {
      io.stderr.write('Cannot tell the region to sign for: pass --region.\n');
      return 2;
    }
    target = { url: deployedUrl, region: region ?? 'us-east-1', sign: values.sign };
  } else {
    // Several `npm start`s in this folder throw an AmbiguousLocalStackError, a UsageError: its
    // message lists them and says how to choose.
    const running = await readRunningLocalStack(projectDirectory);
    if (running !== undefined && values.logs) {
      io.stderr.write("--logs: the running `npm start` shows the function logs; each function's are also in .local-cloud/logs/.\n");
    }
    if (running === undefined) localStack = await startLocalStackForThisCall(values.logs, io);
    const stack = running ?? localStack;
    if (stack === undefined) throw new Error('unreachable: a stack runs or was started');
    if (stack.httpApiUrl === undefined || stack.httpApiUrl === '') {
      io.stderr.write('The local stack has no HTTP API to call.\n');
      await localStack?.close();
      return 2;
    }
    target = {
      url: stack.httpApiUrl,
      region: stack.region,
      ...(stack.credentials ? { credentials: stack.credentials } : {}),
      sign: values.sign,
      ...(running !== undefined && running.credentials === undefined ? { expectsShellCredentials: true } : {}),
    };
  }

  try {
    if (values.job || jobId !== undefined) {
      const credentials = await credentialsFor(target, io);
      if (credentials === 'missing') return 2;
      const client = {
        send: sender(target, credentials, timeoutSeconds * 1000),
        url: target.url,
        stdout: (text: string) => io.stdout.write(text),
        stderr: (text: string) => io.stderr.write(text),
        isTTY: io.stderr.isTTY === true,
      };
      return jobId === undefined ? await startJob(body, input.sources, values['idempotency-key'], client) : await followJob(jobId, client);
    }
    return await callApi(target, body, input.sources, { printJson: values.json, timeoutMs: timeoutSeconds * 1000 }, io);
  } finally {
    await localStack?.close();
  }
}

/**
 * A local stack of our own, on free ports, gone when the call is done; its function logs on stderr
 * with `--logs`, the local cloud's own warnings always.
 */
async function startLocalStackForThisCall(showLogs: boolean, io: SquareIo): Promise<RunningLocalStack> {
  io.stderr.write('Starting the local stack for this call (run `npm start` to keep one running)...\n');
  const logs = createFunctionLogSink({ console: batchedLineWriter(io.stderr), ...(showLogs ? {} : { only: new Set<string>() }) });
  return startLocalStack({ projectDirectory, httpPort: 0, lambdaPort: 0, logSink: logs.write, writeStateFile: false });
}

function numbersFromArguments(args: readonly string[]): { numbers: string[]; sources: NumberSources } {
  return { numbers: [...args], sources: args.map((_, index) => `argument ${index + 1}`) };
}

/** One number per line; blank lines are skipped, but the line numbers in messages are the file's. */
function numbersFromFile(file: string, io: SquareIo): { numbers: string[]; sources: NumberSources } {
  let text: string;
  try {
    text = file === '-' ? io.readStdin() : readFileSync(path.resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${file === '-' ? 'stdin' : file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const numbers: string[] = [];
  const sources: string[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    numbers.push(trimmed);
    sources.push(`line ${index + 1} of ${file === '-' ? 'stdin' : file}`);
  }
  return { numbers, sources };
}

/** Keeps each argument's text as written, so 2^53 + 1 reaches the API exact; anything else goes as a string for the API to judge. */
function requestBody(args: readonly string[]): string {
  const jsonNumber = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
  return `{"numbers":[${args.map((arg) => (jsonNumber.test(arg) ? arg : JSON.stringify(arg))).join(',')}]}`;
}

/** The credentials to sign with: the target's own, or the shell's for a running `npm start` that expects them. */
async function credentialsFor(target: Target, io: SquareIo): Promise<Target['credentials'] | 'missing'> {
  if (!target.sign || target.credentials !== undefined || !target.expectsShellCredentials) return target.credentials;
  const credentials = await shellCredentials();
  if (credentials === undefined) {
    io.stderr.write(MISSING_SHELL_CREDENTIALS);
    return 'missing';
  }
  return credentials;
}

/** One request to the API, signed unless --no-sign, given up after --timeout. */
function sender(target: Target, credentials: Target['credentials'], timeoutMs: number): Send {
  return (url, init) => {
    const request = { ...init, signal: AbortSignal.timeout(timeoutMs) };
    return target.sign
      ? signedFetch(url, request, { region: target.region, ...(credentials ? { credentials } : {}) })
      : fetch(url, request);
  };
}

async function callApi(
  target: Target,
  body: string,
  sources: NumberSources,
  options: { printJson: boolean; timeoutMs: number },
  io: SquareIo,
): Promise<number> {
  const { printJson } = options;
  const url = `${target.url.replace(/\/+$/, '')}/square`;
  const request = { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(options.timeoutMs) };
  let credentials = target.credentials;
  if (target.sign && credentials === undefined && target.expectsShellCredentials) {
    credentials = await shellCredentials();
    if (credentials === undefined) {
      io.stderr.write(MISSING_SHELL_CREDENTIALS);
      return 2;
    }
  }
  const progress = startProgress(io.stderr);
  let response: Response;
  let text: string;
  try {
    response = target.sign
      ? await signedFetch(url, request, { region: target.region, ...(credentials ? { credentials } : {}) })
      : await fetch(url, request);
    text = await response.text();
  } catch (error) {
    progress.stop();
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      io.stderr.write(`${url} did not answer within ${options.timeoutMs / 1000} s (--timeout).\n`);
      return 3;
    }
    const message = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    if (/Could not load credentials/i.test(message)) {
      io.stderr.write(
        `Cannot sign the request: ${message}. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or pass --no-sign for an API without IAM.\n`,
      );
      return 2;
    }
    io.stderr.write(`Could not call ${url}: ${message}\n`);
    return 3;
  }
  progress.stop();
  if (printJson) io.stdout.write(`${text}\n`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    io.stderr.write(`${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 500)}\n`);
    return exitCodeOf(response.status);
  }
  if (response.status === 200 || response.status === 502) {
    const { lines, results } = document as { lines?: unknown; results?: unknown };
    if (!printJson && Array.isArray(lines)) {
      for (const line of lines) io.stdout.write(`${String(line)}\n`);
    }
    if (response.status === 502 && Array.isArray(results)) {
      const failed = results.filter(
        (item): item is { number: unknown; error: { type: string; message: string } } =>
          typeof item === 'object' && item !== null && 'error' in item,
      );
      for (const item of failed) {
        const index = results.indexOf(item);
        io.stderr.write(
          `${String(item.number)} (${sources[index] ?? `numbers[${index}]`}, numbers[${index}]) failed: ${item.error.type}: ${item.error.message}\n`,
        );
      }
      io.stderr.write(`${failed.length} of ${results.length} numbers could not be squared.\n`);
      return 1;
    }
    return 0;
  }
  io.stderr.write(`${url} answered ${response.status}: ${describeError(document, sources)}\n`);
  return exitCodeOf(response.status);
}

/** 4xx: the request was refused (2); any other failure is the API's or the network's (3). */
function exitCodeOf(status: number): number {
  if (status === 502) return 1;
  return status >= 400 && status < 500 ? 2 : 3;
}

/**
 * On a terminal, after a second without an answer, `Waiting for the API: 3.2 s` on stderr, updated
 * in place and erased when the answer comes; nothing at all when stderr is not a terminal.
 */
function startProgress(stderr: SquareIo['stderr']): { stop(): void } {
  if (!stderr.isTTY) return { stop: () => undefined };
  const startedAt = performance.now();
  let shown = false;
  const timer = setInterval(() => {
    const seconds = (performance.now() - startedAt) / 1000;
    if (seconds < 1) return;
    shown = true;
    stderr.write(`\rWaiting for the API: ${seconds.toFixed(1)} s`);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      if (shown) stderr.write('\r\u001b[K');
    },
  };
}

function describeError(document: unknown, sources: NumberSources): string {
  if (typeof document !== 'object' || document === null) return JSON.stringify(document);
  if ('error' in document && typeof document.error === 'object' && document.error !== null) {
    const { message, details } = document.error as { message?: unknown; details?: unknown };
    const lines = [String(message)];
    if (Array.isArray(details)) {
      for (const detail of details as { path?: unknown; message?: unknown }[]) {
        // `numbers[3]` → also `argument 4` or `line 9 of numbers.txt`, where the user can find it.
        const index = /^numbers\[(\d+)\]/.exec(String(detail.path))?.[1];
        const source = index === undefined ? undefined : sources[Number(index)];
        lines.push(`  ${source === undefined ? '' : `${source}, `}${String(detail.path)}: ${String(detail.message)}`);
      }
    }
    return lines.join('\n');
  }
  if ('message' in document) return String(document.message);
  return JSON.stringify(document);
}

/** `cdk deploy --outputs-file` writes `{ "<stack>": { "ApiUrl": "..." } }`. */
function readApiUrl(file: string): string {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) throw new UsageError(`No outputs file at ${absolute}: deploy with \`npx cdk deploy --outputs-file ${file}\`.`);
  const outputs: unknown = JSON.parse(readFileSync(absolute, 'utf8'));
  for (const stackOutputs of Object.values(typeof outputs === 'object' && outputs !== null ? outputs : {})) {
    if (typeof stackOutputs === 'object' && stackOutputs !== null && 'ApiUrl' in stackOutputs && typeof stackOutputs.ApiUrl === 'string') {
      return stackOutputs.ApiUrl;
    }
  }
  throw new UsageError(`${absolute} has no ApiUrl output.`);
}

/** `https://{api-id}.execute-api.{region}.amazonaws.com` */
function regionOf(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1];
}

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    allowNegative: true,
    options: {
      url: { type: 'string' },
      'outputs-file': { type: 'string' },
      region: { type: 'string' },
      sign: { type: 'boolean', default: true },
      file: { type: 'string' },
      timeout: { type: 'string', default: '60' },
      logs: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      job: { type: 'boolean', default: false },
      'job-id': { type: 'string' },
      'idempotency-key': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
