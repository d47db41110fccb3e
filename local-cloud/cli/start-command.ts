/**
 * `npm start` (`local-cloud start`): synthesize the CDK app if its sources changed, then serve it
 * locally: the HTTP API on 127.0.0.1:3000 and the Lambda Invoke API on 127.0.0.1:3001 (flags
 * change both), until Ctrl-C.
 *
 * The command as a function, {@link runStart}`(argv, cwd) → exit code`, so that both `cli/start.ts`
 * (`npm start` in this repository) and the package's bin (`cli/local-cloud.ts`) run it.
 */

import path from 'node:path';
import { selectFunction } from '../assembly/function-selector';
import { watchSources } from '../assembly/watch-sources';
import { batchedLineWriter, createFunctionLogSink } from '../stack/function-logs';
import { type RunningLocalStack, startLocalStack } from '../stack/local-stack';
import { watchProcessLifecycle } from './lifecycle';
import { startBanner } from './start-banner';
import { parseStartFlags, START_USAGE } from './start-flags';
import { localStackOptionsOf } from './start-options';

/**
 * Starts serving and resolves once the stack is up (0) or could not start (1, the reason on
 * stderr); the stack then serves until a signal or the parent's exit stops the process.
 */
export async function runStart(argv: readonly string[], cwd: string): Promise<number> {
  try {
    await main(argv, cwd);
    return 0;
  } catch (error) {
    const inUse = error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      inUse
        ? `${message}\nIs another \`npm start\` running? Stop it, or choose other ports: npm start -- --http-port 4000 --lambda-port 4001\n`
        : `${message}\n`,
    );
    return 1;
  }
}

async function main(argv: readonly string[], cwd: string): Promise<void> {
  const lifecycle = watchProcessLifecycle((line) => process.stderr.write(line));
  // The app of the folder npm runs its scripts in (the one with package.json and cdk.json), or --app's.
  const options = parseStartFlags(argv, cwd, (line) => process.stderr.write(line));
  const { cli } = options;
  if (cli.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return;
  }
  const { projectDirectory } = options.stack;
  const stderrLines = batchedLineWriter(process.stderr);
  // Every function's, unless --no-logs (none) or --logs-of (those, filled once the assembly is loaded
  // and the names can be resolved; nothing of a function is logged before).
  const shownFunctions = cli.logs && cli.logsOf === undefined ? undefined : new Set<string>();
  const functionLogs = createFunctionLogSink({
    directory: path.join(projectDirectory, '.local-cloud', 'logs'),
    console: stderrLines,
    ...(cli.logFileMb === undefined ? {} : { maxFileBytes: Math.round(cli.logFileMb * 1_048_576) }),
    ...(shownFunctions === undefined ? {} : { only: shownFunctions }),
  });
  const startedAt = performance.now();
  const stack = await startLocalStack({
    ...localStackOptionsOf(options),
    logSink: functionLogs.write,
    ...(shownFunctions === undefined ? { accessLog: (line: string) => stderrLines(`[access] ${line}`) } : {}),
    onSynthesized: (synthesized) =>
      process.stderr.write(
        synthesized
          ? 'Synthesized the app into .local-cloud/cdk.out.\n'
          : '.local-cloud/cdk.out is up to date with the sources and context.\n',
      ),
  });
  const readyMs = Math.round(performance.now() - startedAt);
  try {
    for (const query of cli.logsOf ?? []) shownFunctions?.add(selectFunction(stack.assembly.functions, query).name);
  } catch (error) {
    await stack.close();
    throw error;
  }

  process.stdout.write(startBanner(stack, { readyMs, invokeAuthentication: options.stack.invokeAuthentication, shownFunctions }));
  const watcher = cli.watch ? startWatching(projectDirectory, stack) : undefined;
  lifecycle.onStop(async () => {
    watcher?.close();
    await stack.close();
    await functionLogs.close();
  });
}

/** `--watch`: one line per reload naming what changed; a failed synthesis keeps the old code serving. */
function startWatching(projectDirectory: string, stack: RunningLocalStack) {
  const watcher = watchSources({
    projectDirectory,
    onChange: async (files) => {
      process.stderr.write(`[watch] ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''} changed\n`);
      try {
        const { replaced, needsRestart, how, reason, durationMs } = await stack.reload(files);
        const took = `${how === 'rebundled' ? 'rebundled only the function code' : `synthesized the app (${reason ?? 'sources changed'})`} in ${(durationMs / 1000).toFixed(2)} s`;
        process.stderr.write(
          `[watch] ${replaced.length === 0 ? 'no function changed' : `replaced ${replaced.join(', ')}: new invocations run the new code`}` +
            `; ${took}${needsRestart.length === 0 ? '' : `; restart to apply: ${needsRestart.join('; ')}`}\n`,
        );
      } catch (error) {
        process.stderr.write(
          `[watch] synthesis failed; still serving the previous code:\n${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    },
  });
  void watcher.ready.then(() =>
    process.stderr.write(
      watcher.watched.length === 0
        ? "[watch] watching nothing: cdk.json's watch.include names no file or folder that exists, so no edit will be seen\n"
        : `[watch] watching ${watcher.watched.join(', ')} for changes\n`,
    ),
  );
  return watcher;
}
