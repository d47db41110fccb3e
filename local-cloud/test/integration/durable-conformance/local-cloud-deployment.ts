/**
 * Where the durable corpus's functions are in a local cloud that serves the corpus app
 * (`test/fixtures/durable/synth.ts`): each case's function and each target by its alias's
 * qualified ARN, read from the app's cloud assembly as the local cloud reads it.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { caseFunctionId, DURABLE_ALIAS, targetFunctionId } from '../../fixtures/durable/durable-stack';
import type { LocalCloudDeployment } from './local-cloud-runner';

/** The corpus's functions in the assembly at `cdkOutDir`, reached through `client`. */
export function corpusDeployment(cdkOutDir: string, client: LambdaClient): LocalCloudDeployment {
  const { functions } = loadCloudAssembly(cdkOutDir, { warn: () => {} });
  const qualifiedArn = (idPrefix: string) => {
    const found = functions.find((candidate) => new RegExp(`^${idPrefix}[0-9A-F]{8}$`).test(candidate.logicalId));
    if (found === undefined) throw new Error(`no function ${idPrefix} in the durable corpus assembly at ${cdkOutDir}`);
    return `${found.arn}:${DURABLE_ALIAS}`;
  };
  return {
    client,
    functionArnOf: (testCase) => qualifiedArn(caseFunctionId(testCase)),
    targetNameOf: (key) => qualifiedArn(targetFunctionId(key)),
  };
}
