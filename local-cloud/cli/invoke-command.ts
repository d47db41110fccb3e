/**
 * `npm run invoke -- FUNCTION [--event FILE | --event - | --http 'POST /square' --body '{...}']`:
 * invokes one function of the local stack, as `sam local invoke` does, and prints its result on
 * stdout and its log (output, END and REPORT lines) on stderr. Uses a running `npm start`, or a
 * stack started for the call.
 *
 * The command as a function, {@link runInvoke}`(argv, io) → exit code`, so that its tests call it
 * in process; `cli/invoke.ts` runs it on the process's own streams and working folder.
 */
import { readFileSync } from 'node:fs';
import { selectFunction } from '../assembly/function-selector';
import { UsageError } from '../core/errors';
import type { CloudAssemblyDefinition } from '../core/types';
import { MISSING_SHELL_CREDENTIALS, shellCredentials } from '../sigv4/shell-credentials';
import type { AwsCredentials } from '../sigv4/verifier';
import { createFunctionLogSink } from '../stack/function-logs';
import type { RunningLocalStack } from '../stack/local-stack';
import { readRunningLocalStack } from '../stack/local-stack-state';
import { INVOKE_FLAGS_HELP, parseInvokeFlags } from './invoke-flags';

/** What the command reads and writes: the process's own in `cli/invoke.ts`, captured ones in tests. */
export interface InvokeIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** All of stdin, for `--event -`. */
  readStdin(): string;
  /** The app served unless `--app` names another: the working folder, as `npm start` has it. */
  readonly cwd: string;
}

const USAGE = `Usage: npm run invoke -- <function> [options]

Invokes one function of the local stack once and waits for it: the result goes to stdout when
the invocation ends, then its log (START, its output, END and REPORT; the last 4 KB, as
\`aws lambda invoke --log-type Tail\` gives) to stderr. Uses the stack of a running \`npm start\`
for the app (with several running, choose one with LOCAL_CLOUD_STACK=<pid>), else starts one for
the call (synthesizing the app if its sources changed) and stops it after; --assembly, -c and
--env-vars always start one.

<function> is the function's local name, its logical ID, or a part of either or of its construct
path (e.g. Squarer, Coordinator), with :<version or alias> to invoke one. A durable function is
started by a version or alias (e.g. DurableFanOut:live) and followed to its end: each event of its
history and each change of its status on stderr, its result on stdout.

Options:
${INVOKE_FLAGS_HELP}

Exit status: 0 when the function returned, 1 when it failed (its error document is the result),
2 on bad usage (an unknown function, a bad event, several running stacks and none chosen),
3 when the Lambda service failed. A durable execution: 0 when it SUCCEEDED, 1 when it ended otherwise.`;

/** `npm run invoke -- ...argv`: resolves with the exit status; never throws. */
export async function runInvoke(argv: readonly string[], io: InvokeIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (error) {
    const usage = error instanceof UsageError;
    const parseError =
      error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS');
    io.stderr.write(`${error instanceof Error ? (usage || parseError ? error.message : (error.stack ?? error.message)) : String(error)}\n`);
    return usage || parseError ? 2 : 3;
  }
}

async function main(argv: readonly string[], io: InvokeIo): Promise<number> {
  const { options, positionals } = parseInvokeFlags(argv, io.cwd, (line) => io.stderr.write(line));
  if (options.cli.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const values = options.invoke;
  const settings = options.stack;
  const [query, ...extra] = positionals;
  if (query === undefined || extra.length > 0)
    throw new UsageError(query === undefined ? 'Name the function to invoke.' : `One function at a time; also got: ${extra.join(' ')}`);
  if (values.event !== undefined && values.http !== undefined) throw new UsageError('Give --event or --http, not both.');
  if (values.http === undefined && (values.body !== undefined || values.headers !== undefined))
    throw new UsageError('--body and --header go with --http.');
  // A running stack serves its own assembly, context and overrides: asking for others needs a stack of its own.
  const ownStackWanted = settings.cdkOut !== undefined || settings.context !== undefined || settings.envVars !== undefined;

  // Read before a stack starts: a bad event is a usage error, not a reason to synthesize.
  const eventText = values.event === undefined ? undefined : readEvent(values.event, io);

  const running = ownStackWanted ? undefined : await readRunningLocalStack(settings.projectDirectory);
  let ownStack: RunningLocalStack | undefined;
  try {
    let target: { lambdaUrl: string; region: string; credentials: AwsCredentials; assembly: CloudAssemblyDefinition };
    if (running !== undefined && running.assemblyDirectory !== undefined) {
      const { loadCloudAssembly } = await import('../assembly/cloud-assembly');
      // No credentials in the state file: the stack accepts those of its shell, which must be this one's too.
      const credentials = running.credentials ?? (await shellCredentials());
      if (credentials === undefined) {
        io.stderr.write(MISSING_SHELL_CREDENTIALS);
        return 2;
      }
      target = {
        lambdaUrl: running.lambdaUrl,
        region: running.region,
        credentials,
        // The running stack said its warnings when it started.
        assembly: loadCloudAssembly(running.assemblyDirectory, { warn: () => undefined }),
      };
    } else {
      io.stderr.write('Starting the local stack for this call (run `npm start` to keep one running)...\n');
      const { startLocalStack } = await import('../stack/local-stack');
      ownStack = await startLocalStack({
        ...settings,
        ...(options.lambda.allowOldNode ? { lambda: { allowOldNode: true } } : {}),
        httpPort: 0,
        lambdaPort: 0,
        writeStateFile: false,
        // The invocation's own log comes back with it (LogType Tail); the local cloud's warnings show.
        logSink: createFunctionLogSink({ console: (line) => io.stderr.write(`${line}\n`), only: new Set() }).write,
      });
      target = { lambdaUrl: ownStack.lambdaUrl, region: ownStack.region, credentials: ownStack.credentials, assembly: ownStack.assembly };
    }
    // `<function>:<version or alias>`: names, logical IDs and construct paths have no ':'.
    const [functionQuery = query, qualifier] = query.includes(':')
      ? [query.slice(0, query.lastIndexOf(':')), query.slice(query.lastIndexOf(':') + 1)]
      : [query];
    const definition = selectFunction(target.assembly.functions, functionQuery);
    const qualifiedName = qualifier === undefined ? definition.name : `${definition.name}:${qualifier}`;
    let payload = eventText ?? '{}';
    if (values.http !== undefined) {
      const { proxyEventForRoute } = await import('../http-api/route-event');
      const event = proxyEventForRoute(target.assembly, definition, {
        request: values.http,
        ...(values.body === undefined ? {} : { body: values.body }),
        ...(values.headers === undefined ? {} : { headers: values.headers }),
        accessKeyId: target.credentials.accessKeyId,
      });
      payload = JSON.stringify(event);
    }
    if (definition.durableConfig !== undefined) {
      const qualifiers = [...(definition.versions ?? []), ...Object.keys(definition.aliases ?? {}), '$LATEST'];
      if (qualifier === undefined) {
        throw new UsageError(
          `${definition.name} is a durable function: name a version or alias to start it with (${qualifiers.map((q) => `${functionQuery}:${q}`).join(', ')}).`,
        );
      }
      const { startAndFollow } = await import('./follow-execution');
      return await startAndFollow(target, qualifiedName, payload, io);
    }
    return await invoke(target, qualifiedName, payload, io);
  } finally {
    await ownStack?.close();
  }
}

function readEvent(source: string, io: InvokeIo): string {
  const text = source === '-' ? io.readStdin() : readFileOrExplain(source);
  try {
    JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--event ${source === '-' ? '- (stdin)' : source}: not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return text;
}

function readFileOrExplain(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--event ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The Invoke API call, as `aws lambda invoke --log-type Tail` makes it. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html */
async function invoke(
  target: { lambdaUrl: string; region: string; credentials: AwsCredentials },
  functionName: string,
  payload: string,
  io: InvokeIo,
): Promise<number> {
  const url = `${target.lambdaUrl}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  const request = { method: 'POST', headers: { 'content-type': 'application/json', 'x-amz-log-type': 'Tail' }, body: payload };
  let response: Response;
  try {
    const { signedFetch } = await import('../sigv4/sign-request');
    response = await signedFetch(url, request, { region: target.region, service: 'lambda', credentials: target.credentials });
  } catch (error) {
    io.stderr.write(
      `Could not call the Invoke API at ${target.lambdaUrl}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}\n`,
    );
    return 3;
  }
  const text = await response.text();
  if (!response.ok) {
    io.stderr.write(`The Lambda service answered ${response.status}: ${text}\n`);
    return response.status >= 500 ? 3 : 2;
  }
  io.stdout.write(`${text}\n`);
  const log = response.headers.get('x-amz-log-result');
  if (log !== null) io.stderr.write(Buffer.from(log, 'base64').toString('utf8'));
  return response.headers.get('x-amz-function-error') === null ? 0 : 1;
}
