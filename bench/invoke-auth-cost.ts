/**
 * What SigV4 verification on the local Invoke API costs: warm invocations of the squarer, in
 * alternating rounds against two stacks of the same assembly, one verifying signatures and one
 * started with `invokeAuthentication: 'none'`, so both see the same machine load. Prints one JSON
 * line. Run: `node --import tsx bench/invoke-auth-cost.ts [cdk.out]` (synthesize first with `npm run synth`).
 */

import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, startLocalStack } from '../local-cloud/local-stack';
import { median, projectDirectory } from './child';

const cdkOut = process.argv[2] ?? `${projectDirectory}/cdk.out`;
const ROUNDS = 6;
const PER_ROUND = 300;
const CONCURRENCY = 16;

const start = (invokeAuthentication: 'sigv4' | 'none') =>
  startLocalStack({
    projectDirectory,
    cdkOut,
    httpPort: 0,
    lambdaPort: 0,
    credentials: LOCAL_CREDENTIALS,
    writeStateFile: false,
    logSink: () => undefined,
    invokeAuthentication,
  });
const stacks = { sigv4: await start('sigv4'), none: await start('none') };
const squarer = stacks.sigv4.assembly.functions.find((f) => f.logicalId.startsWith('Squarer'));
if (squarer === undefined) throw new Error('no squarer in the assembly');

async function round(kind: keyof typeof stacks): Promise<number> {
  const client = new LambdaClient({
    endpoint: stacks[kind].lambdaUrl,
    region: stacks[kind].region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) }),
  });
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PER_ROUND) {
        next += 1;
        await client.send(new InvokeCommand({ FunctionName: squarer?.name, Payload: new TextEncoder().encode(`{"number":${next}}`) }));
      }
    }),
  );
  client.destroy();
  return (PER_ROUND / (performance.now() - startedAt)) * 1000;
}

const perSecond: Record<keyof typeof stacks, number[]> = { sigv4: [], none: [] };
await round('sigv4');
await round('none');
for (let i = 0; i < ROUNDS; i += 1) {
  perSecond.sigv4.push(await round('sigv4'));
  perSecond.none.push(await round('none'));
}
await Promise.all([stacks.sigv4.close(), stacks.none.close()]);
const sigv4 = median(perSecond.sigv4);
const none = median(perSecond.none);
process.stdout.write(
  `${JSON.stringify({ rounds: perSecond, invocationsPerSecond: { sigv4, none }, ratio: sigv4 / none, perRound: PER_ROUND, concurrency: CONCURRENCY })}\n`,
);
