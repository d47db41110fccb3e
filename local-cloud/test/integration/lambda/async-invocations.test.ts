/**
 * `InvocationType: Event` as Lambda's asynchronous model, through the real Invoke API and the real
 * SDK: accepted with 202 into a queue; throttles retried with backoff, function errors retried
 * twice, events past the maximum age given up; each event ends in a success or in one log line
 * naming its request ID, the attempts made and why. The retry delays (Lambda's: 1 and 2 minutes,
 * backoff from 1 s) are shortened here so that the tests run in seconds. The queue's one local
 * bound, the bytes it holds, answers 429 beyond it, so that nothing accepted is dropped. A
 * function's own EventInvokeConfig (retries, maximum age) wins over the service-wide settings.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseStartFlags } from '../../../cli/start-flags';
import { formatLogRecord } from '../../../core/log-record';
import type { AsyncInvokeConfig } from '../../../core/types';
import { type AsyncInvocationSettings, EVENT_RECORD_BYTES } from '../../../lambda/async-invocation-queue';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { useFixtureInvokeApi } from '../../support/fixture-invoke-api';
import { testFunction } from '../../support/function-definition';

const { nameOf, start } = useFixtureInvokeApi();

const quickRetries = { retryDelaysMs: [50, 100], throttleBackoffInitialMs: 20, throttleBackoffMaxMs: 200 };

/** Sends an Event invocation; returns the request ID of the 202. */
async function sendEvent(client: LambdaClient, functionName: string, payload: unknown): Promise<string> {
  const output = await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  expect(output.StatusCode).toBe(202);
  return output.$metadata.requestId ?? '';
}

function linesOf(logs: readonly string[], functionName: string, kind: string): string[] {
  return logs.filter((line) => line.startsWith(`[${functionName}] ${kind} RequestId: `));
}

describe('Event invocations', () => {
  it('loses none of 150 events sent past the concurrency limit: each runs exactly once', async () => {
    // The fixture reserves 1 for Limited: a limit of 4 leaves 3 for Sleep.
    const { api, client, logs } = await start({ concurrencyLimit: 4, asyncInvocation: quickRetries });
    const sleep = nameOf('Sleep');

    const requestIds = await Promise.all(Array.from({ length: 150 }, () => sendEvent(client, sleep, { ms: 20 })));
    await api.service.whenEventsSettled();

    expect(new Set(requestIds).size).toBe(150);
    const started = linesOf(logs, sleep, 'START').map((line) => /RequestId: (\S+)/.exec(line)?.[1]);
    expect(started.sort()).toEqual([...requestIds].sort());
    expect(linesOf(logs, sleep, 'END')).toHaveLength(150);
    expect(linesOf(logs, sleep, 'EVENT DISCARDED')).toEqual([]);
  });

  it('retries a function error twice, then gives the event up in one line naming it, its attempts and why', async () => {
    const { api, client, logs } = await start({ asyncInvocation: quickRetries });
    const fail = nameOf('Fail');

    const requestId = await sendEvent(client, fail, {});
    await api.service.whenEventsSettled();

    // Lambda keeps the request ID across retries.
    expect(linesOf(logs, fail, 'START').filter((line) => line.includes(requestId))).toHaveLength(3);
    const discarded = linesOf(logs, fail, 'EVENT DISCARDED');
    expect(discarded).toHaveLength(1);
    expect(discarded[0]).toContain(`RequestId: ${requestId}\tAttempts: 3\tRefused: 0\t`);
    expect(discarded[0]).toMatch(
      /\tReason: the function failed on every attempt \(2 retries\): FixtureValidationError: the fixture always fails$/,
    );
  });

  it('gives up an event still throttled at its maximum event age, in one line', async () => {
    const { api, client, logs } = await start({ asyncInvocation: { ...quickRetries, maxEventAgeMs: 600 } });
    const limited = nameOf('Limited');
    // Limited has a reservation of 1: a synchronous invocation holds it for 2 s.
    const holding = client.send(new InvokeCommand({ FunctionName: limited, Payload: Buffer.from('{"ms":2000}') }));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const requestId = await sendEvent(client, limited, { ms: 0 });
    await api.service.whenEventsSettled();

    const discarded = linesOf(logs, limited, 'EVENT DISCARDED');
    expect(discarded).toHaveLength(1);
    expect(discarded[0]).toContain(`RequestId: ${requestId}\tAttempts: 0\t`);
    expect(discarded[0]).toMatch(/\tRefused: [1-9]\d*\t/);
    expect(discarded[0]).toContain('maximum event age of 0.6 s');
    expect(discarded[0]).toContain('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(linesOf(logs, limited, 'START').filter((line) => line.includes(requestId))).toEqual([]);
    expect((await holding).FunctionError).toBeUndefined();
  });

  it('gives up the events still waiting when the service stops, each in one line', async () => {
    const { api, client, logs } = await start({ asyncInvocation: { retryDelaysMs: [60_000] } });
    const fail = nameOf('Fail');
    const requestIds = await Promise.all([1, 2, 3].map(() => sendEvent(client, fail, {})));
    // Each fails once and waits a minute for its retry.
    while (linesOf(logs, fail, 'END').length < 3) await new Promise((resolve) => setTimeout(resolve, 20));

    await api.close();

    const discarded = linesOf(logs, fail, 'EVENT DISCARDED');
    expect(discarded).toHaveLength(3);
    for (const requestId of requestIds) {
      expect(discarded.find((line) => line.includes(requestId))).toMatch(
        /\tAttempts: 1\tRefused: 0\t.*\tReason: the local Lambda service stopped before the next attempt$/,
      );
    }
  });
});

describe('the Event queue’s cap on the bytes it holds', () => {
  const MB = 1024 * 1024;

  it('answers 429 TooManyRequestsException naming the flag past the cap, never holds more, runs each accepted event once, and takes events again once drained', async () => {
    const cap = 2 * MB;
    const { api, client, logs } = await start({ asyncInvocation: { ...quickRetries, maxQueuedBytes: cap } });
    const limited = nameOf('Limited');
    // Limited has a reservation of 1: each event holds it 400 ms while the others wait, throttled.
    const payload = Buffer.from(JSON.stringify({ ms: 400, pad: 'x'.repeat(300_000) }));
    const fits = Math.floor(cap / (payload.length + EVENT_RECORD_BYTES));
    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, api.service.queuedEventBytes);
    }, 5);
    const send = () => client.send(new InvokeCommand({ FunctionName: limited, InvocationType: 'Event', Payload: payload }));

    const accepted: string[] = [];
    const refusals: unknown[] = [];
    try {
      while (refusals.length < 2 && accepted.length <= fits) {
        try {
          const output = await send();
          expect(output.StatusCode).toBe(202);
          accepted.push(output.$metadata.requestId ?? '');
        } catch (error) {
          refusals.push(error);
        }
        peak = Math.max(peak, api.service.queuedEventBytes);
      }
      expect(accepted).toHaveLength(fits);
      expect(api.service.pendingEvents).toBe(fits);
      expect(api.service.queuedEventBytes).toBe(fits * (payload.length + EVENT_RECORD_BYTES));
      for (const refusal of refusals) {
        expect(refusal).toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
        expect((refusal as Error).message).toMatch(
          /^The local Lambda service holds \d+ bytes of queued Event invocations; this one, of \d+ bytes, would take it past its cap of 2097152 \(--max-queued-event-mb\); retry later\.$/,
        );
      }
      // Two refusals in a row, one warning: at most one a second.
      const warnings = logs.filter((line) => line.startsWith('[local-lambda] warning:') && line.includes('--max-queued-event-mb'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`the cap is ${cap}`);

      await api.service.whenEventsSettled();
    } finally {
      clearInterval(sample);
    }

    expect(peak).toBeLessThanOrEqual(cap);
    expect(peak).toBeGreaterThan(cap - payload.length - EVENT_RECORD_BYTES);
    expect(api.service.queuedEventBytes).toBe(0);
    const started = linesOf(logs, limited, 'START').map((line) => /RequestId: (\S+)/.exec(line)?.[1]);
    expect(started.sort()).toEqual([...accepted].sort());
    expect(linesOf(logs, limited, 'EVENT DISCARDED')).toEqual([]);

    // Drained: an event of the same size is taken again, and runs.
    const again = await send();
    expect(again.StatusCode).toBe(202);
    await api.service.whenEventsSettled();
    expect(linesOf(logs, limited, 'START').filter((line) => line.includes(again.$metadata.requestId ?? '?'))).toHaveLength(1);
  });

  it('refuses a cap that cannot hold one event of the largest payload', () => {
    expect(() => new LocalLambdaService({ functions: [], asyncInvocation: { maxQueuedBytes: MB }, logSink: () => undefined })).toThrow(
      `maxQueuedBytes must hold one event of the largest payload, ${MB + EVENT_RECORD_BYTES} bytes or more, got ${MB}`,
    );
  });

  it('is set with npm start’s --max-queued-event-mb, in MB, next to --max-event-age-s', () => {
    const parse = (args: readonly string[]) => parseStartFlags(args, process.cwd(), () => undefined).lambda;

    expect(parse(['--max-queued-event-mb', '64']).asyncInvocation).toEqual({ maxQueuedBytes: 64 * MB, maxEventAgeMs: 21_600_000 });
    expect(parse(['--max-queued-event-mb', '2', '--max-event-age-s', '120']).asyncInvocation).toEqual({
      maxEventAgeMs: 120_000,
      maxQueuedBytes: 2 * MB,
    });
    expect(parse([]).asyncInvocation).toEqual({ maxEventAgeMs: 21_600_000, maxQueuedBytes: 256 * MB });
    expect(() => parse(['--max-queued-event-mb', '1'])).toThrow('--max-queued-event-mb must be an integer from 2 to 1048576, got "1"');
    expect(() => parse(['--max-queued-event-mb', '2.5'])).toThrow('--max-queued-event-mb must be an integer');
  });
});

describe('a function’s own EventInvokeConfig', () => {
  let codeDirectory: string;
  const services: LocalLambdaService[] = [];

  beforeAll(() => {
    codeDirectory = mkdtempSync(path.join(os.tmpdir(), 'event-invoke-config-'));
    chmodSync(codeDirectory, 0o755);
    writeFileSync(path.join(codeDirectory, 'index.js'), `exports.handler = async () => { throw new RangeError('always'); };`);
  });

  afterEach(async () => {
    for (const service of services.splice(0)) await service.close();
  });

  afterAll(() => {
    rmSync(codeDirectory, { recursive: true, force: true });
  });

  /** A service of functions that always throw, each with its own config (none when undefined). */
  function serviceOf(configs: Record<string, AsyncInvokeConfig | undefined>, asyncInvocation: AsyncInvocationSettings) {
    const logs: string[] = [];
    const definitionOf = (name: string, config: AsyncInvokeConfig | undefined) =>
      testFunction(name, codeDirectory, config === undefined ? {} : { asyncInvokeConfig: config });
    const service = new LocalLambdaService({
      functions: Object.entries(configs).map(([name, config]) => definitionOf(name, config)),
      asyncInvocation,
      logSink: (record) => logs.push(formatLogRecord(record)),
    });
    services.push(service);
    const send = async (name: string) => (await service.invoke(name, Buffer.from('{}'), { invocationType: 'Event' })).requestId;
    return { service, logs, send, definitionOf };
  }

  it('runs a failing event once with MaximumRetryAttempts 0, 1 + the service-wide retries without one, and 3 times with 2, over a service-wide 1', async () => {
    const { service, logs, send } = serviceOf(
      { NoRetries: { maximumRetryAttempts: 0 }, Unset: undefined, TwoRetries: { maximumRetryAttempts: 2 } },
      { ...quickRetries, maxRetryAttempts: 1 },
    );

    const requestIds = { NoRetries: await send('NoRetries'), Unset: await send('Unset'), TwoRetries: await send('TwoRetries') };
    await service.whenEventsSettled();

    for (const [name, attempts, retries] of [
      ['NoRetries', 1, 0],
      ['Unset', 2, 1],
      ['TwoRetries', 3, 2],
    ] as const) {
      expect(linesOf(logs, name, 'START').filter((line) => line.includes(requestIds[name]))).toHaveLength(attempts);
      const discarded = linesOf(logs, name, 'EVENT DISCARDED');
      expect(discarded).toHaveLength(1);
      expect(discarded[0]).toContain(`RequestId: ${requestIds[name]}\tAttempts: ${attempts}\tRefused: 0\t`);
      expect(discarded[0]).toContain(`\tReason: the function failed on every attempt (${retries} retries): RangeError: always`);
    }
  });

  it('gives up by the function’s MaximumEventAgeInSeconds, shorter or longer than the service-wide age', async () => {
    // Seconds below AWS's 60 s minimum, which only a hand-written definition can hold, keep this test short.
    const { service, logs, send } = serviceOf(
      { Short: { maximumEventAgeSeconds: 0.2 }, Long: { maximumEventAgeSeconds: 3600 }, Unset: undefined },
      { retryDelaysMs: [250, 250] },
    );
    const {
      service: shortAgeService,
      logs: shortAgeLogs,
      send: sendShortAge,
    } = serviceOf({ Long: { maximumEventAgeSeconds: 3600 }, Unset: undefined }, { retryDelaysMs: [250, 250], maxEventAgeMs: 200 });

    await Promise.all([send('Short'), send('Unset'), sendShortAge('Long'), sendShortAge('Unset')]);
    await Promise.all([service.whenEventsSettled(), shortAgeService.whenEventsSettled()]);

    // Against the service-wide 6 hours: 0.2 s gives up before the first retry.
    expect(linesOf(logs, 'Short', 'EVENT DISCARDED')[0]).toMatch(
      /\tAttempts: 1\t.*\tReason: its next attempt would come after the maximum event age of 0\.2 s; /,
    );
    expect(linesOf(logs, 'Unset', 'EVENT DISCARDED')[0]).toContain('\tAttempts: 3\t');
    // Against a service-wide 0.2 s: the function's hour lets every retry run.
    expect(linesOf(shortAgeLogs, 'Long', 'EVENT DISCARDED')[0]).toMatch(/\tAttempts: 3\t.*\(2 retries\)/);
    expect(linesOf(shortAgeLogs, 'Unset', 'EVENT DISCARDED')[0]).toMatch(
      /\tAttempts: 1\t.*\tReason: its next attempt would come after the maximum event age of 0\.2 s; /,
    );
  });

  it('follows the definition watch mode replaces, for an event already queued', async () => {
    const { service, logs, send, definitionOf } = serviceOf({ Replaced: undefined }, { retryDelaysMs: [1000, 1000] });

    const requestId = await send('Replaced');
    while (linesOf(logs, 'Replaced', 'END').length < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    // Past the queue's decision on the first failure (a retry in 1 s), well before that retry.
    await new Promise((resolve) => setTimeout(resolve, 100));
    service.replaceFunction(definitionOf('Replaced', { maximumRetryAttempts: 0 }));
    await service.whenEventsSettled();

    // The first attempt failed under 2 retries; the second, under the replaced 0, is the last.
    expect(linesOf(logs, 'Replaced', 'EVENT DISCARDED')[0]).toContain(`RequestId: ${requestId}\tAttempts: 2\t`);
  });
});
