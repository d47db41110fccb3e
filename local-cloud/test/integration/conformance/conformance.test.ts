/**
 * Conformance: the local execution environment against AWS's own runtime client.
 *
 * Every case of the corpus runs twice, through the local environment (fork/IPC bootstrap) and
 * through `aws-lambda-ric` against a Runtime API served for the test, and the two must agree on
 * the outcome, errorType, errorMessage, payload and console lines. Where the client cannot be
 * built here, the suite says so and checks the local half against what the client did when the
 * expectations were recorded (`CONFORMANCE_RECORD=1 npx vitest run local-cloud/test/integration/conformance` rewrites them).
 * What the client leaves to Lambda (timeouts, memory) is checked against the AWS documentation.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceCases as coreCases } from './corpus';
import { awslambdaCases } from './corpus-awslambda';
import { freezeCases } from './corpus-freeze';
import { type Observation, runLocally, runWithRuntimeClient, setUpCase } from './run-case';
import { ensureRuntimeClient, RUNTIME_CLIENT_VERSION, type RuntimeClient } from './runtime-client';

const expectationsPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'expected.json');
const recording = process.env.CONFORMANCE_RECORD === '1';
const recorded = JSON.parse(readFileSync(expectationsPath, 'utf8')) as Record<string, Observation>;
const newRecording: Record<string, Observation> = {};
const conformanceCases = [...coreCases, ...awslambdaCases, ...freezeCases];

let directory: string;
let client: RuntimeClient;

beforeAll(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'conformance-'));
  // Readable by the unprivileged user local environments run as when the suite runs as root.
  chmodSync(directory, 0o755);
  client = ensureRuntimeClient((message) => console.warn(`[conformance] ${message}`));
  if (!client.available) {
    console.warn(
      `[conformance] aws-lambda-ric@${RUNTIME_CLIENT_VERSION} is not available (${client.reason}): checking the local runtime against recorded expectations instead`,
    );
  }
}, 10 * 60_000);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
  if (recording) writeFileSync(expectationsPath, `${JSON.stringify(newRecording, null, 2)}\n`);
});

describe(`the local runtime agrees with aws-lambda-ric@${RUNTIME_CLIENT_VERSION}`, () => {
  for (const testCase of conformanceCases.filter((candidate) => candidate.documented === undefined)) {
    it(testCase.name, async () => {
      const setup = setUpCase(testCase, directory);
      const local = await runLocally(testCase, setup);
      let reference: Observation | undefined;
      if (client.available) {
        reference = await runWithRuntimeClient(testCase, setup, client);
        if (recording) newRecording[testCase.name] = reference;
      } else {
        reference = recorded[testCase.name];
        if (reference === undefined)
          throw new Error(`no recorded expectation for "${testCase.name}": record them where aws-lambda-ric builds`);
      }
      expect(local).toEqual(reference);
    });
  }
});

describe('what the runtime client leaves to Lambda, as AWS documents it', () => {
  for (const testCase of conformanceCases.filter((candidate) => candidate.documented !== undefined)) {
    it(`${testCase.name} (${testCase.documented?.source})`, async () => {
      const local = await runLocally(testCase, setUpCase(testCase, directory));
      expect(local.outcome).toBe(testCase.documented?.outcome);
    });
  }
});
