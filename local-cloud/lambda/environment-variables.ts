/**
 * What a function's process finds in its environment: the variables Lambda defines for a Node.js
 * function, the function's own, and its log stream's name.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { RESERVED_ENVIRONMENT_VARIABLES } from '../core/reserved-variables';
import type { FunctionDefinition } from '../core/types';
import { loggingEnvironment } from './logging-config';
import { RUNTIME_DIRECTORY } from './runtime/runtime-process';

/** `2024/05/01/[$LATEST]` + 32 hex digits, as Lambda names an environment's log stream. */
export function newLogStreamName(now = new Date()): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

export interface LambdaEnvironmentVariablesInput {
  readonly definition: FunctionDefinition;
  readonly region: string;
  readonly logStreamName: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** The Node.js binary the function runs on: its folder stands for Lambda's `/var/lang/bin`. */
  readonly nodeBinary: string;
  /** The local Invoke API, so the SDK inside the function reaches the local Lambda service. */
  readonly lambdaEndpointUrl?: string;
  /** Directories the runtime provides modules from (Lambda's Node.js runtime ships the AWS SDK v3). */
  readonly runtimeModuleDirectories: readonly string[];
}

/**
 * Lambda's `PATH` and `LD_LIBRARY_PATH` for a Node.js function, with this machine's folders for
 * Lambda's: the Node.js binary's installation for `/var/lang`, the runtime's folder for
 * `/var/runtime` and the staged code for `/var/task`. `/opt` (layers) is left out: there are no
 * layers locally. The host's own `PATH` is not inherited: only the folders Lambda searches.
 */
function searchPaths(nodeBinary: string, taskRoot: string): { readonly PATH: string; readonly LD_LIBRARY_PATH: string } {
  const lang = path.dirname(path.dirname(nodeBinary));
  return {
    // On Lambda: /var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin
    PATH: [path.dirname(nodeBinary), '/usr/local/bin', '/usr/bin/', '/bin'].join(':'),
    // On Lambda: /var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib
    LD_LIBRARY_PATH: [
      path.join(lang, 'lib'),
      '/lib64',
      '/usr/lib64',
      RUNTIME_DIRECTORY,
      path.join(RUNTIME_DIRECTORY, 'lib'),
      taskRoot,
      path.join(taskRoot, 'lib'),
    ].join(':'),
  };
}

/**
 * The environment Lambda defines for a Node.js function, and the function's own variables: these
 * may change what Lambda allows changed (`PATH`, `NODE_PATH`, ...), never a reserved key, which
 * Lambda refuses in the configuration (core/reserved-variables.ts) and the local cloud refuses
 * when it reads one. Nothing comes from this process's environment: no host `NODE_EXTRA_CA_CERTS`
 * (nodejs24.x loads no extra CA bundle unless the function sets it), no host `PATH`.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export function lambdaEnvironmentVariables(input: LambdaEnvironmentVariablesInput): Record<string, string> {
  const { definition, credentials } = input;
  const runtimeMajor = /^nodejs(\d+)/.exec(definition.runtime)?.[1] ?? '24';
  const unreserved = {
    ...searchPaths(input.nodeBinary, definition.codeDirectory),
    LANG: 'en_US.UTF-8',
    NODE_PATH: input.runtimeModuleDirectories.join(path.delimiter),
    // Set whether or not tracing is active; there is no daemon locally, and the X-Ray SDK sends UDP.
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    ...(input.lambdaEndpointUrl === undefined ? {} : { AWS_ENDPOINT_URL_LAMBDA: input.lambdaEndpointUrl }),
    ...loggingEnvironment(definition.loggingConfig),
  };
  const reserved = {
    TZ: ':UTC',
    _HANDLER: definition.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${runtimeMajor}.x`,
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_LAMBDA_FUNCTION_NAME: definition.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: definition.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    LAMBDA_TASK_ROOT: definition.codeDirectory,
    LAMBDA_RUNTIME_DIR: RUNTIME_DIRECTORY,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: credentials.sessionToken }),
  };
  // The runtime sets _X_AMZN_TRACE_ID for each invocation; a configured one never reaches the process.
  const own = Object.fromEntries(Object.entries(definition.environment).filter(([name]) => !RESERVED_ENVIRONMENT_VARIABLES.has(name)));
  return { ...unreserved, ...own, ...reserved };
}
