/**
 * A local stack of a checkout of this project, started through that checkout's own
 * `local-cloud` module (whatever its version: options it does not know are ignored), and a stock
 * `LambdaClient` for its squarer: what the paired and the profiling Invoke benches share.
 */
import { Agent } from 'node:http';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface TreeStack {
  readonly lambdaUrl: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly assembly: { readonly functions: readonly { readonly logicalId: string; readonly name: string }[] };
  close(): Promise<void>;
}

/** `startLocalStack` of the checkout at `root`, on free ports, with no state file, and `options` on top. */
export async function startTreeStack(root: string, options: Record<string, unknown>): Promise<TreeStack> {
  const { startLocalStack } = (await import(path.join(root, 'local-cloud/stack/local-stack.ts'))) as {
    startLocalStack: (options: Record<string, unknown>) => Promise<TreeStack>;
  };
  return startLocalStack({ projectDirectory: root, httpPort: 0, lambdaPort: 0, writeStateFile: false, ...options });
}

/** The stack's squarer, and a client for it with `sockets` keep-alive sockets and no retries. */
export function squarerClient(stack: TreeStack, sockets: number): { readonly squarer: string; readonly client: LambdaClient } {
  const squarer = stack.assembly.functions.find((f) => f.logicalId.startsWith('Squarer'))?.name;
  if (squarer === undefined) throw new Error(`no squarer in the stack at ${stack.lambdaUrl}`);
  const client = new LambdaClient({
    endpoint: stack.lambdaUrl,
    region: stack.region,
    credentials: stack.credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: sockets }) }),
  });
  return { squarer, client };
}

/**
 * `count` invocations of `squarer`, `concurrency` at a time, each `{"number": n}`; the first function
 * error fails the run, its message prefixed with `label` when given. Resolves to the wall time, ms.
 */
export async function invokeSquarerMany(
  client: LambdaClient,
  squarer: string,
  count: number,
  concurrency: number,
  label?: string,
): Promise<number> {
  let next = 0;
  const encoder = new TextEncoder();
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const output = await client.send(new InvokeCommand({ FunctionName: squarer, Payload: encoder.encode(`{"number":${next}}`) }));
        if (output.FunctionError !== undefined)
          throw new Error(`${label === undefined ? '' : `${label}: `}the squarer failed: ${new TextDecoder().decode(output.Payload)}`);
      }
    }),
  );
  return performance.now() - startedAt;
}
