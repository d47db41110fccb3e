/**
 * Low of issue 17: a body trickled a byte at a time, each just inside the idle timeout, is cut
 * at its deadline instead of holding its connection and its share of the budget for ever.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BodyResult, bodyDeadlineMs, readBoundedBody } from '../../../server/read-body';

let server: Server;
let result: Promise<BodyResult>;
let resolveResult: (value: BodyResult) => void;

beforeAll(async () => {
  result = new Promise((resolve) => (resolveResult = resolve));
  server = createServer((request, response) => {
    void readBoundedBody(request, 1024, { idleTimeoutMs: 300, deadlineMs: 800 }).then((read) => {
      resolveResult(read);
      if (!response.destroyed) response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a request body', () => {
  it('trickled inside the idle timeout is cut at its deadline', async () => {
    const { port } = server.address() as AddressInfo;
    const client = httpRequest({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': '100' } });
    client.on('error', () => undefined);
    const started = performance.now();
    const trickle = setInterval(() => client.write('x'), 100);
    try {
      const read = await result;
      expect(read).toEqual({ kind: 'cut', reason: 'body not complete within 800 ms' });
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      clearInterval(trickle);
      client.destroy();
    }
  });

  it('has by default a deadline of 30 s plus 64 KiB a second of its length', () => {
    expect(bodyDeadlineMs(0)).toBe(30_000);
    expect(bodyDeadlineMs(6 * 1024 * 1024)).toBe(30_000 + 96_000);
  });
});
