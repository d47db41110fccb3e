/**
 * A CDK `App` for a test that synthesizes in process (`Template.fromStack`, `app.synth()`): its
 * assembly goes into a folder of its own that is removed when the test ends. An `App` given no
 * `outdir` outside `cdk synth` makes one with `mkdtemp` in the system's temporary folder
 * (`/tmp/cdk.outXXXXXX`, bundles and all) and never removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { onTestFinished } from 'vitest';

/** The prefix of the folders these apps synthesize into. */
export const TEST_APP_FOLDER_PREFIX = 'multi-square-test-app-';

/** An `App` whose assembly is removed when the current test finishes. Call it inside a test. */
export function appInTemporaryFolder(props: Omit<AppProps, 'outdir'> = {}): App {
  const outdir = mkdtempSync(path.join(tmpdir(), TEST_APP_FOLDER_PREFIX));
  onTestFinished(() => rmSync(outdir, { recursive: true, force: true }));
  return new App({ ...props, outdir });
}
