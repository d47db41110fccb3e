import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A `LambdaClient` built for fan-out: its socket pool holds at least `maxConcurrency`
 * connections (the SDK's default pool of 50 would queue the rest), sockets are kept alive
 * between invocations, and the SDK does not retry: the fan-out retries, so that it can count
 * retries, back off with jitter, adapt its concurrency and respect the request's deadline.
 *
 * Build it once per execution environment, at module scope.
 */
export function createFanOutLambdaClient(maxConcurrency: number): LambdaClient {
  const agentOptions = { keepAlive: true, maxSockets: maxConcurrency, maxFreeSockets: maxConcurrency };
  return new LambdaClient({
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 3_000,
    }),
  });
}
