/**
 * `npm run square` as a real process, the two things only a process shows: its exit status and
 * streams as the shell sees them (numbers on stdin, a 4xx as exit 2), and the progress line on a
 * real pseudo-terminal. Everything else about the command is tested in process
 * (test/unit/cli/square-cli.test.ts).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { projectDirectory } from './support/processes';

// Each step starts a real process on a machine the whole suite shares.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let server: Server;
let url: string;
let delayMs = 0;

beforeAll(async () => {
  // Squares what it is sent; refuses "x" with a 400, as the API does.
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const numbers = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { numbers: unknown[] }).numbers;
      const refused = numbers.includes('x');
      const body = refused
        ? { error: { code: 'InvalidRequest', message: 'invalid', details: [{ path: 'numbers[0]', message: 'not a number' }] } }
        : { results: [], lines: numbers.map((n) => `${String(n)} squared to ${String(Number(n) ** 2)} by: id`) };
      setTimeout(() => {
        if (!response.destroyed) response.writeHead(refused ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// As `npm run square` runs it: from its cached bundle (cli/run-bundled.mjs).
const cli = (...args: string[]) => [
  path.join(projectDirectory, 'cli', 'run-bundled.mjs'),
  'cli/square.ts',
  '--url',
  url,
  '--no-sign',
  ...args,
];

describe('npm run square as a process', () => {
  it('reads numbers from stdin, prints the lines on stdout, and exits 2 on a 4xx', async () => {
    delayMs = 0;
    const squared = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, cli('-'), { cwd: projectDirectory }, (error, stdout) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout }),
      );
      child.stdin?.end('4\n5\n');
    });
    expect(squared).toEqual({ code: 0, stdout: '4 squared to 16 by: id\n5 squared to 25 by: id\n' });

    const refused = await promisify(execFile)(process.execPath, cli('x'), { cwd: projectDirectory }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('argument 1, numbers[0]: not a number') });
  });

  it('counts the seconds on a real terminal while it waits', async () => {
    delayMs = 1800;
    const command = [process.execPath, ...cli('2')].map((part) => `'${part}'`).join(' ');
    // `script` gives the CLI a pseudo-terminal, as a person's shell would.
    const { stdout: onTerminal } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: projectDirectory });
    expect(onTerminal).toMatch(/\rWaiting for the API: 1\.\d s/);
    expect(onTerminal).toContain('2 squared to 4 by: id');
  });
});
