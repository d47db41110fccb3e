import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, beforeAll, inject } from 'vitest';
import { loadCloudAssembly } from '../../assembly/cloud-assembly';
import { formatLogRecord } from '../../core/log-record';
import type { CloudAssemblyDefinition } from '../../core/types';
import { type InvokeApi, type StartInvokeApiOptions, startInvokeApi } from '../../lambda/invoke-api';
import { type fixtureFunctionIds, fixtureFunctionNamed } from '../fixtures/fixture-app/fixture-stack';

/** The keys the test's SDK client signs with, and so the only ones the Invoke API accepts (SigV4 is verified by default). */
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface FixtureInvokeApi {
  readonly api: InvokeApi;
  /** The real SDK client, signing for this API, with no retries of its own. */
  readonly client: LambdaClient;
  /** Every line the service logged. */
  readonly logs: string[];
}

/**
 * For a test file that calls the fixture app's functions (local-cloud/test/fixtures/fixture-app) through a
 * real local Invoke API and the real SDK: loads the fixture's assembly once, and stops every API
 * and client a test started when the test ends.
 */
export function useFixtureInvokeApi(): {
  /** A fixture function's local name, by its construct ID. */
  nameOf(id: (typeof fixtureFunctionIds)[number]): string;
  start(options?: Partial<StartInvokeApiOptions>): Promise<FixtureInvokeApi>;
} {
  let assembly: CloudAssemblyDefinition | undefined;
  const running: FixtureInvokeApi[] = [];

  beforeAll(() => {
    assembly = loadCloudAssembly(inject('fixtureCdkOut'));
  }, 60_000);

  afterEach(async () => {
    for (const { api, client } of running.splice(0)) {
      client.destroy();
      await api.close();
    }
  });

  const loaded = (): CloudAssemblyDefinition => {
    if (assembly === undefined) throw new Error('the fixture assembly loads in beforeAll');
    return assembly;
  };

  return {
    nameOf: (id) => fixtureFunctionNamed(loaded().functions, id).name,
    async start(options = {}) {
      const logs: string[] = [];
      const api = await startInvokeApi({
        assembly: loaded(),
        logSink: (record) => logs.push(formatLogRecord(record)),
        callerCredentials: credentials,
        ...options,
      });
      const client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
      const started = { api, client, logs };
      running.push(started);
      return started;
    },
  };
}
