/**
 * A local cloud serving the durable corpus in this process, for the conformance suite's local
 * cloud side: the corpus app synthesized into a temporary folder, its Invoke API on a free
 * loopback port with the durable execution service attached (its database beside the assembly).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AwsCredentialIdentity } from '@smithy/types';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { writeInlineCode } from '../../../assembly/inline-code';
import { attachDurableService } from '../../../durable/durable-service';
import { startInvokeApi } from '../../../lambda/invoke-api';
import { synthesizeDurableAssembly } from '../../fixtures/durable/durable-stack';

export interface InProcessLocalCloud {
  readonly endpoint: string;
  readonly cdkOut: string;
  readonly credentials: AwsCredentialIdentity;
  close(): Promise<void>;
}

/** `node:sqlite`, which the durable store needs, has no flag from Node 22.13 on. */
export function canServeDurableInProcess(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

export async function startInProcessLocalCloud(): Promise<InProcessLocalCloud> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'durable-conformance-'));
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  try {
    const cdkOut = synthesizeDurableAssembly(path.join(directory, 'cdk.out'));
    const assembly = loadCloudAssembly(cdkOut, { warn: () => {} });
    writeInlineCode(assembly.functions);
    const api = await startInvokeApi({ assembly, callerCredentials: credentials, logSink: () => undefined });
    const durable = attachDurableService(api, { databaseFile: path.join(directory, 'durable', 'executions.sqlite'), warn: () => {} });
    return {
      endpoint: api.url,
      cdkOut,
      credentials,
      async close() {
        durable.close();
        await api.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}
