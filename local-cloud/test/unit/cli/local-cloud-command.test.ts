/**
 * The package's bin, `local-cloud <command>`, in process (`runLocalCloud(argv, io)`): its own help,
 * version and usage errors, and that each command gets the arguments after its name. Serving an
 * app through the packed bin is local-cloud/test/integration/package/packed-local-cloud.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLOUD_USAGE, runLocalCloud } from '../../../cli/local-cloud-command';
import { PACKAGE_DIRECTORY, packagePath } from '../../../core/package-files';

let folder: string;
beforeAll(() => {
  // No app here: a command that got as far as synthesizing would fail, not pass by accident.
  folder = mkdtempSync(path.join(tmpdir(), 'local-cloud-command-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function localCloud(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runLocalCloud(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    readStdin: () => '',
    cwd: folder,
  });
  return { code, stdout, stderr };
}

describe('local-cloud (the bin)', () => {
  it('prints its usage, naming both commands, on --help, -h and help', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const { code, stdout, stderr } = await localCloud([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(`${LOCAL_CLOUD_USAGE}\n`);
      expect(stdout).toMatch(/^ {2}start /m);
      expect(stdout).toMatch(/^ {2}invoke /m);
      expect(stderr).toBe('');
    }
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(path.join(PACKAGE_DIRECTORY, 'package.json'), 'utf8')) as { version: string };
    expect((await localCloud(['--version'])).stdout).toBe(`${version}\n`);
  });

  it('exits 2 with the usage on stderr when the command is missing or unknown', async () => {
    const missing = await localCloud([]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain('Name a command.');
    const unknown = await localCloud(['serve', '--watch']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^Unknown command: serve\.\n\nUsage: local-cloud <command>/);
  });

  it("passes what follows the command to it: invoke's own help and usage errors", async () => {
    const help = await localCloud(['invoke', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Invokes one function of the local stack once');
    // No function named: invoke's usage error, not the dispatcher's.
    const noFunction = await localCloud(['invoke']);
    expect(noFunction).toMatchObject({ code: 2, stderr: 'Name the function to invoke.\n' });
  });
});

describe('the package folder', () => {
  it('is the one with the local cloud package.json, and holds the files run by path', () => {
    const manifest = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { name: string };
    expect(manifest.name).toBe('@multi-square/local-cloud');
    for (const file of ['lambda/runtime/runtime-bootstrap.cjs', 'lambda/runtime/error-types.json', 'assembly/bundle-recorder.cjs']) {
      expect(readFileSync(packagePath(...file.split('/')), 'utf8').length).toBeGreaterThan(0);
    }
  });
});
