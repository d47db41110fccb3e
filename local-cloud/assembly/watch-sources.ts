/**
 * `npm start -- --watch`: watches the app's sources as `cdk watch` does (`cdk.json`'s
 * `watch.include`, less `watch.exclude`; see app-sources.ts) and calls back once a burst of changes
 * has settled. Reloads never overlap: a change during one runs one more after it.
 *
 * chokidar watches folders, not files, so a file replaced by a rename (editors' atomic saves,
 * `sed -i`, `git checkout`, `git stash`) is seen every time; Node's own recursive `fs.watch` on
 * Linux follows the replaced file's inode and misses every later save.
 */
import path from 'node:path';
import { watch } from 'chokidar';
import { appSources } from './app-sources';

export interface WatchSourcesOptions {
  readonly projectDirectory: string;
  /** Runs after changes; a rejection is the caller's to report (it is logged here otherwise). */
  readonly onChange: (changedFiles: readonly string[]) => Promise<void>;
  /** Quiet time before a burst of changes counts as one. @default 300 */
  readonly settleMs?: number;
}

export interface SourceWatcher {
  /** The folders and files watched, relative to the project (`.` for the whole folder); empty when cdk.json names none. */
  readonly watched: readonly string[];
  /** Resolves once the initial scan is done: changes from then on are seen. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function watchSources(options: WatchSourcesOptions): SourceWatcher {
  const { projectDirectory } = options;
  const sources = appSources(projectDirectory);
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
  const relativeOf = (file: string) => path.relative(projectDirectory, path.resolve(projectDirectory, file));
  const watcher = watch(
    sources.roots.map((root) => path.join(projectDirectory, root)),
    {
      ignoreInitial: true,
      // Before chokidar knows what a path is, only exclusions apply, so that it can enter folders.
      ignored: (file, stats) => sources.ignores(relativeOf(file), stats?.isFile() ?? false),
    },
  );
  watcher.on('all', (_event, file) => {
    pending.add(relativeOf(file));
    clearTimeout(timer);
    timer = setTimeout(run, options.settleMs ?? 300);
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    watched: sources.roots,
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
