import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createApp } from '../lib/app';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A cloud assembly of the app with default configuration, synthesized once for the run. */
    cdkOut: string;
  }
}

/** Synthesizes the real app, with cdk-nag's checks, once for the whole test run. */
export default function setup(project: TestProject): () => void {
  const outdir = mkdtempSync(path.join(tmpdir(), 'multi-square-cdk-out-'));
  // As the CDK CLI does by default, so the template names each function's asset directory.
  createApp({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } }).synth();
  project.provide('cdkOut', outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
