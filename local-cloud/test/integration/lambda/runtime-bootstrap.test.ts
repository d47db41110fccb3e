/**
 * The bootstrap started bare, over its channel on fd 3 (JSON lines), with no execution environment
 * around it: what only the process itself can show.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const bootstrapPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../lambda/runtime/runtime-bootstrap.cjs');

let taskRoot: string | undefined;
let child: ChildProcess | undefined;

afterEach(() => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  if (taskRoot !== undefined) rmSync(taskRoot, { recursive: true, force: true });
});

function startBootstrap(handlerSource: string): { process: ChildProcess; channel: Socket; next: () => Promise<Record<string, unknown>> } {
  taskRoot = mkdtempSync(path.join(tmpdir(), 'bootstrap-test-'));
  writeFileSync(path.join(taskRoot, 'index.js'), handlerSource);
  child = spawn(process.execPath, [bootstrapPath], {
    env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: taskRoot, _HANDLER: 'index.handler' },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const channel = child.stdio[3] as Socket;
  channel.setEncoding('utf8');
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let partial = '';
  channel.on('data', (text: string) => {
    partial += text;
    for (let newline = partial.indexOf('\n'); newline !== -1; newline = partial.indexOf('\n')) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      const resolve = waiting.shift();
      if (resolve === undefined) lines.push(line);
      else resolve(line);
    }
  });
  const next = async () =>
    JSON.parse(await new Promise<string>((resolve) => (lines.length > 0 ? resolve(lines.shift() ?? '') : waiting.push(resolve))));
  return { process: child, channel, next };
}

describe('the runtime bootstrap', () => {
  it('answers on its channel, and leaves the function no Node.js IPC channel (process.send is undefined, as on Lambda)', async () => {
    const bootstrap = startBootstrap("exports.handler = async () => [typeof process.send, process.listenerCount('disconnect')];\n");
    expect(await bootstrap.next()).toMatchObject({ type: 'ready' });
    bootstrap.channel.write(
      `${JSON.stringify({ type: 'invoke', requestId: 'r1', payload: '{}', deadlineEpochMs: Date.now() + 5000, invokedFunctionArn: 'arn' })}\n`,
    );
    expect(await bootstrap.next()).toMatchObject({ type: 'result', requestId: 'r1', payload: '["undefined",0]' });
  });

  it('ends when its channel closes (the local cloud went away), whatever the function left open', async () => {
    const bootstrap = startBootstrap('setInterval(() => {}, 1000);\nexports.handler = async () => 1;\n');
    expect(await bootstrap.next()).toMatchObject({ type: 'ready' });
    const exited = once(bootstrap.process, 'exit');
    bootstrap.channel.destroy();
    expect(await exited).toEqual([0, null]);
  });
});
