/**
 * Reads a synthesized cloud assembly (`cdk.out`) and turns its templates into the definitions the
 * local cloud runs: Lambda functions (with their bundled asset directories) and HTTP APIs.
 *
 * Three parts: manifest.ts (the stacks and their assets), intrinsics.ts (CloudFormation's
 * intrinsic functions with local stand-ins) and resources.ts (functions, invoke configs, HTTP APIs).
 * Loading reads and never writes: a function with inline code (`ZipFile`) carries the code as text
 * (`inlineCode`), and the stack writes it out when it starts (inline-code.ts).
 */

import path from 'node:path';
import { DEFAULT_LOCAL_ACCOUNT_ID, DEFAULT_LOCAL_REGION } from '../core/defaults';
import type { CloudAssemblyDefinition, FunctionDefinition, HttpApiDefinition } from '../core/types';
import type { ResolutionContext } from './intrinsics';
import { readStackArtifacts } from './manifest';
import { readEventInvokeConfigs, readFunctions, readHttpApis, withQualifiers } from './resources';

export interface LoadCloudAssemblyOptions {
  /** @default env `AWS_REGION`, then `AWS_DEFAULT_REGION`, then `us-east-1` */
  readonly region?: string;
  /** @default env `LOCAL_CLOUD_ACCOUNT_ID`, then `000000000000` */
  readonly accountId?: string;
  /**
   * Told, one message a call, of what the assembly asks for that the local cloud ignores
   * (an EventInvokeConfig of another version than `$LATEST`, destinations).
   * @default writes `[local-cloud] warning: <message>` to stderr
   */
  readonly warn?: (message: string) => void;
}

/** Reads `cdk.out` and returns the functions and HTTP APIs of every stack in it (nested assemblies included). */
export function loadCloudAssembly(cdkOutDir: string, options: LoadCloudAssemblyOptions = {}): CloudAssemblyDefinition {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_LOCAL_REGION;
  const accountId = options.accountId ?? process.env.LOCAL_CLOUD_ACCOUNT_ID ?? DEFAULT_LOCAL_ACCOUNT_ID;
  const warn = options.warn ?? ((message: string) => process.stderr.write(`[local-cloud] warning: ${message}\n`));
  const contexts = readStackArtifacts(path.resolve(cdkOutDir)).map(
    (stack): ResolutionContext => ({
      stack,
      region,
      accountId,
      partition: 'aws',
    }),
  );
  const functions: FunctionDefinition[] = [];
  const httpApis: HttpApiDefinition[] = [];
  for (const context of contexts) {
    const stackFunctions = withQualifiers(context, readFunctions(context), warn);
    functions.push(...stackFunctions);
    httpApis.push(...readHttpApis(context, stackFunctions));
  }
  // After every stack's functions: a config may name a function of another stack by its name.
  const configs = new Map(contexts.flatMap((context) => readEventInvokeConfigs(context, functions, warn)));
  return {
    region,
    accountId,
    functions: functions.map((definition) => {
      const config = configs.get(definition.name);
      return config === undefined ? definition : { ...definition, asyncInvokeConfig: config };
    }),
    httpApis,
  };
}
