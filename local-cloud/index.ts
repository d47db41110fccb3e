/**
 * The local cloud's public entry point: what an app's CLI, scripts and tests may use. Everything
 * else in this package is internal and may change without notice.
 */
export { type LoadCloudAssemblyOptions, loadCloudAssembly } from './assembly/cloud-assembly';
export { type SynthesizeOptions, synthesize, synthesizeIfChanged } from './assembly/synthesize';
export { DEFAULT_LOCAL_ACCOUNT_ID, DEFAULT_LOCAL_REGION } from './core/defaults';
export { formatLogRecord, type LogRecord, type LogSink } from './core/log-record';
export {
  type CloudAssemblyDefinition,
  type FunctionDefinition,
  type HttpApiDefinition,
  type InvokeOutcome,
  type LambdaInvoker,
  LambdaServiceError,
  type RouteDefinition,
} from './core/types';
export { type HttpApiServerOptions, type RunningHttpApi, startHttpApi } from './http-api/http-api-server';
export { type InvokeApi, type StartInvokeApiOptions, startInvokeApi } from './lambda/invoke-api';
export { MISSING_SHELL_CREDENTIALS, shellCredentials } from './sigv4/shell-credentials';
export { type RequestToSign, type SignedRequest, type SignRequestOptions, signedFetch, signRequest } from './sigv4/sign-request';
export type { AwsCredentials } from './sigv4/verifier';
export { createSigV4Verifier } from './sigv4/verifier';
export { batchedLineWriter, createFunctionLogSink } from './stack/function-logs';
export { LOCAL_CREDENTIALS, type LocalStackOptions, type RunningLocalStack, startLocalStack } from './stack/local-stack';
export {
  AmbiguousLocalStackError,
  type LocalStackEndpoints,
  readRunningLocalStack,
  readRunningLocalStacks,
} from './stack/local-stack-state';
