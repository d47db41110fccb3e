/**
 * The part of Node's built-in `node:sqlite` (Node 22.5+) the durable store uses; @types/node 20,
 * which the project pins, does not declare the module yet.
 * https://nodejs.org/api/sqlite.html
 */
declare module 'node:sqlite' {
  type SqlValue = null | number | bigint | string | Uint8Array;
  export class StatementSync {
    run(...parameters: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
    get(...parameters: SqlValue[]): Record<string, SqlValue> | undefined;
    all(...parameters: SqlValue[]): Record<string, SqlValue>[];
  }
  export class DatabaseSync {
    constructor(path: string, options?: { readonly open?: boolean; readonly timeout?: number });
    exec(sql: string): void;
    prepare(sql: string): StatementSync;
    close(): void;
    readonly isOpen: boolean;
  }
}
