/**
 * The local cloud's `cdk.out` after a synthesis holds the assets the new assembly names, and no
 * bundle of an earlier synthesis: the CDK adds `asset.<hash>` folders at every edit and removes none.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneUnreferencedAssets } from '../../../assembly/prune-assets';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

const hash = (digit: string) => digit.repeat(64);

function assembly(): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'prune-assets-'));
  directories.push(outdir);
  writeFileSync(path.join(outdir, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts: {} }));
  // What the synthesis just wrote names: a bundle folder, a zip file, and a stage's asset.
  writeFileSync(
    path.join(outdir, 'App.assets.json'),
    JSON.stringify({ files: { [hash('a')]: { source: { path: `asset.${hash('a')}`, packaging: 'zip' } } } }),
  );
  writeFileSync(path.join(outdir, 'App.template.json'), JSON.stringify({ Metadata: { 'aws:asset:path': `asset.${hash('b')}.zip` } }));
  mkdirSync(path.join(outdir, 'assembly-Stage'));
  writeFileSync(path.join(outdir, 'assembly-Stage', 'Stage-App.assets.json'), JSON.stringify({ path: `../asset.${hash('c')}` }));
  for (const digit of ['a', 'c', 'd', 'e']) {
    mkdirSync(path.join(outdir, `asset.${hash(digit)}`));
    writeFileSync(path.join(outdir, `asset.${hash(digit)}`, 'index.js'), '');
  }
  writeFileSync(path.join(outdir, `asset.${hash('b')}.zip`), '');
  writeFileSync(path.join(outdir, `asset.${hash('f')}.zip`), '');
  return outdir;
}

describe('pruning the assets of earlier syntheses', () => {
  it('removes the asset folders and files no manifest of the assembly names, and keeps the rest', () => {
    const outdir = assembly();
    const removed = pruneUnreferencedAssets(outdir);
    expect(removed.sort()).toEqual([`asset.${hash('d')}`, `asset.${hash('e')}`, `asset.${hash('f')}.zip`]);
    expect(readdirSync(outdir).sort()).toEqual(
      [
        'App.assets.json',
        'App.template.json',
        'assembly-Stage',
        `asset.${hash('a')}`,
        `asset.${hash('b')}.zip`,
        `asset.${hash('c')}`,
        'manifest.json',
      ].sort(),
    );
  });

  it('removes nothing from a folder whose manifests name no asset', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'prune-assets-'));
    directories.push(outdir);
    mkdirSync(path.join(outdir, `asset.${hash('a')}`));
    expect(pruneUnreferencedAssets(outdir)).toEqual([]);
    expect(existsSync(path.join(outdir, `asset.${hash('a')}`))).toBe(true);
  });
});
