import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
  }
}

/**
 * Synthesizes the real app as `cdk synth` does (cdk.json's command and context, cdk-nag's checks
 * included) once for the whole integration run.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const projectDirectory = path.resolve(import.meta.dirname, '..', '..');
  const outdir = mkdtempSync(path.join(tmpdir(), 'multi-square-cdk-out-'));
  const unthrottledOutdir = mkdtempSync(path.join(tmpdir(), 'multi-square-cdk-out-unthrottled-'));
  await Promise.all([
    synthesize({ projectDirectory, outdir }),
    synthesize({ projectDirectory, outdir: unthrottledOutdir, context: { throttleRateLimit: 10_000, throttleBurstLimit: 5_000 } }),
  ]);
  project.provide('cdkOut', outdir);
  project.provide('cdkOutUnthrottled', unthrottledOutdir);
  return () => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(unthrottledOutdir, { recursive: true, force: true });
  };
}
