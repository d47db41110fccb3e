/**
 * The AWS SDK's own CPU per `send(InvokeCommand)`, without a network: a request handler answers
 * in-process. Compares the default client with `cacheMiddleware` (measured, not used: see
 * bench/findings.md) and with one SigV4 signer per client, as lambda-client.ts builds it.
 * Usage: `npx tsx bench/sdk-pipeline-cost.ts` (about 20 s); prints µs per send, steady state.
 */
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { type HttpHandler, HttpResponse } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { median } from './child';

process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCHMARK';
process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';

const answer = new TextEncoder().encode('{"number":3,"result":9,"processName":"x"}');
const inProcess: HttpHandler = {
  metadata: { handlerProtocol: 'http/1.1' },
  handle: async () => ({
    response: new HttpResponse({
      statusCode: 200,
      headers: { 'x-amzn-requestid': 'id', 'content-type': 'application/json' },
      body: new Uint8Array(answer),
    }),
  }),
  updateHttpClientConfig: () => {},
  httpHandlerConfigs: () => ({}),
};

async function measure(name: string, config: LambdaClientConfig, withSignal: boolean, oneSigner: boolean): Promise<void> {
  let signer: SignatureV4 | undefined;
  const client: LambdaClient = new LambdaClient({
    maxAttempts: 1,
    endpoint: 'http://127.0.0.1:1',
    requestHandler: inProcess,
    ...config,
    ...(oneSigner
      ? {
          signer: async () =>
            (signer ??= new SignatureV4({
              credentials: client.config.credentials,
              region: await client.config.region(),
              service: 'lambda',
              sha256: client.config.sha256,
            })),
        }
      : {}),
  });
  const encoder = new TextEncoder();
  const perSend: number[] = [];
  for (let round = 0; round < 25; round += 1) {
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) => {
        const command = new InvokeCommand({ FunctionName: 'f', Payload: encoder.encode(JSON.stringify({ number: i })) });
        return withSignal ? client.send(command, { abortSignal: new AbortController().signal }) : client.send(command);
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    perSend.push((cpu.user + cpu.system) / 1000);
  }
  // The first rounds warm the JIT up; the median of the last ten is the steady state.
  console.log(`${name.padEnd(48)} ${median(perSend.slice(-10)).toFixed(0)} µs per send`);
}

await measure('default (with an abort signal, as the invoker sends)', {}, true, false);
await measure('cacheMiddleware (no options: the cache applies)', { cacheMiddleware: true }, false, false);
await measure('cacheMiddleware + one SigV4 signer', { cacheMiddleware: true }, false, true);
