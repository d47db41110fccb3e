/**
 * The whole local cloud for a CDK project: synthesize (when the sources changed) into its own
 * folder, load the cloud assembly, serve its functions on a local Lambda Invoke API and each of its
 * HTTP APIs on a local API Gateway of its own port. Nothing here knows what the functions do.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { loadCloudAssembly } from '../assembly/cloud-assembly';
import { type BundleRecord, planRebuild, type RebuildPlan, readBundleRecord } from '../assembly/function-rebuild';
import { selectFunction } from '../assembly/function-selector';
import { writeInlineCode } from '../assembly/inline-code';
import { type CommandLineContext, localAssemblyDirectory, synthesizeIfChanged } from '../assembly/synthesize';
import { DEFAULT_HOST, DEFAULT_HTTP_API_PORT, DEFAULT_LAMBDA_PORT } from '../core/defaults';
import { formatLogRecord, type LogSink, warningRecord } from '../core/log-record';
import type { CloudAssemblyDefinition, HttpApiDefinition } from '../core/types';
import { attachDurableService, type DurableService } from '../durable/durable-service';
import { type RunningHttpApi, startHttpApi } from '../http-api/http-api-server';
import { type InvokeApi, type StartInvokeApiOptions, startInvokeApi } from '../lambda/invoke-api';
import { checkExposure, type ExposureOptions } from '../server/remote-access';
import { type CredentialsSource, LOCAL_CREDENTIALS, stackCredentials } from '../sigv4/local-credentials';
import type { AwsCredentials } from '../sigv4/verifier';
import { applyEnvVars, type EnvVarsDocument } from './env-vars-file';
import { rebundleFunctions } from './function-reload';
import { ownedFolder, writePrivateFile } from './local-cloud-folder';
import { type LocalStackEndpoints, stateFileOf } from './local-stack-state';

export { LOCAL_CREDENTIALS };

/**
 * The Lambda service's own settings (concurrency, the resource budget, Event invocations, faults,
 * test overrides), handed to it whole: whatever `startInvokeApi` takes that the stack does not
 * set itself, so a new setting of the service needs no change here.
 */
export type LocalLambdaSettings = Omit<
  StartInvokeApiOptions,
  | 'assembly'
  | 'functions'
  | 'host'
  | 'port'
  | 'region'
  | 'accountId'
  | 'credentials'
  | 'callerCredentials'
  | 'authentication'
  | 'limits'
  | 'warn'
  | 'logSink'
  | 'execArgvByFunction'
  | 'inspect'
>;

export interface LocalStackOptions extends ExposureOptions {
  /** The folder with cdk.json. */
  readonly projectDirectory: string;
  /** An assembly to serve as it is; without one, the project is synthesized into `synthesizeInto` when its sources changed. */
  readonly cdkOut?: string;
  /** Where the project is synthesized. @default `<projectDirectory>/.local-cloud/cdk.out`, never the `cdk.out` of `cdk synth` */
  readonly synthesizeInto?: string;
  /** Context on top of cdk.json, cdk.context.json and ~/.cdk.json, as `cdk -c key=value`. */
  readonly context?: CommandLineContext;
  /**
   * Stage throttling for every HTTP API in place of the assembly's, e.g. raised out of the way of a
   * load test, without synthesizing the app again. @default each API's own, from the assembly
   */
  readonly httpApiThrottling?: HttpApiDefinition['throttling'];
  /** Environment overrides in SAM's `--env-vars` format. */
  readonly envVars?: EnvVarsDocument;
  /** A function (as {@link selectFunction} finds it) whose environments start with the Node inspector; its timeout waits while a debugger is attached. */
  readonly inspect?: string;
  /** The port the inspected function's first environment listens on; the others take free ports. @default none: each a free port */
  readonly inspectPort?: number;
  /** @default {@link DEFAULT_HOST} */
  readonly host?: string;
  /** The first HTTP API's port; the next APIs take the ports after it (0: any free port for each). @default {@link DEFAULT_HTTP_API_PORT} */
  readonly httpPort?: number;
  /** The Lambda Invoke API's port. @default {@link DEFAULT_LAMBDA_PORT} */
  readonly lambdaPort?: number;
  /** The Lambda service's settings. @default Lambda's, and the local budget's defaults */
  readonly lambda?: LocalLambdaSettings;
  /** What IAM routes accept. @default AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the environment, else {@link LOCAL_CREDENTIALS} */
  readonly credentials?: AwsCredentials;
  /**
   * Log records: the functions' lines (START/END/REPORT and output) and the local cloud's own
   * warnings (the Lambda service's, the assembly reader's). @default stderr, formatted by {@link formatLogRecord}
   */
  readonly logSink?: LogSink;
  /** HTTP API access log lines. @default none */
  readonly accessLog?: (line: string) => void;
  /** Record the URLs in `.local-cloud/stacks/<pid>.json` so other commands find this stack. @default true */
  readonly writeStateFile?: boolean;
  /** Told whether the project was synthesized. */
  readonly onSynthesized?: (synthesized: boolean) => void;
  /**
   * The durable execution service's database, kept across restarts (running executions resume).
   * @default `<projectDirectory>/.local-cloud/durable/executions.sqlite`
   */
  readonly durableDatabase?: string;
}

/** What {@link RunningLocalStack.reload} changed. */
export interface ReloadResult {
  /** Functions whose code or configuration changed: new invocations run the new code. */
  readonly replaced: readonly string[];
  /** Changes a reload cannot apply (functions or routes added or removed): restart to get them. */
  readonly needsRestart: readonly string[];
  /** `rebundled`: only function code changed, and only its bundles were rebuilt; `synthesized`: the whole app. */
  readonly how: 'rebundled' | 'synthesized';
  /** Why the app was synthesized rather than rebundled. */
  readonly reason?: string;
  readonly durationMs: number;
}

export interface RunningLocalStack extends LocalStackEndpoints {
  /** The first HTTP API's URL; empty when the assembly has no HTTP API (the Invoke API alone is served). */
  readonly httpApiUrl: string;
  /** What IAM routes accept. */
  readonly credentials: AwsCredentials;
  /** Where they came from: `environment` ones are never written down or printed. */
  readonly credentialsSource: CredentialsSource;
  /** The assembly served, as last (re)loaded. */
  readonly assembly: CloudAssemblyDefinition;
  readonly invokeApi: InvokeApi;
  /** The durable execution service, on the Invoke API's port, when the assembly has a durable function. */
  readonly durable: DurableService | undefined;
  /** The first HTTP API, when there is one. */
  readonly httpApi: RunningHttpApi | undefined;
  /** Every HTTP API, each on its own port, in the assembly's order. */
  readonly httpApis: readonly { readonly definition: HttpApiDefinition; readonly server: RunningHttpApi }[];
  /** The inspected function's name, when `inspect` was given. */
  readonly inspectedFunction: string | undefined;
  /** The port its first environment listens on, when one was given. */
  readonly inspectPort?: number;
  /**
   * Synthesizes again (or re-reads `cdkOut`) and replaces the functions whose definition changed.
   * Throws, leaving the stack as it was, when synthesis fails.
   */
  /**
   * Serves the sources as they are now. Given the files that changed, function code alone is
   * rebuilt when that is all they touch; otherwise, or without them, the app is synthesized.
   */
  reload(changedFiles?: readonly string[]): Promise<ReloadResult>;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<RunningLocalStack> {
  const host = options.host ?? DEFAULT_HOST;
  let assemblyDirectory = '';
  // Each warning of the assembly once, not again at every reload of watch mode; beside the
  // Lambda service's own warnings.
  const warned = new Set<string>();
  const warn = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    const record = warningRecord('local-cloud', message);
    if (options.logSink === undefined) process.stderr.write(`${formatLogRecord(record)}\n`);
    else options.logSink(record);
  };
  let bundleRecord: BundleRecord | undefined;
  const loadServedAssembly = async (): Promise<CloudAssemblyDefinition> => {
    let cdkOut = options.cdkOut;
    if (cdkOut === undefined) {
      const outdir = path.resolve(options.synthesizeInto ?? localAssemblyDirectory(options.projectDirectory));
      // Synthesis writes as this user, perhaps root: never into a folder another user controls.
      if (options.synthesizeInto === undefined) ownedFolder(outdir);
      const result = await synthesizeIfChanged({
        projectDirectory: options.projectDirectory,
        outdir,
        ...(options.context ? { context: options.context } : {}),
        recordBundles: `${outdir}.bundles`,
      });
      options.onSynthesized?.(result.synthesized);
      cdkOut = result.outdir;
      if (result.synthesized) rmSync(`${outdir}.rebuilt`, { recursive: true, force: true });
      bundleRecord = readBundleRecord(`${outdir}.bundles`, outdir);
    }
    const loaded = loadCloudAssembly(cdkOut, { warn });
    writeInlineCode(loaded.functions);
    assemblyDirectory = path.resolve(cdkOut);
    return options.envVars === undefined ? loaded : { ...loaded, functions: applyEnvVars(loaded.functions, options.envVars) };
  };
  let assembly = await loadServedAssembly();
  const inspected = options.inspect === undefined ? undefined : selectFunction(assembly.functions, options.inspect);

  const { credentials, source: credentialsSource } = stackCredentials(options.credentials);
  checkExposure(host, credentials, LOCAL_CREDENTIALS, options);
  const invokeApi = await startInvokeApi({
    ...options.lambda,
    assembly,
    host,
    port: options.lambdaPort ?? DEFAULT_LAMBDA_PORT,
    region: assembly.region,
    accountId: assembly.accountId,
    ...(options.logSink ? { logSink: options.logSink } : {}),
    // Signed with the same credentials as the HTTP API (or by the stack's own functions).
    callerCredentials: credentials,
    authentication: options.invokeAuthentication ?? 'sigv4',
    ...(options.invokeApiLimits ? { limits: options.invokeApiLimits } : {}),
    ...(options.onLimit ? { warn: options.onLimit } : {}),
    // On loopback whatever --host says, since the inspector runs any code it is sent, unauthenticated;
    // the first environment on the port asked for, the others on free ones, each announced.
    // The environment lifts the timeout while a debugger is attached.
    ...(inspected === undefined
      ? {}
      : { inspect: { functionName: inspected.name, ...(options.inspectPort === undefined ? {} : { port: options.inspectPort }) } }),
  });
  const httpApis: { definition: HttpApiDefinition; server: RunningHttpApi }[] = [];
  let durable: DurableService | undefined;
  try {
    // Only an app with a durable function gets the service (and its database under .local-cloud/).
    const hasDurable = assembly.functions.some((definition) => definition.durableConfig !== undefined);
    durable = !hasDurable
      ? undefined
      : attachDurableService(invokeApi, {
          databaseFile: options.durableDatabase ?? path.join(options.projectDirectory, '.local-cloud', 'durable', 'executions.sqlite'),
          warn,
        });
    const firstPort = options.httpPort ?? DEFAULT_HTTP_API_PORT;
    for (const [index, api] of assembly.httpApis.entries()) {
      const server = await startHttpApi({
        api: options.httpApiThrottling === undefined ? api : { ...api, throttling: options.httpApiThrottling },
        invoker: invokeApi.service,
        host,
        port: firstPort === 0 ? 0 : firstPort + index,
        credentials,
        region: assembly.region,
        accountId: assembly.accountId,
        ...(options.accessLog ? { log: options.accessLog } : {}),
        ...(options.httpApiLimits ? { limits: options.httpApiLimits } : {}),
        ...(options.onLimit ? { warn: options.onLimit } : {}),
      });
      httpApis.push({ definition: api, server });
    }
  } catch (error) {
    durable?.close();
    await Promise.all(httpApis.map(({ server }) => server.close()));
    await invokeApi.close();
    throw error;
  }
  const durableService = durable;

  const httpApiUrls = Object.fromEntries(httpApis.map(({ definition, server }) => [definition.name, server.url]));
  const httpApiUrl = httpApis[0]?.server.url;
  const endpoints = {
    ...(httpApiUrl === undefined ? {} : { httpApiUrl }),
    httpApiUrls,
    lambdaUrl: invokeApi.url,
    assemblyDirectory,
    region: assembly.region,
    pid: process.pid,
  };
  const stateFile = stateFileOf(options.projectDirectory);
  if (options.writeStateFile ?? true) {
    // A secret from the environment stays there: a client of this stack signs with its own chain.
    const state: LocalStackEndpoints = credentialsSource === 'environment' ? endpoints : { ...endpoints, credentials };
    writePrivateFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }
  let closed = false;
  return {
    ...endpoints,
    httpApiUrl: httpApiUrl ?? '',
    credentials,
    credentialsSource,
    get assembly() {
      return assembly;
    },
    invokeApi,
    durable: durableService,
    httpApi: httpApis[0]?.server,
    httpApis,
    inspectedFunction: inspected?.name,
    ...(inspected === undefined || options.inspectPort === undefined ? {} : { inspectPort: options.inspectPort }),
    async reload(changedFiles) {
      const started = performance.now();
      const plan: RebuildPlan =
        options.cdkOut !== undefined
          ? { kind: 'synthesize', reason: 'an assembly served as it is' }
          : changedFiles === undefined
            ? { kind: 'synthesize', reason: 'no changed file named' }
            : planRebuild(
                bundleRecord,
                changedFiles.map((file) => path.resolve(options.projectDirectory, file)),
                options.projectDirectory,
              );
      let reason = plan.kind === 'synthesize' ? plan.reason : undefined;
      if (plan.kind === 'rebundle') {
        try {
          const rebuilt = await rebundleFunctions(plan.bundles, assembly.functions, `${assemblyDirectory}.rebuilt`);
          for (const definition of rebuilt) invokeApi.service.replaceFunction(definition);
          const byName = new Map(rebuilt.map((definition) => [definition.name, definition]));
          assembly = { ...assembly, functions: assembly.functions.map((definition) => byName.get(definition.name) ?? definition) };
          return { replaced: [...byName.keys()], needsRestart: [], how: 'rebundled', durationMs: performance.now() - started };
        } catch (error) {
          reason = error instanceof Error ? error.message : String(error);
        }
      }
      const next = await loadServedAssembly();
      const result = changesBetween(assembly, next);
      const changed = new Set(result.replaced);
      for (const definition of next.functions) {
        if (changed.has(definition.name)) invokeApi.service.replaceFunction(definition);
      }
      assembly = { ...next, httpApis: assembly.httpApis };
      return { ...result, how: 'synthesized', ...(reason === undefined ? {} : { reason }), durationMs: performance.now() - started };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (options.writeStateFile ?? true) rmSync(stateFile, { force: true });
      durableService?.close();
      await Promise.all(httpApis.map(({ server }) => server.close()));
      await invokeApi.close();
    },
  };
}

/** Which functions changed between two loads of an assembly, and what only a restart applies. */
export function changesBetween(
  before: CloudAssemblyDefinition,
  after: CloudAssemblyDefinition,
): Pick<ReloadResult, 'replaced' | 'needsRestart'> {
  const previous = new Map(before.functions.map((definition) => [definition.name, definition]));
  const next = new Map(after.functions.map((definition) => [definition.name, definition]));
  const replaced: string[] = [];
  const needsRestart: string[] = [];
  for (const [name, definition] of next) {
    const old = previous.get(name);
    if (old === undefined) needsRestart.push(`function ${name} added`);
    // The asset folder is named by the hash of the code: a new folder is new code.
    else if (JSON.stringify(old) !== JSON.stringify(definition)) replaced.push(name);
  }
  for (const name of previous.keys()) if (!next.has(name)) needsRestart.push(`function ${name} removed`);
  if (JSON.stringify(before.httpApis) !== JSON.stringify(after.httpApis)) needsRestart.push('HTTP API routes or stages changed');
  return { replaced, needsRestart };
}
