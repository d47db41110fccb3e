/**
 * `local-cloud <command>`: the package's bin, one command per subcommand (`start`, `invoke`), each
 * with the flags and help of its `npm start` / `npm run invoke` form in this repository.
 *
 * The dispatcher as a function, {@link runLocalCloud}`(argv, io) → exit code`, so that its tests
 * call it in process; `cli/local-cloud.ts` runs it on the process's own streams.
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../core/package-files';
import type { InvokeIo } from './invoke-command';

export const LOCAL_CLOUD_USAGE = `Usage: local-cloud <command> [options]

Serves a CDK app's Lambda functions and HTTP APIs on this machine, without Docker, from the
assets \`cdk deploy\` would upload. Run it in the app's folder (the one with cdk.json).

Commands:
  start    synthesize the app if its sources changed and serve it until Ctrl-C (local-cloud start --help)
  invoke   invoke one function of the app once, on a running \`local-cloud start\` or a stack of its own (local-cloud invoke --help)

Options:
  -h, --help     this text
  -v, --version  the package's version`;

/** What each command runs; loaded only when chosen, so that `--help` loads no server code. */
const COMMANDS = {
  start: async (argv: readonly string[], io: InvokeIo) => (await import('./start-command')).runStart(argv, io.cwd),
  invoke: async (argv: readonly string[], io: InvokeIo) => (await import('./invoke-command')).runInvoke(argv, io),
} as const;

/** `local-cloud ...argv`: resolves with the exit status (2 on an unknown or missing command). */
export async function runLocalCloud(argv: readonly string[], io: InvokeIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(`${LOCAL_CLOUD_USAGE}\n`);
    return 0;
  }
  if (command === '-v' || command === '--version') {
    const { version } = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
    io.stdout.write(`${version}\n`);
    return 0;
  }
  if (command === 'start' || command === 'invoke') return COMMANDS[command](rest, io);
  io.stderr.write(`${command === undefined ? 'Name a command.' : `Unknown command: ${command}.`}\n\n${LOCAL_CLOUD_USAGE}\n`);
  return 2;
}
