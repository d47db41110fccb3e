/**
 * The bootstrap forked bare, over its IPC protocol, with no execution environment around it: what
 * only the process itself can show.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

function startBootstrap(handlerSource: string): ChildProcess {
  taskRoot = mkdtempSync(path.join(tmpdir(), 'bootstrap-test-'));
  writeFileSync(path.join(taskRoot, 'index.js'), handlerSource);
  child = fork(bootstrapPath, [], {
    env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: taskRoot, _HANDLER: 'index.handler' },
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return child;
}

async function nextMessage(process: ChildProcess): Promise<Record<string, unknown>> {
  const [message] = await once(process, 'message');
  return message as Record<string, unknown>;
}

describe('the runtime bootstrap', () => {
  it("listens for its parent's disconnect once", async () => {
    const bootstrap = startBootstrap("exports.handler = async () => process.listenerCount('disconnect');\n");
    expect(await nextMessage(bootstrap)).toMatchObject({ type: 'ready' });
    bootstrap.send({ type: 'invoke', requestId: 'r1', payload: '{}', deadlineEpochMs: Date.now() + 5000, invokedFunctionArn: 'arn' });
    expect(await nextMessage(bootstrap)).toMatchObject({ type: 'result', requestId: 'r1', payload: '1' });
  });

  it('ends when its parent disconnects, whatever the function left open', async () => {
    const bootstrap = startBootstrap('setInterval(() => {}, 1000);\nexports.handler = async () => 1;\n');
    expect(await nextMessage(bootstrap)).toMatchObject({ type: 'ready' });
    const exited = once(bootstrap, 'exit');
    bootstrap.disconnect();
    expect(await exited).toEqual([0, null]);
  });
});
