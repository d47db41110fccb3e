/**
 * Where a running local stack records its endpoints (`.local-cloud/state.json`), and how other
 * commands find it: kept apart from the stack itself so that a client loads only this.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AwsCredentials } from './http-api/sigv4-verifier';

/** What a running local stack offers, and what `.local-cloud/state.json` records. */
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

/**
 * The endpoints of a local stack that `npm start` is serving for this project, if one is: its
 * state file names a live process whose HTTP API answers.
 */
export async function readRunningLocalStack(projectDirectory: string): Promise<LocalStackEndpoints | undefined> {
  const stateFile = stateFileOf(projectDirectory);
  if (!existsSync(stateFile)) return undefined;
  let endpoints: LocalStackEndpoints;
  try {
    endpoints = JSON.parse(readFileSync(stateFile, 'utf8')) as LocalStackEndpoints;
    process.kill(endpoints.pid, 0);
  } catch {
    return undefined;
  }
  try {
    // Any HTTP answer (a 404 for the root) shows the API is up.
    await fetch(endpoints.httpApiUrl ?? endpoints.lambdaUrl, { signal: AbortSignal.timeout(2000) });
    return endpoints;
  } catch {
    return undefined;
  }
}

export function stateFileOf(projectDirectory: string): string {
  return path.join(projectDirectory, '.local-cloud', 'state.json');
}

