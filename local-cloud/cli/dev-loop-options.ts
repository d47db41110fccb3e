/**
 * The development-loop options of `npm start` (which app, which context, which overrides, watch,
 * logs, debugger): their `parseArgs` configuration, their help text and their checks, apart from
 * `start.ts` so each command that starts a local stack can share them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type EnvVarsDocument, readEnvVarsFile } from '../stack/env-vars-file';

export const DEV_LOOP_PARSE_OPTIONS = {
  app: { type: 'string' },
  assembly: { type: 'string' },
  context: { type: 'string', short: 'c', multiple: true },
  'env-vars': { type: 'string' },
  watch: { type: 'boolean', default: false },
  logs: { type: 'string', multiple: true },
  inspect: { type: 'string' },
} as const;

export const DEV_LOOP_USAGE = `  --app <dir>               serve the CDK app in <dir> (its cdk.json) instead of this folder's
  --assembly <dir>          serve an already-synthesized cloud assembly as it is (no synthesis)
  -c, --context <key=value> context for the app, as \`cdk -c\` (repeatable); on top of cdk.json,
                            cdk.context.json and ~/.cdk.json, which are read as \`cdk synth\` reads them
  --env-vars <file>         environment overrides in SAM's format: {"Parameters": {...}} for the
                            variables every function declares, {"<function>": {...}} for one
  --watch                   re-synthesize when a file in cdk.json's "watch" folders changes and
                            replace the changed functions (invocations in flight finish on the old code)
  --logs <function>         show only this function's log lines (repeatable; the access log is hidden)
  --inspect <function>      start this function's environments with the Node inspector on 127.0.0.1
                            (port in its log, never --host); its timeout waits while a debugger is attached
A <function> is its local name, its logical ID, or a part of either or of its construct path.
Every function's log lines also go to .local-cloud/logs/<function name>.log.`;

export interface DevLoopValues {
  readonly app?: string | undefined;
  readonly assembly?: string | undefined;
  readonly context?: readonly string[] | undefined;
  readonly 'env-vars'?: string | undefined;
  readonly watch?: boolean | undefined;
  readonly logs?: readonly string[] | undefined;
  readonly inspect?: string | undefined;
}

export interface DevLoopSettings {
  /** The folder with the app's cdk.json (where `.local-cloud/` goes too). */
  readonly projectDirectory: string;
  /** An assembly to serve without synthesizing. */
  readonly cdkOut?: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly envVars?: EnvVarsDocument;
  readonly watch: boolean;
  /** Functions whose lines alone are shown. */
  readonly logs?: readonly string[];
  readonly inspect?: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Checks the options; `defaultProject` is this folder's app. */
export function devLoopSettings(values: DevLoopValues, defaultProject: string): DevLoopSettings {
  if (values.app !== undefined && values.assembly !== undefined) throw new UsageError('Give --app or --assembly, not both.');
  const projectDirectory = values.app === undefined ? defaultProject : path.resolve(values.app);
  if (values.app !== undefined && !existsSync(path.join(projectDirectory, 'cdk.json'))) {
    throw new UsageError(`--app ${values.app}: no cdk.json in ${projectDirectory}`);
  }
  const cdkOut = values.assembly === undefined ? undefined : path.resolve(values.assembly);
  if (cdkOut !== undefined && !existsSync(path.join(cdkOut, 'manifest.json'))) {
    throw new UsageError(
      `--assembly ${values.assembly}: no manifest.json in ${cdkOut}; is it a synthesized cloud assembly (cdk synth --output ${values.assembly})?`,
    );
  }
  const context = parseContextArguments(values.context ?? []);
  if (cdkOut !== undefined && Object.keys(context).length > 0)
    throw new UsageError('-c applies to synthesis; --assembly serves an assembly as it is.');
  if (cdkOut !== undefined && values.watch) throw new UsageError('--watch re-synthesizes the app; --assembly serves an assembly as it is.');
  return {
    projectDirectory,
    ...(cdkOut === undefined ? {} : { cdkOut }),
    ...(Object.keys(context).length === 0 ? {} : { context }),
    ...(values['env-vars'] === undefined ? {} : { envVars: readEnvVarsFile(values['env-vars']) }),
    watch: values.watch ?? false,
    ...(values.logs === undefined || values.logs.length === 0 ? {} : { logs: values.logs }),
    ...(values.inspect === undefined ? {} : { inspect: values.inspect }),
  };
}

/** `key=value` pairs, as the CDK CLI reads them: the value is everything after the first `=`, a string. */
export function parseContextArguments(assignments: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw new UsageError(`-c ${assignment}: expected key=value`);
    const key = assignment.slice(0, equals);
    // The CLI refuses these too: they are the CDK's own.
    if (key.startsWith('aws:')) throw new UsageError(`-c ${assignment}: keys prefixed with "aws:" are reserved for the CDK`);
    context[key] = assignment.slice(equals + 1);
  }
  return context;
}
