/**
 * Where durable executions live: one SQLite database (Node's built-in `node:sqlite`) under
 * `.local-cloud/`, holding executions, their operations and their history events as JSON rows.
 *
 * Durability: WAL journal with `synchronous=NORMAL`. In WAL mode a transaction is in the log
 * file when COMMIT returns; NORMAL skips the fsync of each commit, so a power loss or an OS crash
 * may lose the last commits, but a killed process (`kill -9` of the local cloud, what the issue
 * asks to survive) loses nothing committed: the operating system still writes its pages. FULL
 * would add an fsync to every checkpoint, on a shared machine's disk, for a failure a local
 * emulator does not need to survive. https://www.sqlite.org/pragma.html#pragma_synchronous
 * The engine acknowledges a checkpoint only after its transaction has committed.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { ExecutionRecord, ExecutionStatus, HistoryEvent, OperationRecord } from './durable-types';

/** What one transaction writes: an execution's new state, operations to insert or replace, events to append. */
export interface StoreWrite {
  readonly execution?: ExecutionRecord;
  readonly operations?: readonly { readonly operation: OperationRecord; readonly position: number }[];
  readonly events?: readonly HistoryEvent[];
}

export interface ExecutionQuery {
  readonly functionName: string;
  readonly qualifier?: string;
  readonly name?: string;
  readonly statuses?: readonly ExecutionStatus[];
  readonly startedAfter?: number;
  readonly startedBefore?: number;
  readonly reverseOrder?: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS executions (
  arn TEXT PRIMARY KEY,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_by_function ON executions (function_name, started_at);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status);
CREATE TABLE IF NOT EXISTS operations (
  execution_arn TEXT NOT NULL,
  id TEXT NOT NULL,
  position INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (execution_arn, id)
);
CREATE TABLE IF NOT EXISTS events (
  execution_arn TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (execution_arn, event_id)
);
`;

export class DurableStore {
  private readonly database: DatabaseSync;
  private readonly statements: {
    readonly upsertExecution: StatementSync;
    readonly upsertOperation: StatementSync;
    readonly insertEvent: StatementSync;
    readonly execution: StatementSync;
    readonly operations: StatementSync;
    readonly running: StatementSync;
    readonly byName: StatementSync;
    readonly lastEventId: StatementSync;
  };

  /** Opens (creating it and its directory if needed) the database at `file`; `:memory:` for tests. */
  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.database = new DatabaseSync(file, { timeout: 5000 });
    this.database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;');
    this.database.exec(SCHEMA);
    const prepare = (sql: string) => this.database.prepare(sql);
    this.statements = {
      upsertExecution: prepare(
        `INSERT INTO executions (arn, function_name, qualifier, name, status, started_at, ended_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (arn) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at, body = excluded.body`,
      ),
      upsertOperation: prepare(
        `INSERT INTO operations (execution_arn, id, position, body) VALUES (?, ?, ?, ?)
         ON CONFLICT (execution_arn, id) DO UPDATE SET body = excluded.body`,
      ),
      insertEvent: prepare('INSERT INTO events (execution_arn, event_id, body) VALUES (?, ?, ?)'),
      execution: prepare('SELECT body FROM executions WHERE arn = ?'),
      operations: prepare('SELECT body FROM operations WHERE execution_arn = ? ORDER BY position'),
      running: prepare(`SELECT body FROM executions WHERE status = 'RUNNING' ORDER BY started_at`),
      byName: prepare('SELECT body FROM executions WHERE function_name = ? AND qualifier = ? AND name = ?'),
      lastEventId: prepare('SELECT MAX(event_id) AS last FROM events WHERE execution_arn = ?'),
    };
  }

  /** Writes everything in one transaction: all of it is on disk when this returns, or none of it. */
  write(executionArn: string, write: StoreWrite): void {
    this.database.exec('BEGIN IMMEDIATE');
    try {
      if (write.execution !== undefined) {
        const execution = write.execution;
        this.statements.upsertExecution.run(
          execution.arn,
          execution.functionName,
          execution.qualifier,
          execution.name,
          execution.status,
          execution.startedAt,
          execution.endedAt ?? null,
          JSON.stringify(execution),
        );
      }
      for (const { operation, position } of write.operations ?? []) {
        this.statements.upsertOperation.run(executionArn, operation.Id, position, JSON.stringify(operation));
      }
      for (const event of write.events ?? []) {
        this.statements.insertEvent.run(executionArn, event.EventId, JSON.stringify(event));
      }
      this.database.exec('COMMIT');
    } catch (error) {
      this.database.exec('ROLLBACK');
      throw error;
    }
  }

  execution(arn: string): ExecutionRecord | undefined {
    const row = this.statements.execution.get(arn);
    return row === undefined ? undefined : (JSON.parse(String(row.body)) as ExecutionRecord);
  }

  executionByName(functionName: string, qualifier: string, name: string): ExecutionRecord | undefined {
    const row = this.statements.byName.get(functionName, qualifier, name);
    return row === undefined ? undefined : (JSON.parse(String(row.body)) as ExecutionRecord);
  }

  /** An execution's operations in the order they were created. */
  operations(executionArn: string): OperationRecord[] {
    return this.statements.operations.all(executionArn).map((row) => JSON.parse(String(row.body)) as OperationRecord);
  }

  /** Executions still running: what a restarted service resumes. */
  runningExecutions(): ExecutionRecord[] {
    return this.statements.running.all().map((row) => JSON.parse(String(row.body)) as ExecutionRecord);
  }

  /** The highest EventId written for an execution (0 when none). */
  lastEventId(executionArn: string): number {
    return Number(this.statements.lastEventId.get(executionArn)?.last ?? 0);
  }

  /** History events in EventId order (or reversed), `limit` of them after `afterPosition`. */
  events(executionArn: string, options: { readonly offset: number; readonly limit: number; readonly reverse: boolean }): HistoryEvent[] {
    const order = options.reverse ? 'DESC' : 'ASC';
    return this.database
      .prepare(`SELECT body FROM events WHERE execution_arn = ? ORDER BY event_id ${order} LIMIT ? OFFSET ?`)
      .all(executionArn, options.limit, options.offset)
      .map((row) => JSON.parse(String(row.body)) as HistoryEvent);
  }

  /** A function's executions matching the filters, oldest first unless reversed; `limit` after `offset`. */
  listExecutions(query: ExecutionQuery, offset: number, limit: number): ExecutionRecord[] {
    const conditions = ['function_name = ?'];
    const parameters: (string | number)[] = [query.functionName];
    if (query.qualifier !== undefined) {
      conditions.push('qualifier = ?');
      parameters.push(query.qualifier);
    }
    if (query.name !== undefined) {
      conditions.push('name = ?');
      parameters.push(query.name);
    }
    if (query.statuses !== undefined && query.statuses.length > 0) {
      conditions.push(`status IN (${query.statuses.map(() => '?').join(', ')})`);
      parameters.push(...query.statuses);
    }
    if (query.startedAfter !== undefined) {
      conditions.push('started_at > ?');
      parameters.push(query.startedAfter);
    }
    if (query.startedBefore !== undefined) {
      conditions.push('started_at < ?');
      parameters.push(query.startedBefore);
    }
    const order = query.reverseOrder ? 'DESC' : 'ASC';
    return this.database
      .prepare(`SELECT body FROM executions WHERE ${conditions.join(' AND ')} ORDER BY started_at ${order}, arn ${order} LIMIT ? OFFSET ?`)
      .all(...parameters, limit, offset)
      .map((row) => JSON.parse(String(row.body)) as ExecutionRecord);
  }

  /** Removes executions closed before `closedBefore` by their retention (RetentionPeriodInDays), with their operations and events. */
  removeExpired(now: number): number {
    const expired = this.database
      .prepare(`SELECT arn, body FROM executions WHERE status != 'RUNNING' AND ended_at IS NOT NULL`)
      .all()
      .filter((row) => {
        const record = JSON.parse(String(row.body)) as ExecutionRecord;
        return (record.endedAt ?? now) + record.retentionDays * 86_400_000 < now;
      })
      .map((row) => String(row.arn));
    for (const arn of expired) {
      this.database.exec('BEGIN IMMEDIATE');
      for (const table of ['operations', 'events']) this.database.prepare(`DELETE FROM ${table} WHERE execution_arn = ?`).run(arn);
      this.database.prepare('DELETE FROM executions WHERE arn = ?').run(arn);
      this.database.exec('COMMIT');
    }
    return expired.length;
  }

  close(): void {
    if (this.database.isOpen) this.database.close();
  }
}
