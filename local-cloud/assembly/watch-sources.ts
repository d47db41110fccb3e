/**
 * `npm start -- --watch`: watches the folders of `cdk.json`'s `watch.include` (as `cdk watch`
 * does), less `watch.exclude`, and calls back once a burst of changes has settled. Reloads never
 * overlap: a change during one runs one more after it.
 * https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-watch.html
 */
import { existsSync, type FSWatcher, statSync, watch } from 'node:fs';
import path from 'node:path';
import { readCdkJson } from './synthesize';

export interface WatchSourcesOptions {
  readonly projectDirectory: string;
  /** Runs after changes; a rejection is the caller's to report (it is logged here otherwise). */
  readonly onChange: (changedFiles: readonly string[]) => Promise<void>;
  /** Quiet time before a burst of changes counts as one. @default 300 */
  readonly settleMs?: number;
}

export interface SourceWatcher {
  /** The folders and files watched, relative to the project. */
  readonly watched: readonly string[];
  close(): void;
}

/** Folders never watched, whatever cdk.json says: output and dependencies. */
const NEVER_WATCHED = /(^|\/)(node_modules|cdk\.out|\.local-cloud|\.git)(\/|$)/;

export function watchSources(options: WatchSourcesOptions): SourceWatcher {
  const cdkJson = readCdkJson(options.projectDirectory);
  const excluded = cdkJson.watchExclude.map(globToRegExp);
  const watched = [...new Set(cdkJson.watchFolders)].filter((item) => existsSync(path.join(options.projectDirectory, item)));
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const run = () => {
    timer = undefined;
    if (running !== undefined) return;
    const files = [...pending];
    pending.clear();
    running = options
      .onChange(files)
      .catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      })
      .finally(() => {
        running = undefined;
        if (pending.size > 0) run();
      });
  };
  const onEvent = (base: string) => (_event: string, file: string | Buffer | null) => {
    const relative = file === null ? base : path.join(base, file.toString());
    if (NEVER_WATCHED.test(relative) || excluded.some((pattern) => pattern.test(relative))) return;
    pending.add(relative);
    clearTimeout(timer);
    timer = setTimeout(run, options.settleMs ?? 300);
  };
  const watchers: FSWatcher[] = watched.map((item) => {
    const absolute = path.join(options.projectDirectory, item);
    // A single file (`app.ts`) reports its own name; a folder reports paths inside it.
    const isFolder = statSync(absolute).isDirectory();
    return watch(absolute, { recursive: isFolder }, onEvent(isFolder ? item : path.dirname(item)));
  });
  return {
    watched,
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** `**\/*.test.ts` → a RegExp on project-relative paths; `*` stays within a folder, `**` crosses them. */
function globToRegExp(glob: string): RegExp {
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
