/**
 * `npm run square -- 2 3 4 5 6`: the tutorial's experience, one line per number in completion
 * order, `3 squared to 9 by: <request id>`. Calls the local stack (a running `npm start`, or one
 * started for the call) unless given `--url` or `--outputs-file`, then the deployed API, signed
 * with the standard AWS credential chain.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AmbiguousLocalStackError, readRunningLocalStack, signedFetch, startLocalStack, type RunningLocalStack } from '@multi-square/local-cloud';

/** The project: the folder with cdk.json. */
const projectDirectory = path.resolve(import.meta.dirname, '..');

const USAGE = `Usage: npm run square -- [options] <number>...

Squares each number in its own squarer invocation and prints one line per number as each finishes:
  3 squared to 9 by: <request id>

Options:
  --url <url>            the API's URL (e.g. https://abc123.execute-api.eu-west-1.amazonaws.com);
                         default: the local stack (a running \`npm start\`, or one started for this call)
  --outputs-file <file>  read the URL from \`cdk deploy --outputs-file <file>\`
  --region <region>      region to sign for; default: from the URL, else AWS_REGION
  --no-sign              send the request unsigned (an API deployed with -c authMode=none)
  --json                 print the response body instead of the lines
  -h, --help             this text

Numbers are JSON numbers (2, -7, 2.5, 123456789012345678901234567890) or decimal-integer strings.
Exit status: 0 when every number was squared, 1 when some failed, 2 on bad usage or a refused request.`;

interface Target {
  readonly url: string;
  readonly region: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly sign: boolean;
}

async function main(argv: readonly string[]): Promise<number> {
  // `-5` is a number here, not an option: hide negative numbers from the option parser.
  const negativeNumber = /^-[0-9.]/;
  const hidden = argv.map((arg) => (negativeNumber.test(arg) ? `\u0000${arg}` : arg));
  let parsed;
  try {
    parsed = parseArgs({
      args: hidden,
      allowPositionals: true,
      allowNegative: true,
      options: {
        url: { type: 'string' },
        'outputs-file': { type: 'string' },
        region: { type: 'string' },
        sign: { type: 'boolean', default: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  const { values } = parsed;
  const positionals = parsed.positionals.map((arg) => (arg.startsWith('\u0000') ? arg.slice(1) : arg));
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write(`Give at least one number.\n\n${USAGE}\n`);
    return 2;
  }
  const body = requestBody(positionals);

  let localStack: RunningLocalStack | undefined;
  let target: Target;
  const deployedUrl = values.url ?? (values['outputs-file'] === undefined ? undefined : readApiUrl(values['outputs-file']));
  if (deployedUrl !== undefined) {
    const region = values.region ?? regionOf(deployedUrl) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (region === undefined && values.sign) {
      process.stderr.write('Cannot tell the region to sign for: pass --region.\n');
      return 2;
    }
    target = { url: deployedUrl, region: region ?? 'us-east-1', sign: values.sign };
  } else {
    let running;
    try {
      running = await readRunningLocalStack(projectDirectory);
    } catch (error) {
      // Several `npm start`s in this folder: the message lists them and says how to choose.
      if (!(error instanceof AmbiguousLocalStackError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    const stack = running ?? (localStack = await startLocalStackForThisCall());
    target = { url: stack.httpApiUrl, region: stack.region, credentials: stack.credentials, sign: values.sign };
  }

  try {
    return await callApi(target, body, values.json);
  } finally {
    await localStack?.close();
  }
}

/** A local stack of our own, on free ports, quiet, gone when the call is done. */
async function startLocalStackForThisCall(): Promise<RunningLocalStack> {
  process.stderr.write('Starting the local stack for this call (run `npm start` to keep one running)...\n');
  return startLocalStack({ projectDirectory, httpPort: 0, lambdaPort: 0, logSink: () => undefined, writeStateFile: false });
}

/** Keeps each argument's text as written, so 2^53 + 1 reaches the API exact; anything else goes as a string for the API to judge. */
function requestBody(args: readonly string[]): string {
  const jsonNumber = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
  return `{"numbers":[${args.map((arg) => (jsonNumber.test(arg) ? arg : JSON.stringify(arg))).join(',')}]}`;
}

async function callApi(target: Target, body: string, printJson: boolean): Promise<number> {
  const url = `${target.url.replace(/\/+$/, '')}/square`;
  const request = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
  let response: Response;
  try {
    response = target.sign
      ? await signedFetch(url, request, { region: target.region, ...(target.credentials ? { credentials: target.credentials } : {}) })
      : await fetch(url, request);
  } catch (error) {
    process.stderr.write(`Could not call ${url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}\n`);
    return 2;
  }
  const text = await response.text();
  if (printJson) process.stdout.write(`${text}\n`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    process.stderr.write(`${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 500)}\n`);
    return 2;
  }
  if (response.status === 200 || response.status === 502) {
    const { lines, results } = document as { lines?: unknown; results?: unknown };
    if (!printJson && Array.isArray(lines)) {
      for (const line of lines) process.stdout.write(`${String(line)}\n`);
    }
    if (response.status === 502 && Array.isArray(results)) {
      const failed = results.filter((item): item is { number: unknown; error: { type: string; message: string } } => typeof item === 'object' && item !== null && 'error' in item);
      for (const item of failed) {
        process.stderr.write(`${String(item.number)} failed: ${item.error.type}: ${item.error.message}\n`);
      }
      process.stderr.write(`${failed.length} of ${results.length} numbers could not be squared.\n`);
      return 1;
    }
    return 0;
  }
  process.stderr.write(`${url} answered ${response.status}: ${describeError(document)}\n`);
  return 2;
}

function describeError(document: unknown): string {
  if (typeof document !== 'object' || document === null) return JSON.stringify(document);
  if ('error' in document && typeof document.error === 'object' && document.error !== null) {
    const { message, details } = document.error as { message?: unknown; details?: unknown };
    const lines = [String(message)];
    if (Array.isArray(details)) {
      for (const detail of details as { path?: unknown; message?: unknown }[]) lines.push(`  ${String(detail.path)}: ${String(detail.message)}`);
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

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
