/**
 * `npm start`'s one table of flags: every flag parses into the part of the options object of the
 * layer the table names, has help, and is listed by `--help` and by the README; old names still
 * work, each with one line on stderr; defaults come from core/defaults.ts and the layers' constants.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flagSynopsis, flagsMarkdown } from '../../../cli/flag-table';
import { parseStartFlags, START_FLAGS, START_USAGE } from '../../../cli/start-flags';
import type { StartOptions } from '../../../cli/start-options';
import { DEFAULT_HOST, DEFAULT_HTTP_API_PORT, DEFAULT_LAMBDA_PORT } from '../../../core/defaults';

const scratch = mkdtempSync(path.join(tmpdir(), 'start-flags-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const cwd = path.join(scratch, 'here');
const app = path.join(scratch, 'app');
const assembly = path.join(scratch, 'assembly');
const envVars = path.join(scratch, 'env.json');
for (const dir of [cwd, app, assembly]) mkdirSync(dir);
writeFileSync(path.join(app, 'cdk.json'), '{"app": "true"}');
writeFileSync(path.join(assembly, 'manifest.json'), '{}');
writeFileSync(envVars, '{"Parameters": {"STAGE": "local"}}');

/** A command line that sets each flag to something other than its default. */
const samples: Readonly<Record<string, readonly string[]>> = {
  app: ['--app', app],
  assembly: ['--assembly', assembly],
  context: ['-c', 'maxNumbers=3'],
  'env-vars': ['--env-vars', envVars],
  host: ['--host', '::1'],
  'http-port': ['--http-port', '4000'],
  'lambda-port': ['--lambda-port', '4001'],
  'allow-remote': ['--allow-remote'],
  'invoke-auth': ['--no-invoke-auth'],
  inspect: ['--inspect', 'Squarer'],
  watch: ['--watch'],
  logs: ['--no-logs'],
  'logs-of': ['--logs-of', 'Squarer'],
  'log-file-mb': ['--log-file-mb', '1'],
  'concurrency-limit': ['--concurrency-limit', '50'],
  'max-environments': ['--max-environments', '8'],
  'max-concurrent-inits': ['--max-concurrent-inits', '2'],
  'environment-per-invocation': ['--environment-per-invocation'],
  'max-event-age-s': ['--max-event-age-s', '120'],
  'max-queued-event-mb': ['--max-queued-event-mb', '64'],
  'allow-old-node': ['--allow-old-node'],
  'freeze-when-idle': ['--no-freeze-when-idle'],
  'latency-ms': ['--latency-ms', 'Squarer=30'],
  'crash-rate': ['--crash-rate', '0.1'],
  'timeout-rate': ['--timeout-rate', '0.1'],
  'throttle-rate': ['--throttle-rate', '0.1'],
  'service-error-rate': ['--service-error-rate', '0.1'],
  'headers-timeout-ms': ['--headers-timeout-ms', '1000'],
  'body-timeout-ms': ['--body-timeout-ms', '1000'],
  'http-max-connections': ['--http-max-connections', '8'],
  'lambda-max-connections': ['--lambda-max-connections', '8'],
  'http-max-buffered-mb': ['--http-max-buffered-mb', '1'],
  'lambda-max-buffered-mb': ['--lambda-max-buffered-mb', '1'],
  help: ['--help'],
};

const parse = (argv: readonly string[], deprecated: string[] = []) => parseStartFlags(argv, cwd, (line) => deprecated.push(line));
const layerParts = ['cli', 'stack', 'lambda', 'server'] as const satisfies readonly (keyof StartOptions)[];

describe("npm start's flag table", () => {
  it('has a sample here for every flag, so that a new flag cannot skip these tests', () => {
    expect(Object.keys(samples).sort()).toEqual(START_FLAGS.map((flag) => flag.name).sort());
  });

  it.each(START_FLAGS.map((flag) => [flag.name, flag] as const))(
    '--%s parses into the part of the layer the table names, and nowhere else',
    (name, flag) => {
      const before = parse([]);
      const after = parse(samples[name] ?? []);
      const changed = layerParts.filter((part) => JSON.stringify(before[part]) !== JSON.stringify(after[part]));
      expect(changed).toEqual([flag.layer]);
    },
  );

  it('gives every flag help, and --help lists each with its default', () => {
    const usage = START_USAGE.replace(/\s+/g, ' ');
    for (const flag of START_FLAGS) {
      expect(flag.help.length, flag.name).toBeGreaterThan(5);
      expect(usage).toContain(` ${flagSynopsis(flag)} `);
      expect(usage).toContain(flag.help);
    }
    expect(usage).toContain(`(default ${DEFAULT_HTTP_API_PORT})`);
    expect(usage).toContain("(default half this machine's memory at 48 MB each)");
    expect(START_USAGE).not.toContain('--example-');
  });

  it('fills the defaults from core/defaults.ts and the layers, and leaves computed ones to the layer', () => {
    const { stack, lambda, server } = parse([]);
    expect(stack).toMatchObject({
      host: DEFAULT_HOST,
      httpPort: DEFAULT_HTTP_API_PORT,
      lambdaPort: DEFAULT_LAMBDA_PORT,
      invokeAuthentication: 'sigv4',
    });
    expect(lambda).toEqual({
      concurrencyLimit: 1000,
      environmentPerInvocation: false,
      asyncInvocation: { maxEventAgeMs: 21_600_000, maxQueuedBytes: 256 * 1024 * 1024 },
      freezeWhenIdle: true,
    });
    expect(server.httpApi).toEqual({
      headersTimeoutMs: 30_000,
      bodyIdleTimeoutMs: 30_000,
      maxConnections: 1000,
      maxBufferedBytes: 256 * 1024 * 1024,
    });
    expect(server.invokeApi.maxConnections).toBe(10_000);
  });

  it('freezes environments between invocations unless --no-freeze-when-idle says not to', () => {
    expect(parse([]).lambda.freezeWhenIdle).toBe(true);
    expect(parse(['--no-freeze-when-idle']).lambda.freezeWhenIdle).toBe(false);
  });

  it('merges fault flags for every function and aimed at some', () => {
    const { lambda } = parse(['--crash-rate', '0.2', '--crash-rate', 'Squarer=0.5', '--timeout-rate', 'Squarer=0.1', '--latency-ms', '5']);
    expect(lambda.faultInjection).toEqual({
      faults: { crash: 0.2 },
      latencyMs: 5,
      targeted: [{ functionMatch: 'Squarer', faults: { crash: 0.5, timeout: 0.1 } }],
    });
  });

  it("reads --inspect FN=PORT as the function and its first environment's port, and --inspect FN as before", () => {
    expect(parse(['--inspect', 'Squarer=9229']).stack).toMatchObject({ inspect: 'Squarer', inspectPort: 9229 });
    const plain = parse(['--inspect', 'Squarer']).stack;
    expect(plain.inspect).toBe('Squarer');
    expect(plain.inspectPort).toBeUndefined();
    expect(() => parse(['--inspect', 'Squarer=70000'])).toThrow('--inspect must be an integer from 1 to 65535, got "70000"');
    expect(() => parse(['--inspect', 'Squarer='])).toThrow('--inspect must be an integer from 1 to 65535');
  });

  it('refuses bad values and combinations, naming the flag', () => {
    expect(() => parse(['--http-port', '70000'])).toThrow('--http-port must be an integer from 0 to 65535, got "70000"');
    expect(() => parse(['--crash-rate', 'Squarer=2'])).toThrow('--crash-rate must be a number from 0 to 1, got "2"');
    expect(() => parse(['--throttle-rate', 'S=0.1', '--throttle-rate', 'S=0.2'])).toThrow('--throttle-rate is given twice for "S"');
    expect(() => parse(['--example-body', '{}'])).toThrow("Unknown option '--example-body'");
    expect(() => parse(['--app', app, '--assembly', assembly])).toThrow('Give --app or --assembly, not both.');
    expect(() => parse(['--assembly', assembly, '--watch'])).toThrow('--watch re-synthesizes the app');
    expect(() => parse(['--app', cwd])).toThrow('no cdk.json');
  });

  it('sets the Event queue’s byte cap with --max-queued-event-mb, in MB, next to --max-event-age-s', () => {
    const MB = 1024 * 1024;
    expect(parse(['--max-queued-event-mb', '64']).lambda.asyncInvocation).toEqual({ maxQueuedBytes: 64 * MB, maxEventAgeMs: 21_600_000 });
    expect(parse(['--max-queued-event-mb', '2', '--max-event-age-s', '120']).lambda.asyncInvocation).toEqual({
      maxEventAgeMs: 120_000,
      maxQueuedBytes: 2 * MB,
    });
    expect(() => parse(['--max-queued-event-mb', '1'])).toThrow('--max-queued-event-mb must be an integer from 2 to 1048576, got "1"');
    expect(() => parse(['--max-queued-event-mb', '2.5'])).toThrow('--max-queued-event-mb must be an integer');
  });
});

describe('old flag names, accepted for one release', () => {
  it.each([
    [['--port', '4000'], (o: StartOptions) => o.stack.httpPort, 4000, '--port is now --http-port'],
    [['--max-connections=8'], (o: StartOptions) => o.server.httpApi.maxConnections, 8, '--max-connections is now --http-max-connections'],
    [
      ['--max-buffered-mb', '1'],
      (o: StartOptions) => o.server.httpApi.maxBufferedBytes,
      1024 * 1024,
      '--max-buffered-mb is now --http-max-buffered-mb',
    ],
    [
      ['--max-event-age', '120'],
      (o: StartOptions) => o.lambda.asyncInvocation?.maxEventAgeMs,
      120_000,
      '--max-event-age is now --max-event-age-s',
    ],
    [['--logs', 'Squarer'], (o: StartOptions) => o.cli.logsOf, ['Squarer'], '--logs is now --logs-of'],
  ])('%j still works, with one line on stderr', (argv, read, expected, line) => {
    const deprecated: string[] = [];
    expect(read(parse([...argv, ...argv], deprecated))).toEqual(Array.isArray(expected) ? [...expected, ...expected] : expected);
    expect(deprecated).toEqual([`${line}; the old name is accepted until the next release.\n`]);
  });

  it('keeps --logs alone a switch, as in npm run square, and --no-invoke-auth what it was', () => {
    const deprecated: string[] = [];
    expect(parse(['--logs', '--watch'], deprecated).cli).toMatchObject({ logs: true, watch: true });
    expect(parse(['--no-logs'], deprecated).cli.logs).toBe(false);
    expect(parse(['--no-invoke-auth'], deprecated).stack.invokeAuthentication).toBe('none');
    expect(deprecated).toEqual([]);
  });
});

/** A Markdown table's rows with the cells trimmed: the same table however Biome pads its columns. */
function tableRows(markdown: string): string[] {
  return markdown
    .trim()
    .split('\n')
    .map((row) =>
      row
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/^-+$/, '-'))
        .join('|'),
    );
}

describe("the README's flag list", () => {
  it('is the table', () => {
    const readmeFile = path.resolve(import.meta.dirname, '../../../README.md');
    const readme = readFileSync(readmeFile, 'utf8');
    const [before, rest = ''] = readme.split('<!-- start-flags:begin -->');
    const [listed = '', after = ''] = rest.split('<!-- start-flags:end -->');
    // LOCAL_CLOUD_WRITE_README=1 npx vitest run local-cloud/test/unit/cli/start-flags.test.ts writes it (then biome format pads it).
    if (process.env.LOCAL_CLOUD_WRITE_README === '1')
      writeFileSync(readmeFile, `${before}<!-- start-flags:begin -->\n${flagsMarkdown(START_FLAGS)}\n<!-- start-flags:end -->${after}`);
    expect(readme).toContain('<!-- start-flags:end -->');
    expect(tableRows(listed)).toEqual(tableRows(flagsMarkdown(START_FLAGS)));
  });
});
