/** `npm run invoke`: {@link runInvoke} on this process's arguments, streams and working folder (see cli/invoke-command.ts). */
import { readFileSync } from 'node:fs';
import { runInvoke } from './invoke-command';

process.exitCode = await runInvoke(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => readFileSync(0, 'utf8'),
  cwd: process.cwd(),
});
