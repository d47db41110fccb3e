import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { synthesize } from '../local-cloud/synthesize';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A cloud assembly of the app with default configuration, synthesized once for the run. */
    cdkOut: string;
  }
}

/**
 * Synthesizes the real app as `cdk synth` does (cdk.json's command and context, cdk-nag's checks
 * included) once for the whole test run.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'multi-square-cdk-out-'));
  await synthesize({ projectDirectory: path.resolve(import.meta.dirname, '..'), outdir });
  project.provide('cdkOut', outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
