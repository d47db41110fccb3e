/**
 * Watch mode's choice between rebundling function code and synthesizing the app, on a record of
 * the last synthesis written by hand.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BundleRecord, planRebuild, type RecordedBundle } from '../../../assembly/function-rebuild';

const project = mkdtempSync(path.join(tmpdir(), 'function-rebuild-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));
const at = (relative: string) => path.join(project, relative);
for (const file of ['handler.ts', 'stack.ts', 'shared.ts', 'notes.md']) writeFileSync(at(file), '');

const bundle: RecordedBundle = {
  command: 'esbuild',
  args: [],
  cwd: project,
  extraEnvironment: {},
  inputs: new Set([at('handler.ts'), at('shared.ts')]),
  assetDirectory: at('cdk.out/asset.1'),
  codeDirectory: at('cdk.out/asset.1'),
};
const record: BundleRecord = { bundles: [bundle], appFiles: new Set([at('stack.ts'), at('shared.ts')]) };

describe('planRebuild', () => {
  it('rebundles for an edit of a bundle input the app does not read', () => {
    expect(planRebuild(record, [at('handler.ts')], project)).toEqual({ kind: 'rebundle', bundles: [bundle] });
  });

  it('ignores an editor temporary file that is gone, read by neither the app nor a bundle (a save by rename)', () => {
    expect(planRebuild(record, [at('handler.ts.swp'), at('handler.ts')], project)).toEqual({ kind: 'rebundle', bundles: [bundle] });
  });

  it('synthesizes for a file the app reads, a file that exists in no bundle, or nothing but gone files', () => {
    expect(planRebuild(record, [at('shared.ts')], project)).toEqual({ kind: 'synthesize', reason: 'the CDK app reads shared.ts' });
    expect(planRebuild(record, [at('notes.md')], project)).toEqual({ kind: 'synthesize', reason: "notes.md is in no function's bundle" });
    expect(planRebuild(record, [at('gone.tmp')], project)).toEqual({ kind: 'synthesize', reason: 'no changed file is in a bundle' });
    expect(planRebuild(undefined, [at('handler.ts')], project)).toEqual({ kind: 'synthesize', reason: 'no record of the last synthesis' });
  });
});
