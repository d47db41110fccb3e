import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installPeer } from '../../../bench/peer-install';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe("the bench's peer install", () => {
  it('says the npm registry is unreachable, in a sentence for the report, when it is', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'peer-install-'));
    folders.push(scratch);
    const directory = path.join(scratch, 'peer');
    const lines: string[] = [];
    // Port 9 (discard) on loopback refuses; an empty cache of its own, so nothing comes from ~/.npm.
    const npmFlags = ['--registry', 'http://127.0.0.1:9/', '--cache', path.join(scratch, 'cache'), '--fetch-retries', '0'];
    const result = await installPeer((line) => lines.push(line), { directory, npmFlags });
    expect(result).toEqual({
      unavailable: expect.stringMatching(
        /^the npm registry is unreachable from here, so serverless@3\.40\.0 and serverless-offline@13\.10\.1 could not be installed \(.*ECONNREFUSED/,
      ),
    });
    expect(lines.join('\n')).toContain('installing serverless@3.40.0 and serverless-offline@13.10.1');
    expect(statSync(directory).mode & 0o777).toBe(0o700);
  });
});
