import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The local cloud's fixture app (`local-cloud/test/fixtures/fixture-app`), synthesized once for the run. */
    fixtureCdkOut: string;
  }
}

/** Synthesizes the fixture app once for the local cloud's integration run. */
export default async function setup(project: TestProject): Promise<() => void> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'local-cloud-fixture-cdk-out-'));
  await synthesizeFixture(outdir);
  project.provide('fixtureCdkOut', outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}

/** The fixture app, synthesized in a child process whose bundling output is shown only if it fails. */
async function synthesizeFixture(outdir: string): Promise<void> {
  const script = path.join(import.meta.dirname, '..', 'fixtures', 'fixture-app', 'synth.ts');
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script, outdir], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`synthesizing the fixture app failed:\n${stdout}${stderr}`);
  }
}
