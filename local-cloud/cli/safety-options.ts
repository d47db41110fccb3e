/**
 * `npm start`'s flags for who may reach the stack and the servers' limits, parsed apart from
 * start.ts so each concern keeps its own module.
 */

import type { ExposureOptions } from '../server/remote-access';
import type { ServerLimits } from '../server/server-limits';
import {
  DEFAULT_BODY_IDLE_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_HTTP_API_MAX_CONNECTIONS,
  DEFAULT_INVOKE_API_MAX_CONNECTIONS,
  DEFAULT_MAX_BUFFERED_BYTES,
} from '../server/server-limits';
import { optionalNumberFlag } from './number-flag';

/** For `parseArgs`' `options`. */
export const SAFETY_FLAGS = {
  'allow-remote': { type: 'boolean' },
  'no-invoke-auth': { type: 'boolean' },
  'headers-timeout-ms': { type: 'string' },
  'body-timeout-ms': { type: 'string' },
  'max-connections': { type: 'string' },
  'lambda-max-connections': { type: 'string' },
  'max-buffered-mb': { type: 'string' },
  'lambda-max-buffered-mb': { type: 'string' },
} as const;

const MB = 1024 * 1024;

export const SAFETY_USAGE = `  --allow-remote            let --host be other than loopback; needs your own AWS_ACCESS_KEY_ID and
                            AWS_SECRET_ACCESS_KEY in the environment (the fixed local ones are refused)
  --no-invoke-auth          accept unsigned Lambda Invoke API requests (loopback only)
  --headers-timeout-ms <n>  time to send a request's headers, both ports (default ${DEFAULT_HEADERS_TIMEOUT_MS})
  --body-timeout-ms <n>     longest pause inside a request body before the connection is cut, both
                            ports (default ${DEFAULT_BODY_IDLE_TIMEOUT_MS}); a long invocation is never cut
  --max-connections <n>     HTTP API connections at once (default ${DEFAULT_HTTP_API_MAX_CONNECTIONS})
  --lambda-max-connections <n>  Invoke API connections at once (default ${DEFAULT_INVOKE_API_MAX_CONNECTIONS})
  --max-buffered-mb <n>     request bytes the HTTP API holds across all requests (default ${DEFAULT_MAX_BUFFERED_BYTES / MB})
  --lambda-max-buffered-mb <n>  the same for the Invoke API (default ${DEFAULT_MAX_BUFFERED_BYTES / MB})`;

type FlagValues = { readonly [K in keyof typeof SAFETY_FLAGS]?: (typeof SAFETY_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

function limitsFrom(values: FlagValues, connections: keyof FlagValues, buffered: keyof FlagValues): Partial<ServerLimits> {
  const headersTimeoutMs = optionalNumberFlag('headers-timeout-ms', values['headers-timeout-ms'], 100, 3_600_000, true);
  const bodyIdleTimeoutMs = optionalNumberFlag('body-timeout-ms', values['body-timeout-ms'], 100, 3_600_000, true);
  const maxConnections = optionalNumberFlag(connections, values[connections] as string | undefined, 1, 1_000_000, true);
  const bufferedMb = optionalNumberFlag(buffered, values[buffered] as string | undefined, 1, 1_048_576, true);
  return {
    ...(headersTimeoutMs === undefined ? {} : { headersTimeoutMs }),
    ...(bodyIdleTimeoutMs === undefined ? {} : { bodyIdleTimeoutMs }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
    ...(bufferedMb === undefined ? {} : { maxBufferedBytes: bufferedMb * MB }),
  };
}

/** The stack options these flags give. */
export function safetyOptionsFrom(values: FlagValues): ExposureOptions {
  return {
    allowRemote: values['allow-remote'] === true,
    invokeAuthentication: values['no-invoke-auth'] === true ? 'none' : 'sigv4',
    httpApiLimits: limitsFrom(values, 'max-connections', 'max-buffered-mb'),
    invokeApiLimits: limitsFrom(values, 'lambda-max-connections', 'lambda-max-buffered-mb'),
  };
}
