/**
 * `npm run invoke`'s flags: its own, and the ones that say which app to serve, which are
 * `npm start`'s own table entries, so that each means the same in both commands.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flagSynopsis } from '../../../cli/flag-table';
import { INVOKE_FLAGS, INVOKE_FLAGS_HELP, parseInvokeFlags } from '../../../cli/invoke-flags';
import { START_FLAGS } from '../../../cli/start-flags';

const scratch = mkdtempSync(path.join(tmpdir(), 'invoke-flags-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const assembly = path.join(scratch, 'assembly');
mkdirSync(assembly);
writeFileSync(path.join(assembly, 'manifest.json'), '{}');

describe("npm run invoke's flags", () => {
  it("shares npm start's entries for the app, the assembly, -c, --env-vars and --help, and lists every flag in its help", () => {
    for (const name of ['app', 'assembly', 'context', 'env-vars', 'help']) {
      expect(INVOKE_FLAGS.find((flag) => flag.name === name)).toBe(START_FLAGS.find((flag) => flag.name === name));
    }
    const help = INVOKE_FLAGS_HELP.replace(/\s+/g, ' ');
    for (const flag of INVOKE_FLAGS) expect(help).toContain(`${flagSynopsis(flag)} `);
  });

  it('takes the function as a positional and the HTTP request flags into its own part', () => {
    const { options, positionals } = parseInvokeFlags(
      ['Coordinator', '--http', 'POST /square', '--body', '{}', '--header', 'a: 1', '--header', 'b: 2', '-c', 'maxNumbers=3'],
      scratch,
      () => undefined,
    );
    expect(positionals).toEqual(['Coordinator']);
    expect(options.invoke).toEqual({ http: 'POST /square', body: '{}', headers: ['a: 1', 'b: 2'] });
    expect(options.stack).toEqual({ projectDirectory: scratch, context: { maxNumbers: '3' } });
  });

  it('takes --allow-old-node for the stack it starts, as npm start does', () => {
    expect(INVOKE_FLAGS.find((flag) => flag.name === 'allow-old-node')).toBe(START_FLAGS.find((flag) => flag.name === 'allow-old-node'));
    expect(parseInvokeFlags(['F', '--allow-old-node'], scratch, () => undefined).options.lambda.allowOldNode).toBe(true);
    expect(parseInvokeFlags(['F'], scratch, () => undefined).options.lambda.allowOldNode).toBeUndefined();
  });

  it('refuses what only npm start takes, and -c with --assembly, as npm start does', () => {
    expect(() => parseInvokeFlags(['F', '--watch'], scratch, () => undefined)).toThrow("Unknown option '--watch'");
    expect(() => parseInvokeFlags(['F', '--assembly', assembly, '-c', 'a=b'], scratch, () => undefined)).toThrow('-c applies to synthesis');
  });
});
