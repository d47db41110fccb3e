/**
 * What a function's process finds in its environment: the variables Lambda defines for a Node.js
 * function, then the function's own, and its log stream's name.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
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
  /** The local Invoke API, so the SDK inside the function reaches the local Lambda service. */
  readonly lambdaEndpointUrl?: string;
  /** Directories the runtime provides modules from (Lambda's Node.js runtime ships the AWS SDK v3). */
  readonly runtimeModuleDirectories: readonly string[];
}

/**
 * The environment Lambda defines for a Node.js function, then the function's own variables.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export function lambdaEnvironmentVariables(input: LambdaEnvironmentVariablesInput): Record<string, string> {
  const { definition, credentials } = input;
  const runtimeMajor = /^nodejs(\d+)/.exec(definition.runtime)?.[1] ?? '24';
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    // Where Node.js finds the system's CA bundle on Amazon Linux; the local one is the host's.
    ...(process.env.NODE_EXTRA_CA_CERTS === undefined ? {} : { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS }),
    NODE_PATH: input.runtimeModuleDirectories.join(path.delimiter),
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
    ...(input.lambdaEndpointUrl === undefined ? {} : { AWS_ENDPOINT_URL_LAMBDA: input.lambdaEndpointUrl }),
    ...loggingEnvironment(definition.loggingConfig),
    ...definition.environment,
  };
}
