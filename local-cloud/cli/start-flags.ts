/**
 * `npm start`'s flags, one table: each flag's name, type, default, help and the layer that reads
 * it (here the stack's and start.ts's own; lambda-flags.ts and server-flags.ts hold the Lambda
 * service's and the servers'). The parser, `--help`, the README's flag list, the defaults and the
 * options object all come from it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_HOST, DEFAULT_HTTP_API_PORT, DEFAULT_LAMBDA_PORT } from '../core/defaults';
import { UsageError } from '../core/errors';
import { readEnvVarsFile } from '../stack/env-vars-file';
import { DEFAULT_LOG_FILE_BYTES } from '../stack/function-logs';
import { parseContextArguments } from './dev-loop-options';
import { type FlagDefinition, flagsHelp, parseFlags } from './flag-table';
import { LAMBDA_FLAGS } from './lambda-flags';
import { numberFlag } from './number-flag';
import { SERVER_FLAGS } from './server-flags';
import { emptyStartOptions, type StartOptions } from './start-options';

const port = (flag: string) => (raw: string) => numberFlag(flag, raw, 0, 65_535, true);

const STACK_AND_CLI_FLAGS: readonly FlagDefinition<StartOptions>[] = [
  {
    name: 'app',
    type: 'string',
    placeholder: '<dir>',
    layer: 'stack',
    help: "serve the CDK app in <dir> (its cdk.json) instead of this folder's",
    apply: (options, dir) => {
      const projectDirectory = path.resolve(dir);
      if (!existsSync(path.join(projectDirectory, 'cdk.json'))) throw new UsageError(`--app ${dir}: no cdk.json in ${projectDirectory}`);
      options.stack.projectDirectory = projectDirectory;
    },
  },
  {
    name: 'assembly',
    type: 'string',
    placeholder: '<dir>',
    layer: 'stack',
    help: 'serve an already-synthesized cloud assembly as it is (no synthesis)',
    apply: (options, dir) => {
      const cdkOut = path.resolve(dir);
      if (!existsSync(path.join(cdkOut, 'manifest.json')))
        throw new UsageError(
          `--assembly ${dir}: no manifest.json in ${cdkOut}; is it a synthesized cloud assembly (cdk synth --output ${dir})?`,
        );
      options.stack.cdkOut = cdkOut;
    },
  },
  {
    name: 'context',
    short: 'c',
    type: 'list',
    placeholder: '<key=value>',
    layer: 'stack',
    help: 'context for the app, as `cdk -c` (repeatable); on top of cdk.json, cdk.context.json and ~/.cdk.json, read as `cdk synth` reads them',
    apply: (options, assignments) => {
      options.stack.context = parseContextArguments(assignments);
    },
  },
  {
    name: 'env-vars',
    type: 'string',
    placeholder: '<file>',
    layer: 'stack',
    help: 'environment overrides in SAM\'s format: {"Parameters": {...}} for the variables every function declares, {"<function>": {...}} for one',
    apply: (options, file) => {
      options.stack.envVars = readEnvVarsFile(file);
    },
  },
  {
    name: 'host',
    type: 'string',
    placeholder: '<address>',
    layer: 'stack',
    default: DEFAULT_HOST,
    help: 'address both servers listen on; other than loopback only with --allow-remote',
    apply: (options, host) => {
      options.stack.host = host;
    },
  },
  {
    name: 'http-port',
    type: 'string',
    placeholder: '<n>',
    layer: 'stack',
    default: String(DEFAULT_HTTP_API_PORT),
    renamedFrom: ['port'],
    help: "the first HTTP API's port; the next HTTP APIs of the app take the ports after it (0: a free port for each)",
    apply: (options, raw) => {
      options.stack.httpPort = port('http-port')(raw);
    },
  },
  {
    name: 'lambda-port',
    type: 'string',
    placeholder: '<n>',
    layer: 'stack',
    default: String(DEFAULT_LAMBDA_PORT),
    help: "the Lambda Invoke API's port (0: a free port)",
    apply: (options, raw) => {
      options.stack.lambdaPort = port('lambda-port')(raw);
    },
  },
  {
    name: 'allow-remote',
    type: 'boolean',
    default: false,
    layer: 'stack',
    help: 'let --host be other than loopback; needs your own AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (the fixed local ones are refused)',
    apply: (options, allowRemote) => {
      options.stack.allowRemote = allowRemote;
    },
  },
  {
    name: 'invoke-auth',
    type: 'boolean',
    default: true,
    layer: 'stack',
    help: 'accept unsigned Lambda Invoke API requests too (loopback only); by default it verifies SigV4, as Lambda does',
    apply: (options, verify) => {
      options.stack.invokeAuthentication = verify ? 'sigv4' : 'none';
    },
  },
  {
    name: 'inspect',
    type: 'string',
    placeholder: '<function>[=<port>]',
    layer: 'stack',
    help: "start this function's environments with the Node inspector on 127.0.0.1, never --host; with =<port> (e.g. Squarer=9229) its first environment alive listens on that port and the others on free ones; each environment's port is printed as it starts; its timeout waits while a debugger is attached",
    apply: (options, value) => {
      const [, query, rawPort] = /^(.*[^=])=(\d*)$/.exec(value) ?? [];
      if (query === undefined || rawPort === undefined) {
        options.stack.inspect = value;
        return;
      }
      options.stack.inspect = query;
      options.stack.inspectPort = numberFlag('inspect', rawPort, 1, 65_535, true);
    },
  },
  {
    name: 'watch',
    type: 'boolean',
    default: false,
    layer: 'cli',
    help: 're-synthesize when a file in cdk.json\'s "watch" folders changes and replace the changed functions (invocations in flight finish on the old code)',
    apply: (options, watch) => {
      options.cli.watch = watch;
    },
  },
  {
    name: 'logs',
    type: 'boolean',
    default: true,
    layer: 'cli',
    help: "show no function's log lines and no access log on the console (as `npm run square` without --logs); the local cloud's warnings still show, and every line still goes to .local-cloud/logs/<function>.log",
    apply: (options, logs) => {
      options.cli.logs = logs;
    },
  },
  {
    name: 'logs-of',
    type: 'list',
    placeholder: '<function>',
    layer: 'cli',
    renamedFrom: ['logs'],
    help: "show only this function's log lines on the console (repeatable), and hide the access log",
    apply: (options, queries) => {
      options.cli.logsOf = queries;
    },
  },
  {
    name: 'log-file-mb',
    type: 'string',
    placeholder: '<n>',
    layer: 'cli',
    default: String(DEFAULT_LOG_FILE_BYTES / 1_048_576),
    help: "the size at which a function's .local-cloud/logs/<function>.log becomes <function>.log.1 (replacing the one before) and a new file starts",
    apply: (options, raw) => {
      options.cli.logFileMb = numberFlag('log-file-mb', raw, 0.001, 1_000_000);
    },
  },
];

const HELP_FLAG: FlagDefinition<StartOptions> = {
  name: 'help',
  short: 'h',
  type: 'boolean',
  default: false,
  layer: 'cli',
  help: 'this text',
  apply: (options, help) => {
    options.cli.help = help;
  },
};

/** Every flag of `npm start`, in the order `--help` lists them. */
export const START_FLAGS: readonly FlagDefinition<StartOptions>[] = [...STACK_AND_CLI_FLAGS, ...LAMBDA_FLAGS, ...SERVER_FLAGS, HELP_FLAG];

export const START_USAGE = `Usage: npm start -- [options]

Serves the CDK app of this folder locally, from the assets \`cdk deploy\` would upload: synthesized
with the CDK CLI into .local-cloud/cdk.out (never the cdk.out of \`cdk synth\`) when its sources,
cdk.json, cdk.context.json, ~/.cdk.json or -c changed.

Options:
${flagsHelp(START_FLAGS)}

A <function> is its local name, its logical ID, or a part of either or of its construct path.
Every function's log lines also go to .local-cloud/logs/<function name>.log (rotated at --log-file-mb).
SIGINT, SIGTERM and SIGHUP stop the stack, as does the exit of the process that started it.`;

/**
 * `npm start`'s options from its command line; `projectDirectory` is the app served unless
 * `--app` names another. Old flag names are said on `deprecated`; bad usage throws.
 */
export function parseStartFlags(argv: readonly string[], projectDirectory: string, deprecated: (line: string) => void): StartOptions {
  const { options } = parseFlags(START_FLAGS, argv, emptyStartOptions(projectDirectory), deprecated);
  checkWhatToServe(options, projectDirectory);
  const { cli } = options;
  if (!cli.logs && cli.logsOf !== undefined) throw new UsageError("--no-logs shows no function's lines; --logs-of shows some: give one.");
  return options;
}

/** `--app`, `--assembly`, `-c` and `--watch` together, as every command that starts a stack checks them. */
export function checkWhatToServe({ stack, cli }: StartOptions, projectDirectory: string): void {
  if (stack.cdkOut === undefined) return;
  if (stack.projectDirectory !== projectDirectory) throw new UsageError('Give --app or --assembly, not both.');
  if (stack.context !== undefined) throw new UsageError('-c applies to synthesis; --assembly serves an assembly as it is.');
  if (cli.watch) throw new UsageError('--watch re-synthesizes the app; --assembly serves an assembly as it is.');
}
