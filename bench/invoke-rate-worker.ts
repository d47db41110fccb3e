/**
 * One measurement of the local Invoke API's warm invocation rate, for any checkout of this project:
 * starts that tree's `startLocalStack` (its own code, its own synthesized assembly) with the stack's
 * own credentials, then the stock SDK `LambdaClient` (a keep-alive pool of 32 sockets) warms the
 * squarer with 320 invocations and times 2000 more at concurrency 32. Prints one JSON line.
 * Run: `node --import tsx bench/invoke-rate-worker.ts <project directory> [sigv4|none]`;
 * `bench/invoke-rate-ab.ts` runs it against two trees in turn.
 */
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const [root = '.', authentication = 'sigv4'] = process.argv.slice(2);
const projectDirectory = path.resolve(root);
const WARM_UP = 320;
const INVOCATIONS = 2000;
const CONCURRENCY = 32;

interface Stack {
  readonly lambdaUrl: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly assembly: { readonly functions: readonly { readonly logicalId: string; readonly name: string }[] };
  close(): Promise<void>;
}
// The tree's own module, whatever its version: options it does not know (older trees have no
// `invokeAuthentication`) are ignored.
const { startLocalStack } = (await import(path.join(projectDirectory, 'local-cloud/local-stack.ts'))) as {
  startLocalStack: (options: Record<string, unknown>) => Promise<Stack>;
};
const stack = await startLocalStack({
  projectDirectory,
  httpPort: 0,
  lambdaPort: 0,
  writeStateFile: false,
  logSink: () => undefined,
  invokeAuthentication: authentication,
});
const squarer = stack.assembly.functions.find((f) => f.logicalId.startsWith('Squarer'));
if (squarer === undefined) throw new Error('no squarer in the assembly');
const client = new LambdaClient({
  endpoint: stack.lambdaUrl,
  region: stack.region,
  credentials: stack.credentials,
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) }),
});

async function invokeMany(count: number): Promise<number> {
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next += 1;
        const output = await client.send(
          new InvokeCommand({ FunctionName: squarer?.name, Payload: new TextEncoder().encode(`{"number":${next}}`) }),
        );
        if (output.FunctionError !== undefined) throw new Error(`the squarer failed: ${new TextDecoder().decode(output.Payload)}`);
      }
    }),
  );
  return performance.now() - startedAt;
}

try {
  await invokeMany(WARM_UP);
  const cpuBefore = process.cpuUsage();
  const elapsedMs = await invokeMany(INVOCATIONS);
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(
    `${JSON.stringify({
      projectDirectory,
      authentication,
      invocationsPerSecond: (INVOCATIONS / elapsedMs) * 1000,
      // Client and local cloud share this process; the functions run in children of their own.
      processCpuMicrosPerInvocation: (cpu.user + cpu.system) / INVOCATIONS,
      loadAverage: loadavg()[0],
    })}\n`,
  );
} finally {
  client.destroy();
  await stack.close();
}
