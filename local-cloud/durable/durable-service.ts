/**
 * The durable execution service of a local stack: its store under `.local-cloud/`, its engine
 * running functions through the stack's Lambda service, and its API on the Lambda API's port.
 * On start it resumes every execution the store has as running (a stack killed midway).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatLogRecord, warningRecord } from '../core/log-record';
import { isAlive } from '../core/process-alive';
import type { InvokeApi } from '../lambda/invoke-api';
import { DurableApi } from './durable-api';
import { DurableEngine, type DurableEngineOptions } from './durable-engine';
import { DurableStore } from './durable-store';

export interface DurableServiceOptions
  extends Pick<DurableEngineOptions, 'envelopePageSize' | 'maxInvocationRetries' | 'invocationRetryBaseMs'> {
  /** The SQLite database file (created with its directory). */
  readonly databaseFile: string;
  /** Told when another live stack holds the database. @default stderr */
  readonly warn?: (message: string) => void;
}

export interface DurableService {
  readonly engine: DurableEngine;
  readonly store: DurableStore;
  /** Executions resumed from the store when the service started. */
  readonly resumed: number;
  /** Stops the engine's timers and closes the database; running executions stay in it for the next start. */
  close(): void;
}

/**
 * The database this process may own: `file`, unless another live stack holds it (its PID in
 * `<file>.owner`); then a database of this process's own beside it, removed when it closes, so that
 * two stacks of one project never resume (and run twice) each other's executions.
 */
function claimDatabase(file: string, warn: (message: string) => void): { file: string; release: () => void } {
  const ownerFile = `${file}.owner`;
  let owner = Number.NaN;
  try {
    owner = Number(readFileSync(ownerFile, 'utf8'));
  } catch {
    // No owner yet.
  }
  if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
    const own = path.join(path.dirname(file), `${path.basename(file, '.sqlite')}-${process.pid}.sqlite`);
    warn(`another local stack (process ${owner}) holds ${file}: this one keeps its durable executions in ${own}, removed when it stops`);
    const release = () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${own}${suffix}`, { force: true });
    };
    return { file: own, release };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(ownerFile, String(process.pid));
  return { file, release: () => rmSync(ownerFile, { force: true }) };
}

export function attachDurableService(api: InvokeApi, options: DurableServiceOptions): DurableService {
  const {
    databaseFile,
    warn = (message) => process.stderr.write(`${formatLogRecord(warningRecord('local-cloud', message))}\n`),
    ...engineOptions
  } = options;
  const claimed = claimDatabase(databaseFile, warn);
  const store = new DurableStore(claimed.file);
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
      claimed.release();
    },
  };
}
