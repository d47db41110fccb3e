import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The local cloud's fixture app (`local-cloud/test/fixtures/fixture-app`), synthesized once for its sources. */
    fixtureCdkOut: string;
  }
}

const packageDirectory = path.resolve(import.meta.dirname, '..', '..');
const fixtureDirectory = path.join(packageDirectory, 'test', 'fixtures', 'fixture-app');
const HASH_FILE = '.source-hash';

/**
 * Synthesizes the fixture app into a cache (`local-cloud/.local-cloud/test-assemblies/fixture`)
 * when its sources or the lock file changed since the assembly there was made: a second run over
 * the same sources synthesizes nothing.
 */
export default async function setup(project: TestProject): Promise<void> {
  // No synthesis of this package's tests needs the CDK's built-in CloudFormation validation, about
  // half of a synthesis's CPU: the fixture apps are not what is deployed. The run's processes
  // inherit this; `CDK_VALIDATION=true npx vitest run` keeps it.
  process.env.CDK_VALIDATION ??= 'false';
  const outdir = path.join(packageDirectory, '.local-cloud', 'test-assemblies', 'fixture');
  const hash = fixtureHash();
  const hashFile = path.join(outdir, HASH_FILE);
  if (!existsSync(hashFile) || readFileSync(hashFile, 'utf8') !== hash) {
    rmSync(outdir, { recursive: true, force: true });
    await synthesizeFixture(outdir);
    writeFileSync(hashFile, hash);
  }
  project.provide('fixtureCdkOut', outdir);
}

/** What the fixture assembly is made of: the fixture app's files and the installed packages (by the lock file). */
function fixtureHash(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(path.join(packageDirectory, '..', 'package-lock.json')));
  for (const entry of readdirSync(fixtureDirectory).sort()) {
    hash.update(entry);
    hash.update(readFileSync(path.join(fixtureDirectory, entry)));
  }
  return hash.digest('hex');
}

/** The fixture app, synthesized in a child process whose bundling output is shown only if it fails. */
async function synthesizeFixture(outdir: string): Promise<void> {
  const script = path.join(fixtureDirectory, 'synth.ts');
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script, outdir], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`synthesizing the fixture app failed:\n${stdout}${stderr}`);
  }
}
