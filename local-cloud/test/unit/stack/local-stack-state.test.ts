/**
 * How a command (`npm run square`, `npm run invoke`) finds the running `npm start` of a folder:
 * a state file naming a live process whose port accepts a connection, found without sending the
 * stack a request, so that nothing lands in its access log.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunningLocalStacks, stacksDirectoryOf } from '../../../stack/local-stack-state';

let project: string;
let server: Server;
let port: number;
const requests: string[] = [];

beforeAll(async () => {
  project = mkdtempSync(path.join(tmpdir(), 'local-stack-state-'));
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(project, { recursive: true, force: true });
});

function writeState(pid: number, httpPort: number): void {
  const directory = stacksDirectoryOf(project);
  mkdirSync(directory, { recursive: true });
  const endpoints = { httpApiUrl: `http://127.0.0.1:${httpPort}`, lambdaUrl: `http://127.0.0.1:${httpPort}`, region: 'us-east-1', pid };
  writeFileSync(path.join(directory, `${pid}.json`), JSON.stringify(endpoints));
}

describe('finding the running local stack', () => {
  it('finds a live stack whose port listens, without sending it a request', async () => {
    writeState(process.pid, port);
    const found = await readRunningLocalStacks(project);
    expect(found.map((endpoints) => endpoints.pid)).toEqual([process.pid]);
    // Before, every lookup sent `GET /`: a 404 in the stack's access log at each `npm run square`.
    expect(requests).toEqual([]);
  });

  it('passes over a live process whose port does not listen', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    writeState(process.pid, closedPort);
    expect(await readRunningLocalStacks(project)).toEqual([]);
  });
});
