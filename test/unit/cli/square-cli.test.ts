/**
 * `npm run square` as a command: numbers from a file or stdin, exit codes by the API's answer,
 * messages that name the argument or line, and the progress line only on a terminal. The command
 * runs in process (`run(argv, io)`, its streams captured) against a real HTTP server on loopback
 * that answers as the API would in each case (the real API's answers are covered end to end in
 * test/integration/end-to-end; the command as a real process in test/integration/dev-loop/square-cli.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../cli/square-command';

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly delayMs?: number;
}

let server: Server;
let url: string;
let scratch: string;
/** What the server answers next, and what it was sent. */
let answer: (numbers: unknown[]) => Answer;
let received: unknown[] = [];
let receivedText = '';

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'square-cli-'));
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receivedText = Buffer.concat(chunks).toString('utf8');
      received = (JSON.parse(receivedText) as { numbers: unknown[] }).numbers;
      const { status, body, delayMs = 0 } = answer(received);
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

const squaredAll = (numbers: unknown[]): Answer => ({
  status: 200,
  body: { results: [], lines: numbers.map((n) => `${String(n)} squared to ${String(Number(n) ** 2)} by: id`) },
});

/** A stream that keeps what is written to it; `isTTY` as a terminal or a pipe would say. */
class Captured extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

/** `npm run square -- --url <server> --no-sign ...args`, in process; `terminal`: stderr says it is a TTY. */
async function square(args: readonly string[], stdin = '', terminal = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Captured(false);
  const stderr = new Captured(terminal);
  const code = await run(['--url', url, '--no-sign', ...args], { stdout, stderr, readStdin: () => stdin, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('npm run square: where the numbers come from', () => {
  it('reads one number per line from --file, skipping blank lines, and sends them as written', async () => {
    answer = squaredAll;
    const file = path.join(scratch, 'numbers.txt');
    writeFileSync(file, '2\n\n  -3  \n9007199254740993\n\n');
    const { code, stdout } = await square(['--file', file]);
    expect(code).toBe(0);
    // 2^53 + 1 as written, not as a double would round it.
    expect(receivedText).toBe('{"numbers":[2,-3,9007199254740993]}');
    expect(stdout.trim().split('\n')).toHaveLength(3);
  });

  it('sends 1000 numbers of 500 digits from a file, more than a command line holds', async () => {
    answer = (numbers) => ({ status: 200, body: { results: [], lines: numbers.map((_, index) => `line ${index}`) } });
    const numbers = Array.from({ length: 1000 }, (_, index) => `${index + 1}`.padEnd(500, '7'));
    const file = path.join(scratch, 'long.txt');
    writeFileSync(file, `${numbers.join('\n')}\n`);
    const { code, stdout } = await square(['--file', file]);
    expect(code).toBe(0);
    expect(receivedText).toBe(`{"numbers":[${numbers.join(',')}]}`);
    expect(stdout.trim().split('\n')).toHaveLength(1000);
  });

  it('reads them from stdin with a lone -', async () => {
    answer = squaredAll;
    const { code, stdout } = await square(['-'], '4\n5\n');
    expect(code).toBe(0);
    expect(stdout).toBe('4 squared to 16 by: id\n5 squared to 25 by: id\n');
  });

  it('refuses numbers given both ways, and a file with none', async () => {
    const file = path.join(scratch, 'empty.txt');
    writeFileSync(file, '\n\n');
    expect((await square(['--file', file, '2'])).code).toBe(2);
    const empty = await square(['--file', file]);
    expect(empty.code).toBe(2);
    // One line, not the whole usage: the command was right, the file was not.
    expect(empty.stderr).toBe(`Give at least one number (${file} has none).\n`);
  });
});

describe('npm run square: exit codes and messages', () => {
  const refusal = {
    status: 400,
    body: {
      error: {
        code: 'InvalidRequest',
        message: '1 of 2 numbers are invalid',
        details: [{ path: 'numbers[1]', message: '"x" is not a decimal integer' }],
      },
    },
  };

  it('exits 2 on a 4xx, naming the argument as well as numbers[i]', async () => {
    answer = () => refusal;
    const { code, stderr } = await square(['2', 'x']);
    expect(code).toBe(2);
    expect(stderr).toContain('argument 2, numbers[1]: "x" is not a decimal integer');
  });

  it('names the line of the file, counting blank lines as the file does', async () => {
    answer = () => refusal;
    const file = path.join(scratch, 'bad.txt');
    writeFileSync(file, '2\n\nx\n');
    const { code, stderr } = await square(['--file', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`line 3 of ${file}, numbers[1]: "x" is not a decimal integer`);
  });

  it('exits 1 when the API answers 502, naming each failed number and where it came from', async () => {
    answer = () => ({
      status: 502,
      body: {
        results: [
          { number: 2, result: 4 },
          { number: 3, error: { type: 'SquarerFailed', message: 'it crashed' } },
        ],
        lines: ['2 squared to 4 by: id'],
      },
    });
    const { code, stdout, stderr } = await square(['2', '3']);
    expect(code).toBe(1);
    expect(stdout).toBe('2 squared to 4 by: id\n');
    expect(stderr).toContain('3 (argument 2, numbers[1]) failed: SquarerFailed: it crashed');
    expect(stderr).toContain('1 of 2 numbers could not be squared.');
  });

  it('exits 3 on any other 5xx', async () => {
    for (const status of [500, 503, 504]) {
      answer = () => ({ status, body: { message: 'Service Unavailable' } });
      expect((await square(['2'])).code).toBe(3);
    }
  });

  it('exits 3 when the API is unreachable or does not answer in time', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const stderr = new Captured(false);
    const code = await run(['--url', `http://127.0.0.1:${port}`, '--no-sign', '2'], {
      stdout: new Captured(false),
      stderr,
      readStdin: () => '',
      env: {},
    });
    expect(code).toBe(3);
    const unreachable = { stderr: stderr.text };
    expect(unreachable.stderr).toContain('ECONNREFUSED');

    answer = (numbers) => ({ ...squaredAll(numbers), delayMs: 5000 });
    const slow = await square(['--timeout', '0.5', '2']);
    expect(slow.code).toBe(3);
    expect(slow.stderr).toContain('did not answer within 0.5 s (--timeout)');
  });

  it('documents every exit code and when lines print in --help', async () => {
    const { stdout } = await square(['--help']);
    for (const code of ['0  every number', '1  the API answered 502', '2  bad usage', '3  the API or the network failed'])
      expect(stdout).toContain(code);
    expect(stdout).toContain('The API answers once every number is done');
  });
});

describe('npm run square: the progress line', () => {
  it('counts the seconds on a terminal after one second, and prints nothing of it when stderr is not a terminal', async () => {
    answer = (numbers) => ({ ...squaredAll(numbers), delayMs: 1500 });
    // Side by side: each call has its own streams, and both wait out the same delay.
    const [onTerminal, piped] = await Promise.all([square(['2'], '', true), square(['2'])]);
    expect(onTerminal.stderr).toMatch(/\rWaiting for the API: 1\.\d s/);
    // Erased when the answer comes.
    expect(onTerminal.stderr.endsWith('\r\u001b[K')).toBe(true);
    expect(onTerminal.stdout).toContain('2 squared to 4 by: id');

    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain('Waiting');
  });
});
