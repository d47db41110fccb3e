/**
 * The local cloud's public entry point: what an app's CLI, scripts and tests use. Stack level
 * first (start a stack, find a running one, sign requests to it); then the parts an app's tests
 * use alone (the assembly reader, the Lambda service with its Invoke API, the SigV4 verifier).
 * Everything else in this package is internal and may change without notice.
 */
export { loadCloudAssembly } from './assembly/cloud-assembly';
export { synthesize, synthesizeIfChanged } from './assembly/synthesize';
export { UsageError } from './core/errors';
export { formatLogRecord, type LogRecord, type LogSink } from './core/log-record';
export type { CloudAssemblyDefinition, FunctionDefinition } from './core/types';
export { type InvokeApi, type StartInvokeApiOptions, startInvokeApi } from './lambda/invoke-api';
export { MISSING_SHELL_CREDENTIALS, shellCredentials } from './sigv4/shell-credentials';
export { type SignRequestOptions, signedFetch, signRequest } from './sigv4/sign-request';
export { createSigV4Verifier } from './sigv4/verifier';
export { batchedLineWriter, createFunctionLogSink } from './stack/function-logs';
export { LOCAL_CREDENTIALS, type LocalStackOptions, type RunningLocalStack, startLocalStack } from './stack/local-stack';
export { type LocalStackEndpoints, readRunningLocalStack } from './stack/local-stack-state';
