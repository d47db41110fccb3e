import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach } from 'vitest';
import { formatLogRecord } from '../../core/log-record';
import type { FunctionDefinition } from '../../core/types';
import { type InvokeApi, type StartInvokeApiOptions, startInvokeApi } from '../../lambda/invoke-api';
import { FakeEnvironments, type FakeScript } from './fake-environment';

/** The keys the test's SDK client signs with, and so the ones the Invoke API accepts from callers. */
export const callerCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface FakeInvokeApi {
  readonly api: InvokeApi;
  /** The real SDK client, signing with {@link callerCredentials}, with no retries of its own. */
  readonly client: LambdaClient;
  /** The in-process environments the service made, in order. */
  readonly fakes: FakeEnvironments;
  /** Every line the service logged. */
  readonly logs: string[];
}

/**
 * For a unit test file that drives the real Invoke API on loopback with the real AWS SDK, the
 * functions run by the in-process fake environments (fake-environment.ts): no process, no
 * synthesis. Registers the file's own `afterEach`, which stops every API and client a test started.
 */
export function useFakeInvokeApi(): {
  start(
    functions: readonly FunctionDefinition[],
    scriptOf?: (definition: FunctionDefinition) => FakeScript,
    options?: Partial<StartInvokeApiOptions>,
  ): Promise<FakeInvokeApi>;
} {
  const running: FakeInvokeApi[] = [];

  afterEach(async () => {
    for (const { api, client } of running.splice(0)) {
      client.destroy();
      await api.close();
    }
  });

  return {
    async start(functions, scriptOf = () => ({}), options = {}) {
      const fakes = new FakeEnvironments(scriptOf);
      const logs: string[] = [];
      const api = await startInvokeApi({
        functions,
        logSink: (record) => logs.push(formatLogRecord(record)),
        callerCredentials,
        createEnvironment: fakes.factory,
        ...options,
      });
      const client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials: callerCredentials, maxAttempts: 1 });
      const started = { api, client, fakes, logs };
      running.push(started);
      return started;
    },
  };
}
