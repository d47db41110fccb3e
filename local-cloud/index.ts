/**
 * The local cloud's public entry point: what an app's CLI, scripts and tests may use. Everything
 * else in this package is internal and may change without notice.
 */
export { loadCloudAssembly, type LoadCloudAssemblyOptions } from './cloud-assembly';
export { DEFAULT_LOCAL_ACCOUNT_ID, DEFAULT_LOCAL_REGION } from './defaults';
export { startHttpApi, type HttpApiServerOptions, type RunningHttpApi } from './http-api/http-api-server';
export { signedFetch, signRequest, type RequestToSign, type SignedRequest, type SignRequestOptions } from './http-api/sign-request';
export type { AwsCredentials } from './http-api/sigv4-verifier';
export { AmbiguousLocalStackError, readRunningLocalStack, readRunningLocalStacks, type LocalStackEndpoints } from './local-stack-state';
export { batchedLineWriter } from './function-logs';
export { MISSING_SHELL_CREDENTIALS, shellCredentials } from './shell-credentials';
export { createSigV4Verifier } from './http-api/sigv4-verifier';
export { startInvokeApi, type InvokeApi, type StartInvokeApiOptions } from './lambda/invoke-api';
export { LOCAL_CREDENTIALS, startLocalStack, type LocalStackOptions, type RunningLocalStack } from './local-stack';
export { synthesize, synthesizeIfChanged, type SynthesizeOptions } from './synthesize';
export {
  LambdaServiceError,
  type CloudAssemblyDefinition,
  type FunctionDefinition,
  type HttpApiDefinition,
  type InvokeOutcome,
  type LambdaInvoker,
  type RouteDefinition,
} from './types';
