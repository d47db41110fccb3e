/**
 * Faults aimed at a function: the README's resilience example (`npm start -- --crash-rate
 * Squarer=0.1 …`), read from the README and parsed as `npm start` parses it, faults the squarer
 * only, so every answer is a 200 or a 502 whose body accounts for every number. End to end, as the
 * other reliability suites: signed request → local HTTP API → coordinator process → real SDK →
 * local Invoke API → squarer processes. How the fault flags parse, merge and are refused: unit
 * tests (local-cloud/test/unit/cli/fault-flags.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseStartFlags } from '../../../local-cloud/cli/start-flags';
import {
  bodyOf,
  checkEveryIndexOnce,
  distinctIntegers,
  parseSquareResponse,
  projectDirectory,
  type SquareApi,
  startedRequestIds,
  startSquareApi,
} from './support/local-square-api';

const cdkOut = inject('cdkOut');

let api: SquareApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Parses flags as `npm start` does (local-cloud/cli/start.ts). */
function parseFlags(args: readonly string[]) {
  return parseStartFlags(args, projectDirectory, () => undefined).lambda;
}

/** The flags of the README's resilience example: the `npm start -- --crash-rate …` line. */
function readmeResilienceFlags(): string[] {
  const readme = readFileSync(path.join(projectDirectory, 'README.md'), 'utf8');
  const line = readme.split('\n').find((candidate) => candidate.startsWith('npm start -- --crash-rate'));
  if (line === undefined) throw new Error('the README has no `npm start -- --crash-rate …` example');
  return line.slice('npm start -- '.length).split(/\s+/);
}

describe('faults aimed at a function', () => {
  it('the README’s resilience example faults only the squarer: every answer a 200 or a 502 that accounts for every number', async () => {
    const flags = readmeResilienceFlags();
    expect(flags.every((flag) => flag.startsWith('--') || flag.startsWith('Squarer='))).toBe(true);
    api = await startSquareApi(cdkOut, ({ squarer }) => ({
      lambda: {
        ...parseFlags(flags),
        // A shorter squarer timeout than the stack's 5 s, so that hangs end within the test's time; the faults stay the README's.
        functionOverrides: { [squarer.name]: { timeoutSeconds: 1 } },
      },
    }));
    let retries = 0;
    const statuses: number[] = [];

    for (let request = 0; request < 4; request += 1) {
      const numbers = distinctIntegers(50, BigInt(request) * 1000n);
      const response = await api.post(bodyOf(numbers));

      statuses.push(response.status);
      expect([200, 502], response.text.slice(0, 300)).toContain(response.status);
      const answer = parseSquareResponse(response);
      const { errors } = checkEveryIndexOnce(answer, numbers, () => true);
      expect(response.status === 200).toBe(errors.length === 0);
      retries += answer.stats.retries;
    }

    // The faults hit the squarer (its invocations were retried) and never the coordinator: one
    // coordinator invocation per request, none crashed or timed out.
    expect(retries).toBeGreaterThan(0);
    expect(startedRequestIds(api.logs, api.coordinator.name)).toHaveLength(4);
    expect(api.logs.filter((line) => line.startsWith(`[${api?.coordinator.name}] REPORT`) && line.includes('Status:'))).toEqual([]);
    console.log(`[reliability] README resilience example: statuses ${statuses.join(', ')}, ${retries} retries`);
  });
});
