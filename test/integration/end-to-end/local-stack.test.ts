/**
 * End to end on the local cloud: signed HTTP request → local HTTP API → coordinator process →
 * real AWS SDK → local Lambda Invoke API → squarer processes, all from the synthesized assembly.
 * `npm run square` runs in process here (`run(argv, io)`, its streams captured, its environment
 * stubbed); the command as a real process: test/integration/dev-loop/square-cli.test.ts.
 */
import path from 'node:path';
import { formatLogRecord, LOCAL_CREDENTIALS, type RunningLocalStack, signedFetch, startLocalStack } from '@multi-square/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SquareResponse } from '../../../functions/commons/square-response';
import type { SquareResult } from '../../../functions/commons/squarer-contract';
import { squareInProcess } from '../../support/square-in-process';

const projectDirectory = path.resolve(import.meta.dirname, '..', '..', '..');
const LATENCY_MS = 300;

let stack: RunningLocalStack;
const logs: string[] = [];

beforeAll(async () => {
  const cdkOut = inject('cdkOut');
  const probe = await import('@multi-square/local-cloud').then(({ loadCloudAssembly }) => loadCloudAssembly(cdkOut));
  const squarerName = probe.functions.find((f) => f.logicalId.startsWith('Squarer'))?.name ?? 'missing';
  stack = await startLocalStack({
    projectDirectory,
    cdkOut,
    httpPort: 0,
    lambdaPort: 0,
    credentials: LOCAL_CREDENTIALS,
    writeStateFile: false,
    logSink: (record) => logs.push(formatLogRecord(record)),
    // Every squarer invocation takes at least LATENCY_MS, to make parallelism visible.
    lambda: { functionOverrides: { [squarerName]: { latencyMs: LATENCY_MS } } },
  });
});

afterAll(async () => {
  await stack?.close();
});

function square(body: unknown, credentials = stack.credentials) {
  return signedFetch(
    `${stack.httpApiUrl}/square`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    { region: stack.region, credentials },
  );
}

const requestIdsIn = (marker: string) =>
  logs
    .filter((line) => line.includes('Squarer') && line.includes(`${marker} RequestId:`))
    .map((line) => /RequestId: (\S+)/.exec(line)?.[1]);

describe('the local stack', () => {
  it('fans out in parallel: 20 invocations of 300 ms each finish in less than 20 × 300 ms', async () => {
    const numbers = Array.from({ length: 20 }, (_, i) => i + 2);
    // A first request starts the 20 environments (one per invocation in flight): on a busy 2-core
    // machine their cold starts, not the fan-out, would dominate the time.
    expect((await square({ numbers })).status).toBe(200);
    const startedAt = performance.now();
    const response = await square({ numbers });
    const elapsedMs = performance.now() - startedAt;
    expect(response.status).toBe(200);
    const body = (await response.json()) as SquareResponse;
    const results = body.results as SquareResult[];
    expect(results.map((r) => r.result)).toEqual(numbers.map((n) => n * n));
    // Not a speed goal (those live in the bench): one invocation at a time cannot finish in less
    // than 20 × 300 ms on any machine, so only a fan-out that overlaps invocations passes.
    expect(elapsedMs).toBeLessThan(numbers.length * LATENCY_MS);

    // Each process name is a distinct request ID, the one the squarer's own invocation had.
    const processNames = results.map((r) => r.processName);
    expect(new Set(processNames).size).toBe(numbers.length);
    const started = requestIdsIn('START');
    for (const name of processNames) expect(started).toContain(name);
    expect(body.lines).toHaveLength(numbers.length);
    for (const [index, n] of numbers.entries()) {
      expect(body.lines).toContain(`${n} squared to ${n * n} by: ${processNames[index]}`);
    }
  });

  it('refuses unsigned and wrongly signed requests with 403, as API Gateway does', async () => {
    const unsigned = await fetch(`${stack.httpApiUrl}/square`, { method: 'POST', body: '{"numbers":[2]}' });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toEqual({ message: 'Forbidden' });
    const wrongSecret = await square({ numbers: [2] }, { ...stack.credentials, secretAccessKey: 'not-the-secret' });
    expect(wrongSecret.status).toBe(403);
    expect(((await wrongSecret.json()) as { message: string }).message).toMatch(/^The request signature we calculated does not match/);
  });

  it('answers 404 for a route the API does not have', async () => {
    const response = await fetch(`${stack.httpApiUrl}/cube`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });

  it("passes the coordinator's 400 through with its details", async () => {
    const response = await square({ numbers: [2, 'two'] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'InvalidRequest', details: [{ path: 'numbers[1]', message: expect.stringContaining('"two"') }] },
    });
  });

  it('runs `npm run square` against an API URL, signing with the standard credential chain', async () => {
    const { code, stdout, stderr } = await squareInProcess(
      ['--url', stack.httpApiUrl, '--region', stack.region, '2', '-3', '9007199254740993'],
      {
        AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
      },
    );
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.find((line) => line.startsWith('2 '))).toMatch(/^2 squared to 4 by: [0-9a-f-]{36}$/);
    expect(lines.find((line) => line.startsWith('-3 '))).toMatch(/^-3 squared to 9 by: [0-9a-f-]{36}$/);
    expect(lines.find((line) => line.startsWith('9007'))).toMatch(
      new RegExp(`^9007199254740993 squared to ${(9007199254740993n ** 2n).toString()} by: [0-9a-f-]{36}$`),
    );
  });

  it("exits non-zero with the API's message when a number is refused", async () => {
    const failure = await squareInProcess(['--url', stack.httpApiUrl, '--region', stack.region, '2', 'x'], {
      AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
    });
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('numbers[1]: "x" is not a decimal integer') });
  });
});

describe('npm run square, with nothing running', () => {
  it('starts the local stack for the call and prints one line per number with distinct request IDs', async () => {
    // No AWS credentials in sight: the local stack's own are used.
    const { code, stdout, stderr } = await squareInProcess(['2', '3', '4', '5', '6'], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
    });
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(' by: ')[0]).sort()).toEqual([
      '2 squared to 4',
      '3 squared to 9',
      '4 squared to 16',
      '5 squared to 25',
      '6 squared to 36',
    ]);
    const ids = lines.map((line) => line.split(' by: ')[1]);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('prints the function logs of the stack it started with --logs, on stderr, the answer alone on stdout', async () => {
    const { code, stdout, stderr } = await squareInProcess(['--logs', '7', '8'], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
    });
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(' by: ')[0]).sort()).toEqual(['7 squared to 49', '8 squared to 64']);
    // Each squarer's invocation, named by the request ID the answer gives as its process name,
    // has its START and REPORT lines, prefixed with the function's name; so has the coordinator's.
    for (const id of lines.map((line) => line.split(' by: ')[1])) {
      expect(stderr).toMatch(new RegExp(`^\\[[^\\]]*Squarer[^\\]]*\\] START RequestId: ${id} `, 'm'));
      expect(stderr).toMatch(new RegExp(`^\\[[^\\]]*Squarer[^\\]]*\\] REPORT RequestId: ${id}\\t`, 'm'));
    }
    expect(stderr).toMatch(/^\[[^\]]*Coordinator[^\]]*\] REPORT RequestId: \S+\t/m);
  });
});
