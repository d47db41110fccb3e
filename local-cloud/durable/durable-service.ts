/**
 * The durable execution service of a local stack: its store under `.local-cloud/`, its engine
 * running functions through the stack's Lambda service, and its API on the Lambda API's port.
 * On start it resumes every execution the store has as running (a stack killed midway).
 */
import type { InvokeApi } from '../lambda/invoke-api';
import { DurableApi } from './durable-api';
import { DurableEngine, type DurableEngineOptions } from './durable-engine';
import { DurableStore } from './durable-store';

export interface DurableServiceOptions
  extends Pick<DurableEngineOptions, 'envelopePageSize' | 'maxInvocationRetries' | 'invocationRetryBaseMs'> {
  /** The SQLite database file (created with its directory). */
  readonly databaseFile: string;
}

export interface DurableService {
  readonly engine: DurableEngine;
  readonly store: DurableStore;
  /** Executions resumed from the store when the service started. */
  readonly resumed: number;
  /** Stops the engine's timers and closes the database; running executions stay in it for the next start. */
  close(): void;
}

export function attachDurableService(api: InvokeApi, options: DurableServiceOptions): DurableService {
  const { databaseFile, ...engineOptions } = options;
  const store = new DurableStore(databaseFile);
  store.removeExpired(Date.now());
  const engine = new DurableEngine({
    ...engineOptions,
    store,
    invoker: api.service,
    log: (functionName, line) => api.service.platformLog(functionName, line),
  });
  api.extend(new DurableApi(engine, api.service));
  const resumed = engine.resume();
  return {
    engine,
    store,
    resumed,
    close() {
      engine.close();
      store.close();
    },
  };
}
