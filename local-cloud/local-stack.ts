/**
 * The whole local cloud for a CDK project: synthesize (when the sources changed), load the cloud
 * assembly, serve its functions on a local Lambda Invoke API and its HTTP API routes on a local
 * API Gateway. Nothing here knows what the functions do.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCloudAssembly } from './cloud-assembly';
import { startHttpApi, type RunningHttpApi } from './http-api/http-api-server';
import type { AwsCredentials } from './http-api/sigv4-verifier';
import { startInvokeApi, type InvokeApi, type StartInvokeApiOptions } from './lambda/invoke-api';
import { stateFileOf, type LocalStackEndpoints } from './local-stack-state';
import { checkExposure, type ExposureOptions } from './remote-access';
import { synthesizeIfChanged } from './synthesize';
import type { CloudAssemblyDefinition } from './types';

/**
 * The credentials the local cloud accepts when the environment has none: fixed, so a signed
 * request written once keeps working, and printed by `npm start`. They open nothing on AWS.
 */
export const LOCAL_CREDENTIALS: AwsCredentials = {
  accessKeyId: 'AKIALOCALCLOUD000000',
  secretAccessKey: 'local-cloud/secret/not-an-aws-key',
};

export interface LocalStackOptions
  extends Pick<StartInvokeApiOptions, 'concurrencyLimit' | 'faultInjection' | 'functionOverrides' | 'maxEnvironments' | 'maxConcurrentInits' | 'asyncInvocation'>,
    ExposureOptions {
  /** The folder with cdk.json. */
  readonly projectDirectory: string;
  /** An assembly to serve as it is; without one, the project is synthesized into cdk.out when its sources changed. */
  readonly cdkOut?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The HTTP API's port. @default 3000 */
  readonly httpPort?: number;
  /** The Lambda Invoke API's port. @default 3001 */
  readonly lambdaPort?: number;
  /** What IAM routes accept. @default AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the environment, else {@link LOCAL_CREDENTIALS} */
  readonly credentials?: AwsCredentials;
  /** Function logs (START/END/REPORT and output). @default stderr */
  readonly logSink?: (line: string) => void;
  /** HTTP API access log lines. @default none */
  readonly accessLog?: (line: string) => void;
  /** Record the URLs in `.local-cloud/stacks/<pid>.json` so other commands find this stack. @default true */
  readonly writeStateFile?: boolean;
  /** Told whether the project was synthesized. */
  readonly onSynthesized?: (synthesized: boolean) => void;
}

export interface RunningLocalStack extends LocalStackEndpoints {
  /** What IAM routes accept. */
  readonly credentials: AwsCredentials;
  readonly assembly: CloudAssemblyDefinition;
  readonly invokeApi: InvokeApi;
  readonly httpApi: RunningHttpApi;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<RunningLocalStack> {
  const host = options.host ?? '127.0.0.1';
  let cdkOut = options.cdkOut;
  if (cdkOut === undefined) {
    const result = await synthesizeIfChanged({ projectDirectory: options.projectDirectory });
    options.onSynthesized?.(result.synthesized);
    cdkOut = result.outdir;
  }
  const assembly = loadCloudAssembly(cdkOut);
  const [api, ...otherApis] = assembly.httpApis;
  if (api === undefined) throw new Error(`the cloud assembly in ${cdkOut} has no HTTP API to serve`);
  if (otherApis.length > 0) throw new Error(`the cloud assembly in ${cdkOut} has ${assembly.httpApis.length} HTTP APIs; the local cloud serves one`);

  const environmentCredentials = options.credentials === undefined ? credentialsFromEnvironment() : undefined;
  const credentials = options.credentials ?? environmentCredentials ?? LOCAL_CREDENTIALS;
  checkExposure(host, credentials, LOCAL_CREDENTIALS, options);
  const invokeApi = await startInvokeApi({
    assembly,
    host,
    port: options.lambdaPort ?? 3001,
    region: assembly.region,
    accountId: assembly.accountId,
    ...(options.logSink ? { logSink: options.logSink } : {}),
    ...(options.concurrencyLimit === undefined ? {} : { concurrencyLimit: options.concurrencyLimit }),
    ...(options.faultInjection ? { faultInjection: options.faultInjection } : {}),
    ...(options.functionOverrides ? { functionOverrides: options.functionOverrides } : {}),
    ...(options.maxEnvironments === undefined ? {} : { maxEnvironments: options.maxEnvironments }),
    ...(options.maxConcurrentInits === undefined ? {} : { maxConcurrentInits: options.maxConcurrentInits }),
    ...(options.asyncInvocation === undefined ? {} : { asyncInvocation: options.asyncInvocation }),
    // Signed with the same credentials as the HTTP API (or by the stack's own functions).
    callerCredentials: credentials,
    authentication: options.invokeAuthentication ?? 'sigv4',
    ...(options.invokeApiLimits ? { limits: options.invokeApiLimits } : {}),
    ...(options.onLimit ? { warn: options.onLimit } : {}),
  });
  let httpApi: RunningHttpApi;
  try {
    httpApi = await startHttpApi({
      api,
      invoker: invokeApi.service,
      host,
      port: options.httpPort ?? 3000,
      credentials,
      region: assembly.region,
      accountId: assembly.accountId,
      ...(options.accessLog ? { log: options.accessLog } : {}),
      ...(options.httpApiLimits ? { limits: options.httpApiLimits } : {}),
      ...(options.onLimit ? { warn: options.onLimit } : {}),
    });
  } catch (error) {
    await invokeApi.close();
    throw error;
  }

  const endpoints = { httpApiUrl: httpApi.url, lambdaUrl: invokeApi.url, region: assembly.region, pid: process.pid };
  const stateFile = stateFileOf(options.projectDirectory);
  if (options.writeStateFile ?? true) {
    // A secret from the environment stays there: a client of this stack signs with its own chain.
    const state: LocalStackEndpoints = environmentCredentials ? endpoints : { ...endpoints, credentials };
    mkdirSync(path.dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }
  let closed = false;
  return {
    ...endpoints,
    credentials,
    assembly,
    invokeApi,
    httpApi,
    async close() {
      if (closed) return;
      closed = true;
      if (options.writeStateFile ?? true) rmSync(stateFile, { force: true });
      await httpApi.close();
      await invokeApi.close();
    },
  };
}

function credentialsFromEnvironment(): AwsCredentials | undefined {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
