/**
 * The AWS SDK's own CPU per `send(InvokeCommand)`, without a network: a request handler answers
 * in-process. Compares the default client with `cacheMiddleware` (measured, not used: see
 * bench/findings.md) and with one SigV4 signer per client, as lambda-client.ts builds it; then
 * the coordinator's own client, squarer invoker and `fanOut` (maxConcurrency 100), its request
 * handler skipped by a last middleware that answers as a squarer would, alone and without each
 * middleware that public configuration could remove, rows alternated round by round.
 * Usage: `node --import tsx bench/sdk-pipeline-cost.ts` (about a minute); prints µs per send, steady state.
 */
import { InvokeCommand, type InvokeCommandOutput, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { type HttpHandler, HttpResponse } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { DeserializeMiddleware } from '@smithy/types';
import { fanOut } from '../functions/commons/fan-out';
import { createFanOutLambdaClient } from '../functions/commons/lambda-client';
import type { ParsedNumber } from '../functions/commons/square';
import { classifyInvokeError, createSquarerInvoker } from '../functions/commons/squarer-invoker';
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

/** A last middleware that answers each Invoke as a squarer would, so that nothing reaches the request handler. */
const answerAsSquarer: DeserializeMiddleware<object, InvokeCommandOutput> = () => async (args) => {
  const { body } = args.request as { body: Uint8Array };
  const { number } = JSON.parse(Buffer.from(body).toString('utf8')) as { number: number };
  const response = new HttpResponse({
    statusCode: 200,
    headers: { 'x-amzn-requestid': 'id', 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ number, result: number * number, processName: 'id' })),
  });
  return { response, output: { $metadata: {} } as InvokeCommandOutput };
};
process.env.AWS_ENDPOINT_URL_LAMBDA = 'https://127.0.0.1:1';
/** Middleware that public configuration (`middlewareStack.remove`) can take out; the rest the pipeline needs. */
const removals: Record<string, readonly string[]> = {
  'the coordinator, as it sends': [],
  'the coordinator again (the spread of a row)': [],
  '… without the user agent': ['getUserAgentMiddleware'],
  '… without recursion detection': ['recursionDetectionMiddleware'],
  '… without the logger middleware': ['loggerMiddleware'],
  '… without all three': ['getUserAgentMiddleware', 'recursionDetectionMiddleware', 'loggerMiddleware'],
};
const rows = Object.entries(removals).map(([name, names]) => {
  const { client } = createFanOutLambdaClient(100);
  client.middlewareStack.add(answerAsSquarer, { step: 'deserialize', priority: 'low', name: 'answerAsSquarer' });
  for (const middleware of names) client.middlewareStack.remove(middleware);
  const invoke = createSquarerInvoker({ client, functionName: 'f' });
  return { name, invoke, perInvoke: [] as number[] };
});
const items: ParsedNumber[] = Array.from({ length: 1000 }, (_, i) => ({ kind: 'integer', value: BigInt(i) }));
for (let round = 0; round < 36; round += 1) {
  // Rotated each round, so that no row always follows the same one (GC, caches).
  for (const row of [...rows.slice(round % rows.length), ...rows.slice(0, round % rows.length)]) {
    const cpu0 = process.cpuUsage();
    const { outcomes } = await fanOut(items, row.invoke, {
      maxConcurrency: 100,
      deadline: Date.now() + 60_000,
      retry: { maxAttempts: 1, baseDelayMs: 25, maxDelayMs: 1000, budget: 0 },
      classify: classifyInvokeError,
    });
    const cpu = process.cpuUsage(cpu0);
    if (outcomes.some((outcome) => !outcome.ok)) throw new Error(`${row.name}: an invocation failed`);
    row.perInvoke.push((cpu.user + cpu.system) / items.length);
  }
}
for (const row of rows) {
  console.log(`${row.name.padEnd(48)} ${median(row.perInvoke.slice(-18)).toFixed(0)} µs per invoke (fanOut + invoker + SDK, no network)`);
}
