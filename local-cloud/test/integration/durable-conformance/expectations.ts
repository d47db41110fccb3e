/**
 * The recorded expectations: one JSON file per case under `expected/`, named after the case, each
 * holding the case's name and the outcome the oracle gave when it was recorded. Committed, so the
 * local cloud can be checked against them where the oracle cannot run.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NormalizedOutcome } from './normalize';

const expectationsDirectory = path.join(import.meta.dirname, 'expected');

interface Expectation {
  readonly case: string;
  readonly outcome: NormalizedOutcome;
}

/** A case's file name: its name in lower case, runs of other characters as one dash. */
export function expectationFileName(caseName: string): string {
  return `${caseName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}.json`;
}

/** Every recorded expectation, by case name. */
export function readExpectations(): Map<string, NormalizedOutcome> {
  const expectations = new Map<string, NormalizedOutcome>();
  for (const file of readdirSync(expectationsDirectory).filter((name) => name.endsWith('.json'))) {
    const expectation = JSON.parse(readFileSync(path.join(expectationsDirectory, file), 'utf8')) as Expectation;
    expectations.set(expectation.case, expectation.outcome);
  }
  return expectations;
}

export function writeExpectation(caseName: string, outcome: NormalizedOutcome): void {
  mkdirSync(expectationsDirectory, { recursive: true });
  const expectation: Expectation = { case: caseName, outcome };
  writeFileSync(path.join(expectationsDirectory, expectationFileName(caseName)), `${JSON.stringify(expectation, null, 2)}\n`);
}
