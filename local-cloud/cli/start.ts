/** `npm start`: {@link runStart} on this process's arguments and working folder (see cli/start-command.ts). */
import { runStart } from './start-command';

process.exitCode = await runStart(process.argv.slice(2), process.cwd());
