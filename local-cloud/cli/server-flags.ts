/**
 * The flags of `npm start` that both local servers read: their timeouts, connection caps and
 * buffered-bytes caps (local-cloud/server/server-limits.ts). `--http-*` is the HTTP API's,
 * `--lambda-*` the Lambda Invoke API's. Part of the one table of start-flags.ts.
 */
import {
  DEFAULT_BODY_IDLE_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_HTTP_API_MAX_CONNECTIONS,
  DEFAULT_INVOKE_API_MAX_CONNECTIONS,
  DEFAULT_MAX_BUFFERED_BYTES,
} from '../server/server-limits';
import type { FlagDefinition } from './flag-table';
import { numberFlag } from './number-flag';
import type { StartOptions } from './start-options';

const MB = 1024 * 1024;
const integer = (flag: string, min: number, max: number) => (raw: string) => numberFlag(flag, raw, min, max, true);

export const SERVER_FLAGS: readonly FlagDefinition<StartOptions>[] = [
  {
    name: 'headers-timeout-ms',
    type: 'string',
    placeholder: '<n>',
    layer: 'server',
    default: String(DEFAULT_HEADERS_TIMEOUT_MS),
    help: "time to send a request's headers, both servers",
    apply: (options, raw) => {
      const headersTimeoutMs = integer('headers-timeout-ms', 100, 3_600_000)(raw);
      options.server.httpApi.headersTimeoutMs = headersTimeoutMs;
      options.server.invokeApi.headersTimeoutMs = headersTimeoutMs;
    },
  },
  {
    name: 'body-timeout-ms',
    type: 'string',
    placeholder: '<n>',
    layer: 'server',
    default: String(DEFAULT_BODY_IDLE_TIMEOUT_MS),
    help: 'longest pause inside a request body before the connection is cut, both servers; a long invocation is never cut',
    apply: (options, raw) => {
      const bodyIdleTimeoutMs = integer('body-timeout-ms', 100, 3_600_000)(raw);
      options.server.httpApi.bodyIdleTimeoutMs = bodyIdleTimeoutMs;
      options.server.invokeApi.bodyIdleTimeoutMs = bodyIdleTimeoutMs;
    },
  },
  {
    name: 'http-max-connections',
    type: 'string',
    placeholder: '<n>',
    layer: 'server',
    default: String(DEFAULT_HTTP_API_MAX_CONNECTIONS),
    renamedFrom: ['max-connections'],
    help: 'HTTP API connections open at once',
    apply: (options, raw) => {
      options.server.httpApi.maxConnections = integer('http-max-connections', 1, 1_000_000)(raw);
    },
  },
  {
    name: 'lambda-max-connections',
    type: 'string',
    placeholder: '<n>',
    layer: 'server',
    default: String(DEFAULT_INVOKE_API_MAX_CONNECTIONS),
    help: 'Lambda Invoke API connections open at once',
    apply: (options, raw) => {
      options.server.invokeApi.maxConnections = integer('lambda-max-connections', 1, 1_000_000)(raw);
    },
  },
  {
    name: 'http-max-buffered-mb',
    type: 'string',
    placeholder: '<n>',
    layer: 'server',
    default: String(DEFAULT_MAX_BUFFERED_BYTES / MB),
    renamedFrom: ['max-buffered-mb'],
    help: 'request bytes the HTTP API holds in memory across all requests, in MB',
    apply: (options, raw) => {
      options.server.httpApi.maxBufferedBytes = integer('http-max-buffered-mb', 1, 1_048_576)(raw) * MB;
    },
  },
  {
    name: 'lambda-max-buffered-mb',
    type: 'string',
    placeholder: '<n>',
    layer: 'server',
    default: String(DEFAULT_MAX_BUFFERED_BYTES / MB),
    help: 'the same for the Lambda Invoke API, in MB',
    apply: (options, raw) => {
      options.server.invokeApi.maxBufferedBytes = integer('lambda-max-buffered-mb', 1, 1_048_576)(raw) * MB;
    },
  },
];
