/** The durable service's database: one stack owns it; another live stack's database is not shared. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { attachDurableService } from '../../../durable/durable-service';
import type { InvokeApi } from '../../../lambda/invoke-api';

let directory: string;
const fakeApi = { extend: () => undefined, service: { platformLog: () => undefined } } as unknown as InvokeApi;

beforeEach(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'durable-service-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

it('owns its database while it runs, and gives the ownership up when it closes', () => {
  const file = path.join(directory, 'durable', 'executions.sqlite');
  const service = attachDurableService(fakeApi, { databaseFile: file, warn: () => undefined });
  expect(service.store.file).toBe(file);
  expect(existsSync(`${file}.owner`)).toBe(true);
  service.close();
  expect(existsSync(`${file}.owner`)).toBe(false);
  expect(existsSync(file)).toBe(true);
});

it('keeps a database of its own when another live process holds the project’s, and removes it on close', () => {
  const file = path.join(directory, 'executions.sqlite');
  mkdirSync(directory, { recursive: true });
  // The parent process (the test runner) is alive and is not this process.
  writeFileSync(`${file}.owner`, String(process.ppid));
  const warnings: string[] = [];
  const service = attachDurableService(fakeApi, { databaseFile: file, warn: (message) => warnings.push(message) });
  const own = path.join(directory, `executions-${process.pid}.sqlite`);
  expect(service.store.file).toBe(own);
  expect(warnings).toEqual([expect.stringContaining(`another local stack (process ${process.ppid}) holds ${file}`)]);
  service.close();
  expect(existsSync(own)).toBe(false);
});

it('takes over a database whose owner is no longer running (a stack killed with SIGKILL)', () => {
  const file = path.join(directory, 'executions.sqlite');
  writeFileSync(`${file}.owner`, '2147483646');
  const service = attachDurableService(fakeApi, { databaseFile: file, warn: () => undefined });
  expect(service.store.file).toBe(file);
  service.close();
});
