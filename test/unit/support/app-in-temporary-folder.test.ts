/**
 * Tests that synthesize in process leave nothing in the system's temporary folder: 153
 * `/tmp/cdk.outXXXXXX` folders (CDK's own `mkdtemp` for an `App` without `outdir`) were there after
 * a day of `npm test`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appInTemporaryFolder, TEST_APP_FOLDER_PREFIX } from '../../support/app-in-temporary-folder';

const root = path.resolve(import.meta.dirname, '..', '..', '..');

/** Every test file and test helper of both packages, by path from the root. */
function testSources(): string[] {
  return ['test', 'local-cloud/test'].flatMap((folder) =>
    readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => path.join(folder, file)),
  );
}

describe('an app synthesized in a test', () => {
  let outdir = '';

  it('synthesizes into a folder of its own', () => {
    outdir = appInTemporaryFolder().outdir;
    expect(path.basename(outdir).startsWith(TEST_APP_FOLDER_PREFIX)).toBe(true);
    expect(existsSync(outdir)).toBe(true);
  });

  it('is removed when the test that made it ends', () => {
    expect(outdir).not.toBe('');
    expect(existsSync(outdir)).toBe(false);
  });

  it('is never an App without an outdir, which CDK leaves in /tmp', () => {
    const leaking = testSources().filter((file) => {
      // An App outside `cdk synth` (the fixtures' app.ts files run under it, which sets CDK_OUTDIR).
      if (file.endsWith('/app.ts')) return false;
      const text = readFileSync(path.join(root, file), 'utf8');
      return [...text.matchAll(/new App\(([^)]*)\)/g)].some((match) => !(match[1] ?? '').includes('outdir'));
    });
    expect(leaking).toEqual([]);
  });
});
