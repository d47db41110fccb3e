#!/usr/bin/env node
/** The package's bin, `local-cloud`: {@link runLocalCloud} on this process's arguments, streams and working folder. */
import { readFileSync } from 'node:fs';
import { runLocalCloud } from './local-cloud-command';

process.exitCode = await runLocalCloud(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => readFileSync(0, 'utf8'),
  cwd: process.cwd(),
});
