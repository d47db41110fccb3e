/**
 * `npm start -- --inspect FN=PORT` on real environments: of several started at once, one listens
 * on PORT (on 127.0.0.1) and the others on ports of their own, and each is announced on the local
 * cloud's records, which the console shows whatever `--logs-of` hides.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { formatLogRecord } from '../../../core/log-record';
import { startLocalStack } from '../../../stack/local-stack';
import { fixtureFunctionNamed } from '../../fixtures/fixture-app/fixture-stack';

const project = mkdtempSync(path.join(os.tmpdir(), 'inspector-port-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** A port nothing listens on just now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the inspector of a function given a port', () => {
  it('listens on that port in one environment, on other ports in the others, each announced', async () => {
    const sleeper = fixtureFunctionNamed(loadCloudAssembly(inject('fixtureCdkOut')).functions, 'Sleep').name;
    const port = await freePort();
    const lines: string[] = [];
    const stack = await startLocalStack({
      projectDirectory: project,
      cdkOut: inject('fixtureCdkOut'),
      httpPort: 0,
      lambdaPort: 0,
      inspect: sleeper,
      inspectPort: port,
      writeStateFile: false,
      logSink: (record) => lines.push(formatLogRecord(record)),
      // An environment per invocation: by default a fresh function starts one and waits for its first invocation.
      lambda: { environmentPerInvocation: true },
    });
    try {
      expect(stack.inspectPort).toBe(port);
      // Three at once, none warm: three environments start.
      await Promise.all([1, 2, 3].map(() => stack.invokeApi.service.invoke(sleeper, Buffer.from('{"ms": 300}'))));
      const announced = lines
        .filter((line) => line.startsWith('[local-lambda] '))
        .map((line) => /debugger listens on 127\.0\.0\.1:(\d+)/.exec(line)?.[1])
        .filter((found) => found !== undefined)
        .map(Number);
      expect(announced).toHaveLength(3);
      expect(announced.filter((found) => found === port)).toHaveLength(1);
      expect(new Set(announced).size).toBe(3);
      const connects = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      expect(connects).toBe(true);
    } finally {
      await stack.close();
    }
  });
});
