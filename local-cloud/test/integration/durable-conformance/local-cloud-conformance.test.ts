/**
 * Durable conformance, local cloud side: every case of the durable corpus runs through a local
 * cloud serving the corpus app, and its normalized outcome must equal what AWS's runner gave when
 * the expectations were recorded (`expected/`); where the runner is known not to do what Lambda
 * does (the payload limits), the case's documented status instead. The local cloud is started in
 * this process (the corpus app synthesized into a temporary folder, the durable service on the
 * Invoke API's port) where Node has `node:sqlite`; to run it against one started by hand instead:
 *
 *   node --import tsx local-cloud/test/fixtures/durable/synth.ts /tmp/durable-cdk-out
 *   (start the local cloud on /tmp/durable-cdk-out)
 *   DURABLE_CONFORMANCE_ENDPOINT=http://127.0.0.1:3001 DURABLE_CONFORMANCE_CDK_OUT=/tmp/durable-cdk-out \
 *     npx vitest run local-cloud/test/integration/durable-conformance/local-cloud-conformance.test.ts
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { durableCases } from '../../fixtures/durable/corpus';
import { readExpectations } from './expectations';
import { canServeDurableInProcess, type InProcessLocalCloud, startInProcessLocalCloud } from './in-process-local-cloud';
import { corpusDeployment } from './local-cloud-deployment';
import { type LocalCloudDeployment, lambdaClientFor, runCaseThroughLocalCloud } from './local-cloud-runner';

const givenEndpoint = process.env.DURABLE_CONFORMANCE_ENDPOINT;
const givenCdkOut = process.env.DURABLE_CONFORMANCE_CDK_OUT;
const byHand = givenEndpoint !== undefined && givenCdkOut !== undefined;
const recorded = readExpectations();

describe.runIf(byHand || canServeDurableInProcess())('the local cloud agrees with the recorded oracle', () => {
  let client: LambdaClient | undefined;
  let deployment: LocalCloudDeployment | undefined;
  let local: InProcessLocalCloud | undefined;

  beforeAll(async () => {
    if (byHand) {
      client = lambdaClientFor(givenEndpoint ?? '', {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      });
      deployment = corpusDeployment(givenCdkOut ?? '', client);
      return;
    }
    local = await startInProcessLocalCloud();
    client = lambdaClientFor(local.endpoint, local.credentials);
    deployment = corpusDeployment(local.cdkOut, client);
  }, 300_000);

  afterAll(async () => {
    client?.destroy();
    await local?.close();
  });

  // Each case has a durable function of its own, and most of a case's time is its waits and retry
  // delays: they run side by side (vitest's maxConcurrency, 5 at a time).
  for (const testCase of durableCases) {
    it.concurrent(testCase.name, async ({ expect }) => {
      if (deployment === undefined) throw new Error('no local cloud to run against');
      const outcome = await runCaseThroughLocalCloud(testCase, deployment);
      if (testCase.documented !== undefined) expect(outcome.status).toBe(testCase.documented.status);
      else expect(outcome).toEqual(recorded.get(testCase.name));
    });
  }
});
