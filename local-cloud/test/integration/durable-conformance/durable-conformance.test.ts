/**
 * Durable conformance, oracle side: every case of the durable corpus runs through AWS's
 * `LocalDurableTestRunner`, and its normalized outcome must equal the one recorded for it in
 * `expected/`, which is what the local cloud's durable execution service is checked against.
 * Where the runner cannot be loaded, the suite says why and the cases are skipped; the recorded
 * expectations still serve the local cloud's side. Re-record after a deliberate change:
 *
 *   DURABLE_CONFORMANCE_RECORD=1 npx vitest run local-cloud/test/integration/durable-conformance
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durableCases } from '../../fixtures/durable/corpus';
import { readExpectations, writeExpectation } from './expectations';
import type { NormalizedOutcome } from './normalize';
import { closeOracle, ORACLE_VERSION, type Oracle, openOracle, runCaseThroughOracle } from './oracle';

const recording = process.env.DURABLE_CONFORMANCE_RECORD === '1';
const recorded: ReadonlyMap<string, NormalizedOutcome> = readExpectations();

let oracle: Oracle;

beforeAll(async () => {
  oracle = await openOracle();
  if (!oracle.available)
    console.warn(
      `[durable-conformance] LocalDurableTestRunner@${ORACLE_VERSION} is not available (${oracle.reason}): its cases are skipped`,
    );
});

afterAll(async () => {
  await closeOracle(oracle);
});

describe('the durable corpus', () => {
  it('has at least 20 cases, uniquely named, each with a recorded expectation and nothing recorded beside them', () => {
    const names = durableCases.map((testCase) => testCase.name);
    expect(names.length).toBeGreaterThanOrEqual(20);
    expect(new Set(names).size).toBe(names.length);
    if (!recording) expect([...recorded.keys()].sort()).toEqual([...names].sort());
  });
});

describe(`the durable corpus through LocalDurableTestRunner@${ORACLE_VERSION} agrees with its recorded expectations`, () => {
  for (const testCase of durableCases) {
    it(testCase.name, async (context) => {
      if (!oracle.available) context.skip(oracle.reason);
      if (!oracle.available) return;
      const run = await runCaseThroughOracle(oracle.testing, testCase);
      // The history the normalizer reads says what the runner's own operation list says.
      expect(run.disagreements).toEqual([]);
      if (recording) writeExpectation(testCase.name, run.outcome);
      else expect(run.outcome).toEqual(recorded.get(testCase.name));
    });
  }
});
