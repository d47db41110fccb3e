/**
 * Who can reach a local stack. On loopback, only this machine; anything else must be asked for
 * (`--allow-remote`), and then only with credentials of the user's own: the fixed local ones are
 * printed in the README for anyone to read, and an unsigned Invoke API would let the network run
 * any function (the coordinator too, with a forged API Gateway event that skips the HTTP API's auth).
 */
import net from 'node:net';
import type { AwsCredentials } from '../sigv4/verifier';
import type { ServerLimits } from './server-limits';

/** What a stack exposes, and how: the options `startLocalStack` takes for it. */
export interface ExposureOptions {
  /** Listen on an address other than loopback. @default false */
  readonly allowRemote?: boolean;
  /** Whether the Invoke API verifies SigV4 (`none`: `--no-invoke-auth`, loopback only). @default 'sigv4' */
  readonly invokeAuthentication?: 'sigv4' | 'none';
  /** The HTTP API's timeouts and caps. @default see local-cloud/server/server-limits.ts */
  readonly httpApiLimits?: Partial<ServerLimits>;
  /** The Invoke API's timeouts and caps. @default see local-cloud/server/server-limits.ts */
  readonly invokeApiLimits?: Partial<ServerLimits>;
  /** Told when a server limit binds. @default stderr */
  readonly onLimit?: (message: string) => void;
}

/** `127.0.0.0/8`, `::1`, their IPv4-mapped forms, and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (address === 'localhost') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (net.isIPv4(v4)) return v4.startsWith('127.');
  if (net.isIPv6(address)) return address === '::1' || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(address);
  return false;
}

const OWN_CREDENTIALS_HINT =
  'Give credentials of your own in the environment, e.g. ' +
  '`AWS_ACCESS_KEY_ID=AKIA$(openssl rand -hex 8 | tr a-f A-F) AWS_SECRET_ACCESS_KEY=$(openssl rand -base64 30) npm start -- --host 0.0.0.0 --allow-remote`, ' +
  'and sign with the same pair on the client.';

/**
 * Throws, saying what to do, unless the stack may listen on `host` with these settings.
 * `fixedCredentials`: the local ones the README prints.
 */
export function checkExposure(host: string, credentials: AwsCredentials, fixedCredentials: AwsCredentials, options: ExposureOptions): void {
  if (isLoopbackHost(host)) return;
  if (options.allowRemote !== true) {
    throw new Error(
      `--host ${host} would open the HTTP API and the Lambda Invoke API to the network. ` +
        `Pass --allow-remote to mean it. ${OWN_CREDENTIALS_HINT}`,
    );
  }
  if (credentials.accessKeyId === fixedCredentials.accessKeyId || credentials.secretAccessKey === fixedCredentials.secretAccessKey) {
    throw new Error(
      `--allow-remote refuses the fixed local credentials (${fixedCredentials.accessKeyId}): they are printed in the README. ${OWN_CREDENTIALS_HINT}`,
    );
  }
  if (options.invokeAuthentication === 'none') {
    throw new Error('--no-invoke-auth is for loopback only: with --allow-remote anyone on the network could invoke any function.');
  }
}
