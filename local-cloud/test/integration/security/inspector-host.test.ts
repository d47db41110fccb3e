/**
 * H2 of issue 17: with `--host 0.0.0.0 --allow-remote --inspect`, the inspector (which runs any
 * code it is sent, unauthenticated) stays on 127.0.0.1: from another address of this machine its
 * port answers nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { formatLogRecord } from '../../../core/log-record';
import { startLocalStack } from '../../../stack/local-stack';
import { fixtureFunctionNamed } from '../../fixtures/fixture-app/fixture-stack';

const project = mkdtempSync(path.join(os.tmpdir(), 'inspector-host-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** An address of this machine that is not loopback (the network's view of it). */
function networkAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address;
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the inspector of a stack open to the network', () => {
  it('listens on 127.0.0.1 only, whatever --host says', async () => {
    const address = networkAddress();
    expect(address, 'this test needs a non-loopback IPv4 address').toBeDefined();
    const echo = fixtureFunctionNamed(loadCloudAssembly(inject('fixtureCdkOut')).functions, 'Echo').name;
    const lines: string[] = [];
    const stack = await startLocalStack({
      projectDirectory: project,
      cdkOut: inject('fixtureCdkOut'),
      host: '0.0.0.0',
      allowRemote: true,
      credentials: {
        accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
      },
      httpPort: 0,
      lambdaPort: 0,
      inspect: echo,
      writeStateFile: false,
      logSink: (record) => lines.push(formatLogRecord(record)),
    });
    try {
      await stack.invokeApi.service.invoke(echo, Buffer.from('{}'));
      const listening = lines.map((line) => /Debugger listening on ws:\/\/([^/]+):(\d+)\//.exec(line)).find((match) => match !== null);
      expect(listening?.[1]).toBe('127.0.0.1');
      const port = Number(listening?.[2]);
      expect(await connects('127.0.0.1', port)).toBe(true);
      expect(await connects(address ?? '', port)).toBe(false);
    } finally {
      await stack.close();
    }
  });
});
