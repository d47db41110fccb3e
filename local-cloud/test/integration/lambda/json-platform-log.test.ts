/**
 * The platform's own lines with `LoggingConfig.LogFormat: JSON`: `platform.*` records shaped as the
 * Telemetry API's events, filtered by `SystemLogLevel`; Text functions keep START/END/REPORT.
 * Real execution environments behind the real Invoke API, called with the AWS SDK (`LogType: Tail`).
 * https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLoggingConfig } from '../../../assembly/logging-config';
import { formatLogRecord } from '../../../core/log-record';
import type { FunctionDefinition } from '../../../core/types';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { testFunction } from '../../support/function-definition';

let directory: string;
let api: InvokeApi;
let client: LambdaClient;
const sinkLines: string[] = [];

function definitionOf(name: string, loggingConfig?: Record<string, unknown>, timeoutSeconds = 10): FunctionDefinition {
  return testFunction(name, directory, {
    stackName: 'JsonLog',
    timeoutSeconds,
    ...(loggingConfig === undefined ? {} : { loggingConfig: readLoggingConfig(loggingConfig, name) }),
  });
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

beforeAll(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'json-platform-log-'));
  chmodSync(directory, 0o755);
  writeFileSync(
    path.join(directory, 'index.js'),
    `exports.handler = async (event) => {
      console.log('handling');
      if (event.fail) throw new TypeError('boom');
      if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
      return { ok: true };
    };`,
  );
  api = await startInvokeApi({
    functions: [
      definitionOf('Text'),
      definitionOf('JsonInfo', { LogFormat: 'JSON' }),
      definitionOf('JsonDebug', { LogFormat: 'JSON', SystemLogLevel: 'DEBUG' }),
      definitionOf('JsonWarn', { LogFormat: 'JSON', SystemLogLevel: 'WARN' }),
      definitionOf('JsonTimeout', { LogFormat: 'JSON' }, 1),
    ],
    logSink: (record) => sinkLines.push(formatLogRecord(record)),
    callerCredentials: credentials,
  });
  client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  client.destroy();
  await api.close();
  rmSync(directory, { recursive: true, force: true });
});

async function invokeForLog(name: string, event: object): Promise<string[]> {
  const output = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail' }));
  return Buffer.from(output.LogResult ?? '', 'base64')
    .toString('utf8')
    .trimEnd()
    .split('\n');
}

interface PlatformRecord {
  readonly time: string;
  readonly type: string;
  readonly record: Record<string, unknown> & { metrics?: Record<string, number> };
}

/** The entry at `index`, failing the test when there is none. */
function entryAt<T>(list: readonly T[], index: number): T {
  const entry = list[index];
  if (entry === undefined) throw new Error(`no entry ${index} in ${JSON.stringify(list)}`);
  return entry;
}

function platformRecords(lines: readonly string[]): PlatformRecord[] {
  return lines
    .filter((line) => line.startsWith('{"time"'))
    .map((line) => JSON.parse(line) as PlatformRecord)
    .filter((entry) => entry.type.startsWith('platform.'));
}

describe('platform lines with LogFormat JSON', () => {
  it('writes platform.start and platform.report (INFO) instead of START/END/REPORT, and no runtimeDone (DEBUG)', async () => {
    const lines = await invokeForLog('JsonInfo', {});
    const records = platformRecords(lines);

    expect(records.map((entry) => entry.type)).toEqual(['platform.start', 'platform.report']);
    expect(lines.some((line) => /^(START|END|REPORT) RequestId/.test(line))).toBe(false);
    const start = entryAt(records, 0);
    const report = entryAt(records, 1);
    expect(Number.isNaN(Date.parse(start.time))).toBe(false);
    const requestId = start.record.requestId;
    expect(start.record).toEqual({ requestId, version: '$LATEST' });
    expect(report.record).toMatchObject({ requestId, status: 'success' });
    const metrics = report.record.metrics ?? {};
    expect(Object.keys(metrics)).toEqual(['durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB', 'initDurationMs']);
    expect(metrics.memorySizeMB).toBe(256);
    expect(metrics.maxMemoryUsedMB).toBeGreaterThan(0);
    // A cold start bills its init.
    expect(metrics.billedDurationMs).toBe(Math.max(1, Math.ceil((metrics.durationMs ?? 0) + (metrics.initDurationMs ?? 0))));
    // The application's own line is still there, in the runtime's JSON format.
    expect(lines.some((line) => line.includes('"message":"handling"'))).toBe(true);
  });

  it('writes the cold start as a platform.initStart record naming the runtime version', () => {
    const initStarts = sinkLines
      .filter((line) => line.startsWith('[JsonInfo] {'))
      .map((line) => JSON.parse(line.slice('[JsonInfo] '.length)) as PlatformRecord)
      .filter((entry) => entry.type === 'platform.initStart');

    expect(initStarts).toHaveLength(1);
    expect(entryAt(initStarts, 0).record).toEqual({
      initializationType: 'on-demand',
      phase: 'init',
      runtimeVersion: 'nodejs:24.local',
      runtimeVersionArn: expect.stringMatching(/^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/),
      functionName: 'JsonInfo',
      functionVersion: '$LATEST',
    });
    expect(sinkLines.some((line) => line.startsWith('[JsonInfo] INIT_START'))).toBe(false);
  });

  it('adds platform.runtimeDone with the produced bytes at SystemLogLevel DEBUG; a warm start has no initDurationMs', async () => {
    await invokeForLog('JsonDebug', {});
    const records = platformRecords(await invokeForLog('JsonDebug', {}));

    expect(records.map((entry) => entry.type)).toEqual(['platform.start', 'platform.runtimeDone', 'platform.report']);
    expect(entryAt(records, 1).record).toMatchObject({ status: 'success', metrics: { producedBytes: Buffer.byteLength('{"ok":true}') } });
    expect(entryAt(records, 2).record.metrics).not.toHaveProperty('initDurationMs');
  });

  it('hides a successful invocation’s platform records at SystemLogLevel WARN, and shows a failed one’s with status and errorType', async () => {
    expect(platformRecords(await invokeForLog('JsonWarn', {}))).toEqual([]);
    // platform.initStart is INFO too.
    expect(sinkLines.some((line) => line.startsWith('[JsonWarn] ') && line.includes('platform.initStart'))).toBe(false);

    const failed = platformRecords(await invokeForLog('JsonWarn', { fail: true }));
    expect(failed.map((entry) => entry.type)).toEqual(['platform.runtimeDone', 'platform.report']);
    for (const entry of failed) expect(entry.record).toMatchObject({ status: 'error', errorType: 'TypeError' });
  });

  it('reports a timeout as status timeout in the records, with no text line', async () => {
    const lines = await invokeForLog('JsonTimeout', { sleepMs: 3000 });
    const report = platformRecords(lines).find((entry) => entry.type === 'platform.report');

    expect(report?.record.status).toBe('timeout');
    expect(lines.some((line) => line.includes('Task timed out'))).toBe(false);
  });
});

describe('platform lines with LogFormat Text', () => {
  it('are START, END and REPORT as before, and INIT_START on a cold start', async () => {
    const lines = await invokeForLog('Text', {});
    const platform = lines.filter((line) => /^(START|END|REPORT) /.test(line));

    expect(platform).toHaveLength(3);
    expect(entryAt(platform, 0)).toMatch(/^START RequestId: \S+ Version: \$LATEST$/);
    expect(entryAt(platform, 1)).toMatch(/^END RequestId: \S+$/);
    expect(entryAt(platform, 2)).toMatch(
      /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms$/,
    );
    expect(sinkLines.some((line) => /^\[Text\] INIT_START Runtime Version: nodejs:24\.local\tRuntime Version ARN: /.test(line))).toBe(true);
    expect(lines.some((line) => line.startsWith('{"time"'))).toBe(false);
  });
});
