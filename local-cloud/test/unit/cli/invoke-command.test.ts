/**
 * `npm run invoke`'s usage errors, in process (`runInvoke(argv, io)`): each exits 2 with a message
 * before it starts a stack or synthesizes anything. Invocations themselves are integration tests
 * (test/integration/dev-loop/invoke.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInvoke } from '../../../cli/invoke-command';

let folder: string;
beforeAll(() => {
  // The working folder: no app and no running stack, so a call that got as far as starting a stack would fail otherwise.
  folder = mkdtempSync(path.join(tmpdir(), 'invoke-command-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function invoke(args: readonly string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runInvoke(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    readStdin: () => stdin,
    cwd: folder,
  });
  return { code, stdout, stderr };
}

describe('npm run invoke: usage', () => {
  it('exits 2 on an event that is not JSON, before starting anything', async () => {
    const { code, stderr } = await invoke(['Squarer', '--event', '-'], '{number: 3');
    expect(code).toBe(2);
    expect(stderr).toContain('--event - (stdin): not JSON');
    expect(stderr).not.toContain('Starting the local stack');
  });

  it('exits 2 naming the problem: no function, two functions, --event with --http, --body without --http, an option of npm start', async () => {
    const cases: [string[], string][] = [
      [[], 'Name the function to invoke.'],
      [['Squarer', 'Coordinator'], 'One function at a time; also got: Coordinator'],
      [['Squarer', '--event', '-', '--http', 'POST /square'], 'Give --event or --http, not both.'],
      [['Squarer', '--body', '{}'], '--body and --header go with --http.'],
      [['Squarer', '--watch'], "Unknown option '--watch'"],
      [['Squarer', '--no-such-flag'], "Unknown option '--no-such-flag'"],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await invoke(args);
      expect({ args, code, stderr }).toEqual({ args, code: 2, stderr: expect.stringContaining(message) });
      expect(stderr).not.toContain('Starting the local stack');
    }
  });

  it('prints its usage with --help, exit statuses included, and exits 0', async () => {
    const { code, stdout } = await invoke(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run invoke -- <function> [options]');
    expect(stdout).toContain('Exit status: 0 when the function returned, 1 when it failed');
  });
});
