/**
 * `npm run invoke`'s flags, one table as `npm start`'s: its own (the event, or the HTTP request
 * to build it from) and, shared with `npm start` entry for entry so that they mean the same in
 * both, the flags that say which app to serve (`--app`, `--assembly`, `-c`, `--env-vars`) and `--help`.
 */
import { type FlagDefinition, flagsHelp, parseFlags } from './flag-table';
import { checkWhatToServe, START_FLAGS } from './start-flags';
import { emptyStartOptions, type StartOptions } from './start-options';

/** `npm start`'s options object, with a part of invoke's own. */
export type InvokeOptions = StartOptions & {
  readonly invoke: { event?: string; http?: string; body?: string; headers?: readonly string[] };
};

const SHARED_WITH_START: ReadonlySet<string> = new Set(['app', 'assembly', 'context', 'env-vars', 'allow-old-node', 'help']);

export const INVOKE_FLAGS: readonly FlagDefinition<InvokeOptions>[] = [
  {
    name: 'event',
    type: 'string',
    placeholder: '<file>',
    layer: 'cli',
    defaultText: '{}',
    help: 'the event (JSON) from a file; `--event -` reads it from stdin',
    apply: (options, file) => {
      options.invoke.event = file;
    },
  },
  {
    name: 'http',
    type: 'string',
    placeholder: "'<METHOD> <path>'",
    layer: 'cli',
    help: "build the payload 2.0 event the HTTP API sends for this request (e.g. --http 'POST /square'), on the route that integrates the function",
    apply: (options, request) => {
      options.invoke.http = request;
    },
  },
  {
    name: 'body',
    type: 'string',
    placeholder: '<text>',
    layer: 'cli',
    help: "the request's body, with --http",
    apply: (options, body) => {
      options.invoke.body = body;
    },
  },
  {
    name: 'header',
    type: 'list',
    placeholder: "'name: value'",
    layer: 'cli',
    help: 'a request header, with --http (repeatable)',
    apply: (options, headers) => {
      options.invoke.headers = headers;
    },
  },
  ...START_FLAGS.filter((flag) => SHARED_WITH_START.has(flag.name)),
];

export const INVOKE_FLAGS_HELP = flagsHelp(INVOKE_FLAGS);

/** `npm run invoke`'s options and its positionals (the function) from its command line. */
export function parseInvokeFlags(
  argv: readonly string[],
  projectDirectory: string,
  deprecated: (line: string) => void,
): { readonly options: InvokeOptions; readonly positionals: readonly string[] } {
  const empty: InvokeOptions = { ...emptyStartOptions(projectDirectory), invoke: {} };
  const parsed = parseFlags(INVOKE_FLAGS, argv, empty, deprecated, true);
  checkWhatToServe(parsed.options, projectDirectory);
  return parsed;
}
