/**
 * Watch mode's reload: an edit of function code alone reruns just that function's recorded
 * esbuild command and serves the new code without synthesizing; an edit of a file the CDK app
 * reads, or of the app itself, synthesizes the app. Runs on a copy of a small bundled app.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Each synthesis runs the CDK app in real processes, on a machine the whole suite shares.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

import { LOCAL_CREDENTIALS, type RunningLocalStack, startLocalStack } from '../../../stack/local-stack';

const packageRoot = path.resolve(import.meta.dirname, '..', '..', '..');
let app: string;
let stack: RunningLocalStack;

beforeAll(async () => {
  app = mkdtempSync(path.join(tmpdir(), 'bundled-app-'));
  cpSync(path.join(packageRoot, 'test', 'fixtures', 'bundled-app'), app, { recursive: true });
  symlinkSync(path.join(packageRoot, '..', 'node_modules'), path.join(app, 'node_modules'));
  stack = await startLocalStack({
    projectDirectory: app,
    httpPort: 0,
    lambdaPort: 0,
    credentials: LOCAL_CREDENTIALS,
    writeStateFile: false,
    logSink: () => undefined,
  });
});

afterAll(async () => {
  await stack?.close();
  if (app !== undefined) rmSync(app, { recursive: true, force: true });
});

async function hello(): Promise<unknown> {
  const name = stack.assembly.functions[0]?.name ?? 'missing';
  const outcome = await stack.invokeApi.service.invoke(name, Buffer.from('{}'));
  return JSON.parse(outcome.payload.toString('utf8'));
}

/** Saves as an editor does: a new file renamed over the old one. */
function save(relative: string, edit: (source: string) => string): string {
  const file = path.join(app, relative);
  writeFileSync(`${file}.tmp`, edit(readFileSync(file, 'utf8')));
  renameSync(`${file}.tmp`, file);
  return relative;
}

describe('reload with the changed files named', () => {
  it('rebundles only the function when only function code changed, and serves it', async () => {
    expect(await hello()).toEqual({ message: 'message-0', label: 'label-0', environment: 'label-0' });
    for (const version of ['message-1', 'message-2']) {
      const changed = save('functions/message.ts', (source) => source.replace(/message-\d/, version));
      const result = await stack.reload([changed]);
      expect(result).toMatchObject({ how: 'rebundled', needsRestart: [], replaced: [stack.assembly.functions[0]?.name] });
      expect(await hello()).toMatchObject({ message: version });
    }
  });

  it('synthesizes when the CDK app reads the changed file, even if a function bundles it too', async () => {
    const changed = save('shared.ts', (source) => source.replace('label-0', 'label-1'));
    const result = await stack.reload([changed]);
    expect(result.how).toBe('synthesized');
    expect(result.reason).toContain('the CDK app reads shared.ts');
    expect(await hello()).toEqual({ message: 'message-2', label: 'label-1', environment: 'label-1' });
  });

  it('rebundles again after that synthesis, from its new record', async () => {
    const changed = save('functions/message.ts', (source) => source.replace(/message-\d/, 'message-3'));
    expect((await stack.reload([changed])).how).toBe('rebundled');
    expect(await hello()).toMatchObject({ message: 'message-3', label: 'label-1' });
  });

  it('synthesizes for a file no bundle holds', async () => {
    writeFileSync(path.join(app, 'notes.ts'), 'export {};\n');
    expect(await stack.reload(['notes.ts'])).toMatchObject({ how: 'synthesized', reason: "notes.ts is in no function's bundle" });
  });
});
