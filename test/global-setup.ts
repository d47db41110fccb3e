import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { synthesize } from '@multi-square/local-cloud';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A cloud assembly of the app with default configuration, synthesized once for the run. */
    cdkOut: string;
    /**
     * The same app with stage throttling raised out of the way (10 000 rps, burst 5 000), for the
     * suites that send thousands of requests: the default of 10 rps would refuse most of them.
     */
    cdkOutUnthrottled: string;
    /** The local cloud's fixture app (`test/fixtures/local-cloud`), synthesized once for the run. */
    fixtureCdkOut: string;
  }
}

/**
 * Synthesizes the real app as `cdk synth` does (cdk.json's command and context, cdk-nag's checks
 * included) once for the whole test run, and the local cloud's fixture app beside it. Their bundling
 * output is kept out of the test report.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const projectDirectory = path.resolve(import.meta.dirname, '..');
  const outdir = mkdtempSync(path.join(tmpdir(), 'multi-square-cdk-out-'));
  const unthrottledOutdir = mkdtempSync(path.join(tmpdir(), 'multi-square-cdk-out-unthrottled-'));
  const fixtureOutdir = mkdtempSync(path.join(tmpdir(), 'local-cloud-fixture-cdk-out-'));
  await Promise.all([
    synthesizeFixture(fixtureOutdir),
    synthesize({ projectDirectory, outdir }),
    synthesize({ projectDirectory, outdir: unthrottledOutdir, context: { throttleRateLimit: 10_000, throttleBurstLimit: 5_000 } }),
  ]);
  project.provide('cdkOut', outdir);
  project.provide('cdkOutUnthrottled', unthrottledOutdir);
  project.provide('fixtureCdkOut', fixtureOutdir);
  return () => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(unthrottledOutdir, { recursive: true, force: true });
    rmSync(fixtureOutdir, { recursive: true, force: true });
  };
}

/** The fixture app, synthesized in a child process whose bundling output is shown only if it fails. */
async function synthesizeFixture(outdir: string): Promise<void> {
  const script = path.join(import.meta.dirname, 'fixtures', 'local-cloud', 'synth.ts');
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script, outdir], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`synthesizing the fixture app failed:\n${stdout}${stderr}`);
  }
}
