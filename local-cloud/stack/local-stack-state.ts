/**
 * Where each running local stack records its endpoints (`.local-cloud/stacks/<pid>.json`, one file
 * per stack, so two stacks in one folder never overwrite each other), and how other commands find
 * one: kept apart from the stack itself so that a client loads only this.
 */

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { UsageError } from '../core/errors';
import { isAlive } from '../core/process-alive';
import type { AwsCredentials } from '../sigv4/verifier';

/** What a running local stack offers, and what its state file records. */
export interface LocalStackEndpoints {
  /** The first HTTP API's URL; absent when the assembly has no HTTP API. */
  readonly httpApiUrl?: string;
  /** Every HTTP API's URL, by the API's name. */
  readonly httpApiUrls?: Readonly<Record<string, string>>;
  readonly lambdaUrl: string;
  /** The cloud assembly served, so a client can find a function by a part of its name. */
  readonly assemblyDirectory?: string;
  readonly region: string;
  /** The fixed local credentials; absent when the stack accepts the environment's, which are never written down. */
  readonly credentials?: AwsCredentials;
  readonly pid: number;
}

/** Names the stack to use, by its process ID, when several answer. */
export const STACK_CHOICE_VARIABLE = 'LOCAL_CLOUD_STACK';

/** Several stacks answer and none was chosen: the message lists them and says how to choose. */
export class AmbiguousLocalStackError extends UsageError {}

/** How long a stack's port may take to accept a connection before it is taken as not serving. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * Whether something listens on the stack's port: a TCP connection, closed at once, and no HTTP
 * request, so that finding the stack leaves no line (a `GET /` answered 404) in its access log.
 * With the state file's process alive, a listener on its port is the stack.
 */
function answers(endpoints: LocalStackEndpoints): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(endpoints.httpApiUrl ?? endpoints.lambdaUrl);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port || 80), url.hostname.replace(/^\[|\]$/g, ''));
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Every local stack `npm start` is serving for this project: each state file that names a live
 * process whose HTTP API answers. A file whose process is gone (killed with SIGKILL, say) is
 * removed on the way.
 */
export async function readRunningLocalStacks(projectDirectory: string): Promise<LocalStackEndpoints[]> {
  const directory = stacksDirectoryOf(projectDirectory);
  if (!existsSync(directory)) return [];
  const candidates: LocalStackEndpoints[] = [];
  for (const name of readdirSync(directory)) {
    if (!/^\d+\.json$/.test(name)) continue;
    const file = path.join(directory, name);
    let endpoints: LocalStackEndpoints;
    try {
      endpoints = JSON.parse(readFileSync(file, 'utf8')) as LocalStackEndpoints;
    } catch {
      continue;
    }
    if (!isAlive(endpoints.pid)) {
      rmSync(file, { force: true });
      continue;
    }
    candidates.push(endpoints);
  }
  const answering = await Promise.all(candidates.map(async (endpoints) => ((await answers(endpoints)) ? endpoints : undefined)));
  return answering.filter((endpoints) => endpoints !== undefined).sort((a, b) => a.pid - b.pid);
}

/**
 * The local stack to use: the one that answers; with several, the one `LOCAL_CLOUD_STACK=<pid>`
 * names, or an {@link AmbiguousLocalStackError} that lists them.
 */
export async function readRunningLocalStack(
  projectDirectory: string,
  choice = process.env[STACK_CHOICE_VARIABLE],
): Promise<LocalStackEndpoints | undefined> {
  const running = await readRunningLocalStacks(projectDirectory);
  if (choice !== undefined && choice !== '') {
    const chosen = running.find((endpoints) => String(endpoints.pid) === choice.trim());
    if (chosen === undefined) {
      throw new AmbiguousLocalStackError(
        `${STACK_CHOICE_VARIABLE}=${choice} names no running local stack of this folder.${listing(running)}`,
      );
    }
    return chosen;
  }
  if (running.length <= 1) return running[0];
  throw new AmbiguousLocalStackError(
    `${running.length} local stacks of this folder are running; choose one with ${STACK_CHOICE_VARIABLE}=<pid>.${listing(running)}`,
  );
}

function listing(running: readonly LocalStackEndpoints[]): string {
  if (running.length === 0) return ' None is running.';
  return `\n${running.map((endpoints) => `  ${STACK_CHOICE_VARIABLE}=${endpoints.pid}   HTTP API ${endpoints.httpApiUrl}, Lambda ${endpoints.lambdaUrl}`).join('\n')}`;
}

/** Where the state files live instead of the project's `.local-cloud/stacks`: for tests that run stacks side by side. */
export const STACKS_DIRECTORY_VARIABLE = 'LOCAL_CLOUD_STACKS_DIR';

export function stacksDirectoryOf(projectDirectory: string): string {
  return process.env[STACKS_DIRECTORY_VARIABLE] || path.join(projectDirectory, '.local-cloud', 'stacks');
}

/** The state file of the stack served by process `pid`. */
export function stateFileOf(projectDirectory: string, pid: number = process.pid): string {
  return path.join(stacksDirectoryOf(projectDirectory), `${pid}.json`);
}
