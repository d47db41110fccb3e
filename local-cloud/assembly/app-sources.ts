/**
 * What a CDK app is built from, as `cdk.json`'s `watch` says and `cdk watch` reads it: the files
 * matched by `watch.include`, less `watch.exclude` and what the CDK never watches (its output,
 * dependencies and dot files). `"include": ["**"]`, which `cdk init` writes, is the whole app folder.
 * https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-watch.html
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CdkJson {
  readonly app: string;
  /** `watch.include` and `watch.exclude` as written. */
  readonly watchInclude: readonly string[];
  readonly watchExclude: readonly string[];
}

export function readCdkJson(projectDirectory: string): CdkJson {
  const file = path.join(projectDirectory, 'cdk.json');
  if (!existsSync(file)) throw new Error(`${projectDirectory} has no cdk.json: is it a CDK app?`);
  const document: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof document !== 'object' || document === null || !('app' in document) || typeof document.app !== 'string') {
    throw new Error(`${file} has no "app" command`);
  }
  const watch = 'watch' in document && typeof document.watch === 'object' && document.watch !== null ? document.watch : {};
  const strings = (value: unknown): string[] =>
    (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).filter((item): item is string => typeof item === 'string');
  return {
    app: document.app,
    watchInclude: strings('include' in watch ? watch.include : undefined),
    watchExclude: strings('exclude' in watch ? watch.exclude : undefined),
  };
}

export interface AppSources {
  /** The files and folders to watch, relative to the project (`.` for the whole folder); only those that exist. */
  readonly roots: readonly string[];
  /**
   * Whether a project-relative path is not a source: never one, excluded, or (a file) matched by no
   * include. A folder, or a path not known to be a file, is kept unless excluded, so the walk can enter it.
   */
  ignores(relative: string, isFile?: boolean): boolean;
}

/** The output, dependencies and dot files (`.git`, `.local-cloud`): never sources, whatever cdk.json says. */
const NEVER_SOURCES = /(^|\/)(node_modules|cdk\.out|\.[^/]+)(\/|$)/;
/** Read by the CDK CLI on every synth (context) or changed by every install: always part of the hash. */
const ALWAYS_HASHED = ['cdk.json', 'cdk.context.json', 'package-lock.json'];

export function appSources(projectDirectory: string, cdkJson = readCdkJson(projectDirectory)): AppSources {
  const included = cdkJson.watchInclude.map(globToRegExp);
  const excluded = cdkJson.watchExclude.map(globToRegExp);
  // A pattern matches a path or one of its folders: "test" excludes test/a.ts, "lib/**" includes lib.
  const matchesOrAncestor = (patterns: readonly RegExp[], relative: string) => {
    for (let current = relative; current !== '.' && current !== ''; current = path.posix.dirname(current)) {
      if (patterns.some((pattern) => pattern.test(current))) return true;
    }
    return false;
  };
  const roots = cdkJson.watchInclude
    .map(staticPrefix)
    .filter((root, index, all) => all.indexOf(root) === index && existsSync(path.join(projectDirectory, root)));
  return {
    roots: roots.filter((root) => !roots.some((other) => other !== root && isInside(root, other))),
    ignores: (relative, isFile = false) => {
      const normalized = relative.split(path.sep).join('/');
      if (normalized === '' || normalized === '.') return false;
      if (NEVER_SOURCES.test(normalized) || matchesOrAncestor(excluded, normalized)) return true;
      return isFile && !matchesOrAncestor(included, normalized);
    },
  };
}

/** A hash of everything the assembly is made from: the sources, the CLI's context files, the lockfile, extra context. */
export function sourceHash(projectDirectory: string, extraContext: unknown): string {
  const sources = appSources(projectDirectory);
  const hash = createHash('sha256');
  hash.update(JSON.stringify(extraContext ?? {}));
  // The CLI reads the user's context too: a change there is a change of the assembly.
  const userConfig = path.join(os.homedir(), '.cdk.json');
  if (existsSync(userConfig)) hash.update(readFileSync(userConfig));
  const seen = new Set<string>();
  const visit = (relative: string, always: boolean) => {
    const absolute = path.join(projectDirectory, relative);
    if (seen.has(relative) || !existsSync(absolute)) return;
    const isFolder = statSync(absolute).isDirectory();
    if (!always && sources.ignores(relative, !isFolder)) return;
    seen.add(relative);
    if (isFolder) {
      for (const entry of readdirSync(absolute).sort()) visit(path.posix.join(relative === '.' ? '' : relative, entry), false);
      return;
    }
    hash.update(relative);
    hash.update(readFileSync(absolute));
  };
  for (const file of ALWAYS_HASHED) visit(file, true);
  for (const root of sources.roots) visit(root, root === '.');
  return hash.digest('hex');
}

/** `lib/**` → `lib`, `bin/*.ts` → `bin`, `**` → `.`, `app.ts` → `app.ts`. */
function staticPrefix(glob: string): string {
  const segments = glob.split('/');
  const firstWild = segments.findIndex((segment) => /[*?[{]/.test(segment));
  const prefix = (firstWild === -1 ? segments : segments.slice(0, firstWild)).join('/');
  return prefix === '' ? '.' : prefix;
}

function isInside(child: string, parent: string): boolean {
  return parent === '.' || child.startsWith(`${parent}/`);
}

/** `**\/*.test.ts` → a RegExp on project-relative paths; `*` stays within a folder, `**` crosses them. */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index] ?? '';
    if (glob.startsWith('**/', index)) {
      pattern += '(?:.*/)?';
      index += 2;
    } else if (glob.startsWith('**', index)) {
      pattern += '.*';
      index += 1;
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}
