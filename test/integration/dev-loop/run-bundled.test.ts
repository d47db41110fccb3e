/**
 * cli/run-bundled.mjs, which `npm run square` and `npm run invoke` run: a TypeScript command from
 * a bundle cached in node_modules/.cache/multi-square/cli/, rebuilt when a source file changes,
 * with each file's own import.meta paths and the command's exit status. On a command of its own,
 * in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { projectDirectory } from './support/processes';

vi.setConfig({ testTimeout: 120_000 });

const launcher = path.join(projectDirectory, 'cli', 'run-bundled.mjs');
const cacheDirectory = path.join(projectDirectory, 'node_modules', '.cache', 'multi-square', 'cli');
const scratch = mkdtempSync(path.join(tmpdir(), 'run-bundled-'));
const command = path.join(scratch, 'command.ts');
const message = path.join(scratch, 'message.ts');
/** The command's files in the cache have its folder's name in theirs. */
const cachedName = path.basename(scratch).replace(/[^A-Za-z0-9_]+/g, '-');
writeFileSync(
  command,
  `import { message } from './message';
console.log(message, process.argv.slice(2).join(' '), import.meta.dirname);
process.exitCode = 3;
`,
);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const entry of readdirSync(cacheDirectory).filter((name) => name.includes(cachedName))) {
    rmSync(path.join(cacheDirectory, entry), { recursive: true, force: true });
  }
});

async function runCommand(): Promise<{ code: number; stdout: string; built: string }> {
  const { code, stdout } = await promisify(execFile)(process.execPath, [launcher, command, 'a', 'b']).then(
    ({ stdout: out }) => ({ code: 0, stdout: out }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  const manifest = readdirSync(cacheDirectory).find((name) => name.includes(cachedName) && name.endsWith('.json'));
  const built = (JSON.parse(readFileSync(path.join(cacheDirectory, manifest ?? 'none'), 'utf8')) as { entry: string }).entry;
  return { code, stdout, built };
}

describe('cli/run-bundled.mjs', () => {
  it('runs a TypeScript command with its arguments, its own import.meta paths and its exit status, and rebuilds it only when a source changed', async () => {
    writeFileSync(message, "export const message: string = 'one';\n");
    const first = await runCommand();
    expect(first).toMatchObject({ code: 3, stdout: `one a b ${scratch}\n` });

    const again = await runCommand();
    expect(again.built).toBe(first.built);

    writeFileSync(message, "export const message: string = 'two, changed';\n");
    const changed = await runCommand();
    expect(changed.stdout).toBe(`two, changed a b ${scratch}\n`);
    expect(changed.built).not.toBe(first.built);
  });
});
