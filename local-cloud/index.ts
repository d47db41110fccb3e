/**
 * The local cloud's public entry point: what an app's CLI, scripts and tests may use. Everything
 * else in this package is internal and may change without notice.
 */
export { type LoadCloudAssemblyOptions, loadCloudAssembly } from './cloud-assembly';
export { DEFAULT_LOCAL_ACCOUNT_ID, DEFAULT_LOCAL_REGION } from './defaults';
export { batchedLineWriter } from './function-logs';
export { type HttpApiServerOptions, type RunningHttpApi, startHttpApi } from './http-api/http-api-server';
export { type RequestToSign, type SignedRequest, type SignRequestOptions, signedFetch, signRequest } from './http-api/sign-request';
export type { AwsCredentials } from './http-api/sigv4-verifier';
export { createSigV4Verifier } from './http-api/sigv4-verifier';
export { type InvokeApi, type StartInvokeApiOptions, startInvokeApi } from './lambda/invoke-api';
export { LOCAL_CREDENTIALS, type LocalStackOptions, type RunningLocalStack, startLocalStack } from './local-stack';
export { AmbiguousLocalStackError, type LocalStackEndpoints, readRunningLocalStack, readRunningLocalStacks } from './local-stack-state';
export { MISSING_SHELL_CREDENTIALS, shellCredentials } from './shell-credentials';
export { type SynthesizeOptions, synthesize, synthesizeIfChanged } from './synthesize';
export {
  type CloudAssemblyDefinition,
  type FunctionDefinition,
  type HttpApiDefinition,
  type InvokeOutcome,
  type LambdaInvoker,
  LambdaServiceError,
  type RouteDefinition,
} from './types';
