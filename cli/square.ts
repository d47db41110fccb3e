/** `npm run square`: {@link run} on this process's arguments and streams (see cli/square-command.ts). */
import { readFileSync } from 'node:fs';
import { run } from './square-command';

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => readFileSync(0, 'utf8'),
  env: process.env,
});
