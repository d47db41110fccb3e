/**
 * The coordinator's metrics, end to end on the local stack: the real bundled coordinator writes
 * them as embedded metric format lines among its logs, as it would to CloudWatch Logs, and each
 * must be a valid EMF document carrying the request's figures under the stack's namespace and
 * service dimension. And with tracing on (`-c tracing=true`), where the local cloud runs no X-Ray
 * daemon, tracing must stay quiet: the same lines, and nothing in the coordinator's log an error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CoordinatorMetric, METRICS_NAMESPACE, SERVICE_DIMENSION, SERVICE_NAME } from '../../../functions/commons/metric-names';
import type { SquareResponse } from '../../../functions/commons/square-response';
import { type EmfMetric, readEmf } from '../../support/emf';
import { bodyOf, distinctIntegers, parseSquareResponse, type SquareApi, startSquareApi } from '../reliability/support/local-square-api';

const cdkOut = inject('cdkOut');

let api: SquareApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** The coordinator's output lines (not the platform's START/END/REPORT), without the local cloud's `[name] ` prefix. */
function coordinatorOutput(stack: SquareApi): string[] {
  const prefix = `[${stack.coordinator.name}] `;
  return stack.logs
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))
    .filter((line) => !/^(START|END|REPORT) RequestId:/.test(line));
}

/** Every EMF document among the coordinator's lines, each checked against the specification. */
function emfDocuments(stack: SquareApi): EmfMetric[][] {
  return coordinatorOutput(stack)
    .filter((line) => line.includes('"_aws"'))
    .map((line) => {
      const read = readEmf(line);
      if ('problems' in read) throw new Error(`invalid EMF document: ${read.problems.join('; ')}\n${line.slice(0, 500)}`);
      return read.metrics;
    });
}

/** The value of each metric of one document, by name, after checking namespace, dimension and unit. */
function figures(metrics: EmfMetric[]): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const metric of metrics) {
    expect(metric.namespace).toBe(METRICS_NAMESPACE);
    expect(metric.dimensions).toEqual({ [SERVICE_DIMENSION]: SERVICE_NAME });
    expect(metric.unit).toBe(metric.name === CoordinatorMetric.durationMs ? 'Milliseconds' : 'Count');
    expect(metric.values).toHaveLength(1);
    byName[metric.name] = metric.values[0] ?? NaN;
  }
  return byName;
}

function expectedFigures(stats: SquareResponse['stats']): Record<string, number> {
  return {
    [CoordinatorMetric.numbers]: stats.numbers,
    [CoordinatorMetric.succeeded]: stats.succeeded,
    [CoordinatorMetric.failed]: stats.failed,
    [CoordinatorMetric.invocations]: stats.invocations,
    [CoordinatorMetric.retries]: stats.retries,
    [CoordinatorMetric.throttles]: stats.throttles,
    [CoordinatorMetric.durationMs]: stats.durationMs,
  };
}

/**
 * Lines that would be errors in CloudWatch Logs: Powertools' error levels, and any other line
 * (console output in the runtime's `<time>\t<request id>\t<LEVEL>\t<message>` text format, X-Ray SDK
 * complaints, uncaught exceptions) at level ERROR or FATAL or naming X-Ray, a segment or an Error.
 * Powertools Logger's own JSON lines are judged by their level only: each carries `xray_trace_id`
 * once Lambda sets `_X_AMZN_TRACE_ID`, which is no complaint.
 */
function errorLines(stack: SquareApi): string[] {
  return coordinatorOutput(stack).filter((line) => {
    const level = powertoolsLevel(line);
    if (level !== undefined) return /^(ERROR|CRITICAL|FATAL)$/.test(level);
    return /\t(ERROR|FATAL)\t|x-?ray|segment|Error:/i.test(line);
  });
}

/** The `level` of a Powertools Logger JSON line, or undefined for any other line. */
function powertoolsLevel(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'level' in parsed && typeof parsed.level === 'string') return parsed.level;
  } catch {
    // not JSON: judged as text
  }
  return undefined;
}

describe('coordinator metrics on the local stack', () => {
  it('every Invoke throttled: 3 numbers, 6 attempts each, all failed; one EMF line with exactly those figures', async () => {
    api = await startSquareApi(cdkOut, ({ squarer }) => ({
      lambda: {
        functionOverrides: { [squarer.name]: { faults: { throttle: 1 } } },
      },
    }));
    const numbers = distinctIntegers(3);

    const response = await api.post(bodyOf(numbers));

    expect(response.status).toBe(502);
    const { stats } = parseSquareResponse(response);
    const documents = emfDocuments(api);
    expect(documents).toHaveLength(1);
    const published = figures(documents[0] ?? []);
    // Known before the request: 3 numbers × 6 attempts, every one refused with 429.
    expect(published).toEqual({
      [CoordinatorMetric.numbers]: 3,
      [CoordinatorMetric.succeeded]: 0,
      [CoordinatorMetric.failed]: 3,
      [CoordinatorMetric.invocations]: 18,
      [CoordinatorMetric.retries]: 15,
      [CoordinatorMetric.throttles]: 18,
      [CoordinatorMetric.durationMs]: stats.durationMs,
    });
    expect(published).toEqual(expectedFigures(stats));
    expect(errorLines(api)).toEqual([]);
  });

  it("seeded service errors and throttles: one EMF line per request, each with that request's figures", async () => {
    api = await startSquareApi(cdkOut, ({ squarer }) => ({
      lambda: {
        functionOverrides: { [squarer.name]: { faults: { serviceError: 0.15, throttle: 0.15 } } },
        faultInjection: { seed: 7 },
      },
    }));

    const first = parseSquareResponse(await api.post(bodyOf(distinctIntegers(40))));
    const second = parseSquareResponse(await api.post(bodyOf(distinctIntegers(25, 1000n))));
    // A request refused before its fan-out publishes no metrics.
    expect((await api.post('{"numbers": "2"}')).status).toBe(400);

    expect(first.stats.retries).toBeGreaterThan(0);
    expect(first.stats.throttles).toBeGreaterThan(0);
    const documents = emfDocuments(api);
    expect(documents.map(figures)).toEqual([expectedFigures(first.stats), expectedFigures(second.stats)]);
    expect(errorLines(api)).toEqual([]);
  });
});

describe('with tracing on, on the local stack (no X-Ray daemon)', () => {
  it('answers, publishes the same metric line and logs no error', async () => {
    // The app as `-c tracing=true` synthesizes it, once for the run (test/integration/global-setup.ts).
    api = await startSquareApi(inject('cdkOutTraced'), ({ squarer }) => ({
      lambda: {
        functionOverrides: { [squarer.name]: { faults: { throttle: 0.2 } } },
        faultInjection: { seed: 3 },
      },
    }));
    // Not vacuous: this coordinator is the traced bundle, with the X-Ray SDK in it.
    expect(readFileSync(path.join(api.coordinator.codeDirectory, 'index.mjs'), 'utf8').includes('aws-xray-sdk')).toBe(true);

    const response = await api.post(bodyOf(distinctIntegers(30)));

    expect(response.status).toBe(200);
    const { stats } = parseSquareResponse(response);
    expect(stats.throttles).toBeGreaterThan(0);
    expect(emfDocuments(api).map(figures)).toEqual([expectedFigures(stats)]);
    expect(errorLines(api)).toEqual([]);
  });
});
