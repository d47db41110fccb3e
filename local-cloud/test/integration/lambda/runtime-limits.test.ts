/**
 * The managed runtime's limits and platform lines, on one-file functions written by each test:
 * real child processes, without the HTTP layer.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLogRecord } from '../../../core/log-record';
import type { FunctionDefinition, InvokeOutcome } from '../../../core/types';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { FUNCTION_UID_BASE } from '../../../lambda/runtime/runtime-user';
import { testFunction } from '../../support/function-definition';

let outdir: string;
const services: LocalLambdaService[] = [];

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'runtime-limits-test-'));
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
  rmSync(outdir, { recursive: true, force: true });
});

function json(outcome: InvokeOutcome): Record<string, unknown> {
  return JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown>;
}

function payloadOf(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** A one-file function of its own, for behaviours the fixture stack has no handler for. */
function inlineFunction(source: string, settings: Partial<FunctionDefinition> = {}): FunctionDefinition {
  const codeDirectory = mkdtempSync(path.join(outdir, 'inline-'));
  writeFileSync(path.join(codeDirectory, 'index.js'), source);
  // Readable by the unprivileged user environments run as when the tests run as root.
  chmodSync(outdir, 0o755);
  chmodSync(codeDirectory, 0o755);
  return testFunction(`Inline-${path.basename(codeDirectory)}`, codeDirectory, { stackName: 'Inline', ...settings });
}

function startInline(definition: FunctionDefinition) {
  const lines: string[] = [];
  const service = new LocalLambdaService({ functions: [definition], logSink: (record) => lines.push(formatLogRecord(record)) });
  services.push(service);
  return { service, lines, invoke: (payload: unknown = {}, options = {}) => service.invoke(definition.name, payloadOf(payload), options) };
}

/** Running (a zombie waiting for a reaper that a container may not have counts as ended). */
function processAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the managed runtime’s limits and platform lines', () => {
  it('ends an environment over its memory size with Runtime.OutOfMemory, and reports the real peak', async () => {
    const definition = inlineFunction(
      `exports.handler = async () => {
        const kept = [];
        for (let i = 0; i < 60; i += 1) { kept.push(Buffer.alloc(10 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 10)); }
        return kept.length;
      };`,
      { memorySizeMb: 128 },
    );
    const { invoke, lines } = startInline(definition);
    const outcome = await invoke();

    expect(outcome.functionError).toBe('Unhandled');
    expect(json(outcome)).toMatchObject({ errorType: 'Runtime.OutOfMemory' });
    const report = lines.find((line) => line.includes('REPORT RequestId:')) ?? '';
    expect(report).toContain('Status: error\tError Type: Runtime.OutOfMemory');
    const used = Number(/Max Memory Used: (\d+) MB/.exec(report)?.[1]);
    expect(used).toBeGreaterThan(128);
  });

  it('reports the measured peak in REPORT on every warm invocation after it, within the memory size', async () => {
    const definition = inlineFunction(
      `let kept;
      exports.handler = async (event) => {
        if (event.allocateMb) kept = Buffer.alloc(event.allocateMb * 1024 * 1024, 1);
        return 'ok';
      };`,
      { memorySizeMb: 256 },
    );
    const { invoke, lines } = startInline(definition);
    await invoke({});
    await invoke({ allocateMb: 96 });
    await invoke({});

    const used = lines
      .filter((line) => line.includes('REPORT RequestId:'))
      .map((line) => Number(/Max Memory Used: (\d+) MB/.exec(line)?.[1]));
    expect(used).toHaveLength(3);
    // A Node.js process alone is ~40 MB resident; the buffer adds 96 MB, and the peak stays.
    expect(used[0]).toBeLessThan(96);
    expect(used[1]).toBeGreaterThanOrEqual(96);
    expect(used[1]).toBeLessThan(256);
    // A peak: it never goes down once reached.
    expect(used[2]).toBeGreaterThanOrEqual(used[1] ?? 0);
  });

  it('writes INIT_START on a cold start and bills Init Duration in REPORT', async () => {
    const { invoke, lines } = startInline(inlineFunction(`exports.handler = async () => 'ok';`));
    await invoke();
    await invoke();

    const initStart = lines.findIndex((line) =>
      /\] INIT_START Runtime Version: nodejs:24\.\S+\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/.test(line),
    );
    const start = lines.findIndex((line) => line.includes('] START RequestId:'));
    expect(initStart).toBeGreaterThanOrEqual(0);
    expect(initStart).toBeLessThan(start);
    expect(lines.filter((line) => line.includes('INIT_START'))).toHaveLength(1);
    const [cold, warm] = lines.filter((line) => line.includes('REPORT RequestId:'));
    const field = (line: string | undefined, name: string) => Number(new RegExp(`${name}: ([\\d.]+) ms`).exec(line ?? '')?.[1]);
    // Billed from the durations as measured, which the line prints rounded to 0.01 ms: 1.003 ms is
    // printed 1.00 and billed 2, as on Lambda. So the bill is the ceiling of a value within the
    // rounding of what is printed.
    const billedWithin = (printedMs: number, rounding: number) => [
      Math.max(1, Math.ceil(printedMs - rounding)),
      Math.max(1, Math.ceil(printedMs + rounding)),
    ];
    expect(billedWithin(field(cold, 'Duration') + field(cold, 'Init Duration'), 0.01)).toContain(field(cold, 'Billed Duration'));
    expect(billedWithin(field(warm, 'Duration'), 0.005)).toContain(field(warm, 'Billed Duration'));
  });

  it('logs JSON at the application log level of LoggingConfig', async () => {
    const { invoke, lines } = startInline(
      inlineFunction(
        `exports.handler = async () => { console.info('hidden'); console.warn('shown'); return process.env.AWS_LAMBDA_LOG_LEVEL; };`,
        {
          loggingConfig: { logFormat: 'JSON', applicationLogLevel: 'WARN', systemLogLevel: 'INFO' },
        },
      ),
    );
    const outcome = await invoke();

    expect(json(outcome as never)).toBe('WARN');
    const records = lines
      .filter((line) => line.includes('{"timestamp"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);
    expect(records).toEqual([{ timestamp: expect.any(String), level: 'WARN', requestId: outcome.requestId, message: 'shown' }]);
  });

  it('gives the handler the client context, a trace header per invocation and a private TMPDIR removed with the environment', async () => {
    const definition = inlineFunction(
      `const os = require('node:os'); const fs = require('node:fs');
      exports.handler = async (event, context) => { fs.writeFileSync(os.tmpdir() + '/mine', 'x'); return { clientContext: context.clientContext, trace: process.env._X_AMZN_TRACE_ID, tmp: os.tmpdir(), tz: process.env.TZ, lang: process.env.LANG }; };`,
    );
    const { service, invoke } = startInline(definition);
    const first = json(await invoke({}, { clientContext: JSON.stringify({ custom: { who: 'test' } }) }));
    const second = json(await invoke());

    expect(first.clientContext).toEqual({ custom: { who: 'test' } });
    expect(second.clientContext).toBeUndefined();
    expect(first.trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(second.trace).not.toBe(first.trace);
    expect(first).toMatchObject({ tz: ':UTC', lang: 'en_US.UTF-8' });
    expect(first.tmp).not.toBe(os.tmpdir());
    expect(existsSync(`${String(first.tmp)}/mine`)).toBe(true);
    await service.close();
    expect(existsSync(String(first.tmp))).toBe(false);
  });

  it('caps a log line at 256 KB, dropping the rest with a marker, and splits a 20 MB line without stalling', async () => {
    const { invoke, lines } = startInline(
      inlineFunction(
        `exports.handler = async (event) => { process.stdout.write('a'.repeat(event.bytes) + '\\nnext line\\n'); return 'ok'; };`,
      ),
    );
    const started = performance.now();
    await invoke({ bytes: 20 * 1024 * 1024 });
    const elapsed = performance.now() - started;

    const long = lines.find((line) => line.includes('aaaa')) ?? '';
    expect(long).toContain(`[local-cloud: line truncated at 262144 bytes, ${20 * 1024 * 1024 - 262144} bytes dropped]`);
    expect(long.indexOf(' [local-cloud')).toBe(`[${lines[0]?.slice(1, lines[0].indexOf(']'))}] `.length + 262144);
    expect(lines.some((line) => line.endsWith('] next line'))).toBe(true);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('sees a crash when the process exits, even while a child it started holds its output, and ends that child too', async () => {
    const { invoke, lines } = startInline(
      inlineFunction(`const { spawn } = require('node:child_process');
        exports.handler = async () => { const child = spawn('sleep', ['30'], { stdio: 'inherit' }); console.log('grandchild', child.pid); await new Promise((r) => setTimeout(r, 100)); process.exit(2); };`),
    );
    const started = performance.now();
    const outcome = await invoke();

    expect(performance.now() - started).toBeLessThan(5000);
    expect(json(outcome)).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringContaining('exit status 2') });
    const grandchild = Number(/grandchild (\d+)/.exec(lines.find((line) => line.includes('grandchild')) ?? '')?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processAlive(grandchild)).toBe(false);
  });

  it('ends what a function started when it times out', async () => {
    const { invoke, lines } = startInline(
      inlineFunction(
        `const { spawn } = require('node:child_process');
        exports.handler = async () => { const child = spawn('sleep', ['30'], { stdio: 'ignore' }); console.log('grandchild', child.pid); await new Promise(() => {}); };`,
        { timeoutSeconds: 1 },
      ),
    );
    const outcome = await invoke();

    expect(json(outcome)).toMatchObject({ errorType: 'Sandbox.Timedout' });
    const grandchild = Number(/grandchild (\d+)/.exec(lines.find((line) => line.includes('grandchild')) ?? '')?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processAlive(grandchild)).toBe(false);
  });

  it('resolves the runtime’s AWS SDK but nothing else of the project, as on Lambda', async () => {
    const { invoke } = startInline(
      inlineFunction(`exports.handler = async (event) => {
        if (event.module === 'sdk') return typeof require('@aws-sdk/client-lambda').LambdaClient;
        return require(event.module);
      };`),
    );

    expect(json(await invoke({ module: 'sdk' }))).toBe('function');
    // An app dependency the bundle left out: found on the developer's disk, missing on Lambda.
    expect(json(await invoke({ module: 'lossless-json' }))).toMatchObject({
      errorType: 'Error',
      errorMessage: expect.stringContaining("Cannot find module 'lossless-json'"),
    });
  });

  it.runIf(process.getuid?.() === 0)(
    'runs functions as an unprivileged user of their own when the local cloud runs as root, so the task root is read-only',
    async () => {
      const { invoke } = startInline(
        inlineFunction(`const fs = require('node:fs'); const os = require('node:os');
        exports.handler = async () => {
          let taskRoot = 'written';
          try { fs.writeFileSync(__dirname + '/planted.js', 'x'); } catch (error) { taskRoot = error.code; }
          fs.writeFileSync(os.tmpdir() + '/scratch', 'x');
          return { uid: process.getuid(), taskRoot };
        };`),
      );

      const answer = json(await invoke());
      expect(answer.taskRoot).toBe('EACCES');
      expect(answer.uid).toBeGreaterThanOrEqual(FUNCTION_UID_BASE);
    },
  );
});
