/**
 * A command's flags as one declarative table (name, type, default, help, the layer that reads
 * it), from which come the `parseArgs` configuration, the help text, the README's flag list, the
 * defaults and the options object; and old names accepted for one release, each with a line on
 * stderr. The same machinery for every CLI of the local cloud.
 */
import { parseArgs } from 'node:util';

/** Which layer reads a flag's value: the one its part of the options object is handed to. */
export type FlagLayer = 'cli' | 'stack' | 'server' | 'lambda';

interface FlagCommon<Options, Value> {
  /** Without the leading `--`. */
  readonly name: string;
  readonly short?: string;
  readonly layer: FlagLayer;
  /** One sentence or a few; wrapped for the help text. */
  readonly help: string;
  /** Names this flag had, accepted for one release with a line on stderr. */
  readonly renamedFrom?: readonly string[];
  /** Puts the flag's value (the default when not given, if there is one) into the options object. */
  readonly apply: (options: Options, value: Value) => void;
}

/** `--name <value>`, once. */
export interface ValueFlag<Options> extends FlagCommon<Options, string> {
  readonly type: 'string';
  /** e.g. `<n>`, `<dir>`. */
  readonly placeholder: string;
  /** Applied when the flag is not given, and shown in the help text. */
  readonly default?: string;
  /** Said in the help text when the default is computed by the layer that reads the flag. */
  readonly defaultText?: string;
}

/** `--name <value>`, repeatable. */
export interface ListFlag<Options> extends FlagCommon<Options, readonly string[]> {
  readonly type: 'list';
  readonly placeholder: string;
  readonly defaultText?: string;
}

/** `--name` and `--no-name`. */
export interface SwitchFlag<Options> extends FlagCommon<Options, boolean> {
  readonly type: 'boolean';
  readonly default: boolean;
}

export type FlagDefinition<Options> = ValueFlag<Options> | ListFlag<Options> | SwitchFlag<Options>;

/** How the flag reads on a command line: `-c, --context <key=value>`, `--[no-]watch`. */
export function flagSynopsis(flag: FlagDefinition<never>): string {
  const short = flag.short === undefined ? '' : `-${flag.short}, `;
  if (flag.type === 'boolean') return `${short}${flag.default ? `--no-${flag.name}` : `--${flag.name}`}`;
  return `${short}--${flag.name} ${flag.placeholder}`;
}

/** The default as the help text says it, if there is one worth saying. */
export function flagDefault(flag: FlagDefinition<never>): string | undefined {
  if (flag.type === 'boolean') return undefined;
  if (flag.type === 'string' && flag.default !== undefined) return flag.default;
  return flag.defaultText;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

const SYNOPSIS_WIDTH = 30;
const HELP_WIDTH = 100;

/** The flags part of a help text: one entry per flag, the help wrapped beside the synopsis. */
export function flagsHelp(table: readonly FlagDefinition<never>[]): string {
  return table
    .map((flag) => {
      const synopsis = flagSynopsis(flag);
      const fallback = flagDefault(flag);
      const renamed = flag.renamedFrom === undefined ? '' : ` (formerly --${flag.renamedFrom.join(', --')})`;
      const text = `${flag.help}${fallback === undefined ? '' : ` (default ${fallback})`}${renamed}`;
      const [first = '', ...rest] = wrap(text, HELP_WIDTH - SYNOPSIS_WIDTH - 2);
      const head =
        synopsis.length < SYNOPSIS_WIDTH
          ? `  ${synopsis.padEnd(SYNOPSIS_WIDTH)}${first}`
          : `  ${synopsis}\n  ${' '.repeat(SYNOPSIS_WIDTH)}${first}`;
      return [head, ...rest.map((line) => `  ${' '.repeat(SYNOPSIS_WIDTH)}${line}`)].join('\n');
    })
    .join('\n');
}

/** The table as Markdown rows, for the README. */
export function flagsMarkdown(table: readonly FlagDefinition<never>[]): string {
  const markdown = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return [
    '| flag | read by | default | formerly | what it does |',
    '| ---- | ------- | ------- | -------- | ------------ |',
    ...table.map((flag) => {
      const fallback = flagDefault(flag);
      const renamed = (flag.renamedFrom ?? []).map((old) => `\`--${old}\``).join(', ');
      return `| \`${flagSynopsis(flag).replaceAll('|', '\\|')}\` | ${flag.layer} | ${fallback === undefined ? '' : markdown(fallback)} | ${renamed} | ${markdown(flag.help)} |`;
    }),
  ].join('\n');
}

/** Old names to new ones, each said once on `deprecated`. A name that is now a switch is renamed only when a value follows it. */
function renameOldFlags(table: readonly FlagDefinition<never>[], argv: readonly string[], deprecated: (line: string) => void): string[] {
  const switches = new Set(table.filter((flag) => flag.type === 'boolean').map((flag) => flag.name));
  const renames = new Map(table.flatMap((flag) => (flag.renamedFrom ?? []).map((old) => [old, flag.name] as const)));
  const said = new Set<string>();
  const args: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      args.push(...argv.slice(index));
      break;
    }
    const [, old, inline] = /^--([^=]+)(=.*)?$/.exec(arg) ?? [];
    const renamed = old === undefined ? undefined : renames.get(old);
    const next = argv[index + 1];
    const valueFollows = inline !== undefined || (next !== undefined && !next.startsWith('-'));
    if (old === undefined || renamed === undefined || (switches.has(old) && !valueFollows)) {
      args.push(arg);
      continue;
    }
    if (!said.has(old)) {
      said.add(old);
      deprecated(`--${old} is now --${renamed}; the old name is accepted until the next release.\n`);
    }
    args.push(`--${renamed}${inline ?? ''}`);
  }
  return args;
}

/**
 * Parses `argv` by the table into `options` (which holds the values of flags not given, and
 * receives every flag's value, or its default), saying each old name used on `deprecated`.
 * Throws node's `ERR_PARSE_ARGS_*` errors for unknown flags, missing values and, unless
 * `allowPositionals`, positionals.
 */
export function parseFlags<Options>(
  table: readonly FlagDefinition<Options>[],
  argv: readonly string[],
  options: Options,
  deprecated: (line: string) => void,
  allowPositionals = false,
): { readonly options: Options; readonly positionals: readonly string[] } {
  const { values, positionals } = parseArgs({
    args: renameOldFlags(table as readonly FlagDefinition<never>[], argv, deprecated),
    allowNegative: true,
    allowPositionals,
    strict: true,
    options: Object.fromEntries(
      table.map((flag) => [
        flag.name,
        {
          type: flag.type === 'boolean' ? 'boolean' : 'string',
          ...(flag.short === undefined ? {} : { short: flag.short }),
          ...(flag.type === 'list' ? { multiple: true } : {}),
        },
      ]),
    ),
  });
  for (const flag of table) {
    const value = values[flag.name];
    if (flag.type === 'boolean') flag.apply(options, typeof value === 'boolean' ? value : flag.default);
    else if (flag.type === 'list') {
      if (Array.isArray(value)) flag.apply(options, value.map(String));
    } else {
      const given = typeof value === 'string' ? value : flag.default;
      if (given !== undefined) flag.apply(options, given);
    }
  }
  return { options, positionals };
}
