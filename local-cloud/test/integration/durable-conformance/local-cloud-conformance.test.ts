/**
 * Durable conformance, local cloud side: every case of the durable corpus runs through a local
 * cloud serving the corpus app, and its normalized outcome must equal what AWS's runner gave when
 * the expectations were recorded (`expected/`); where the runner is known not to do what Lambda
 * does (the payload limits), the case's documented status instead. Until the local cloud serves
 * durable functions in-process (issue 21), it runs against one started by hand:
 *
 *   node --import tsx local-cloud/test/fixtures/durable/synth.ts /tmp/durable-cdk-out
 *   (start the local cloud on /tmp/durable-cdk-out)
 *   DURABLE_CONFORMANCE_ENDPOINT=http://127.0.0.1:3001 DURABLE_CONFORMANCE_CDK_OUT=/tmp/durable-cdk-out \
 *     npx vitest run local-cloud/test/integration/durable-conformance/local-cloud-conformance.test.ts
 */
import { afterAll, describe, expect, it } from 'vitest';
import { durableCases } from '../../fixtures/durable/corpus';
import { readExpectations } from './expectations';
import { corpusDeployment } from './local-cloud-deployment';
import { lambdaClientFor, runCaseThroughLocalCloud } from './local-cloud-runner';

const endpoint = process.env.DURABLE_CONFORMANCE_ENDPOINT;
const cdkOut = process.env.DURABLE_CONFORMANCE_CDK_OUT;
const recorded = readExpectations();

describe.runIf(endpoint !== undefined && cdkOut !== undefined)('the local cloud agrees with the recorded oracle', () => {
  const client = lambdaClientFor(endpoint ?? '', {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  });
  afterAll(() => client.destroy());

  for (const testCase of durableCases) {
    it(testCase.name, async () => {
      const outcome = await runCaseThroughLocalCloud(testCase, corpusDeployment(cdkOut ?? '', client));
      if (testCase.documented !== undefined) expect(outcome.status).toBe(testCase.documented.status);
      else expect(outcome).toEqual(recorded.get(testCase.name));
    });
  }
});
