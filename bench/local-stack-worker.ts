/**
 * Parts 2 and 4 on the local stack, in a process of its own: `POST /square` with 1000 numbers
 * through the local HTTP API (cold first, then warm), and warm invocations per second through the
 * local Lambda Invoke API. Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS, startLocalStack } from '@multi-square/local-cloud';
import { createFanOutLambdaClient } from '../functions/commons/lambda-client';
import { median, projectDirectory, run } from './child';
import { squareOnStack } from './square-on-stack';

export interface LocalStackMeasurement {
  readonly startMs: number;
  readonly squareN: number;
  readonly squareFirstMs: number;
  readonly squareWarmMs: number[];
  readonly squareStats: unknown;
  /** INIT_START lines (environments started) during the first request, then during each repeated one. */
  readonly initsPerRequest?: number[];
  /** `npm run square -- --url <this stack> --json <N numbers>`, as with `npm start` running: whole CLI processes. */
  readonly cliWarmMs: number[] | { readonly failed: string };
  readonly invoke: {
    readonly concurrency: number;
    readonly invocations: number;
    readonly perSecond: number;
    readonly sequentialMedianMs: number;
  };
}

const N = Number(process.argv[2] ?? '1000');
const WARM_RUNS = 3;
const INVOKE_CONCURRENCY = 32;
const INVOKE_COUNT = 2000;

let initStarts = 0;
const startedAt = performance.now();
const stack = await startLocalStack({
  projectDirectory,
  httpPort: 0,
  lambdaPort: 0,
  credentials: LOCAL_CREDENTIALS,
  writeStateFile: false,
  logSink: (record) => {
    if (record.source === 'function' && record.text.startsWith('INIT_START')) initStarts += 1;
  },
});
const startMs = performance.now() - startedAt;
try {
  const body = JSON.stringify({ numbers: Array.from({ length: N }, (_, i) => i + 2) });
  const initsPerRequest: number[] = [];
  const square = async (): Promise<{ ms: number; stats: unknown }> => {
    const initsBefore = initStarts;
    const result = await squareOnStack(stack, body);
    initsPerRequest.push(initStarts - initsBefore);
    return result;
  };
  const first = await square();
  const warm: number[] = [];
  let stats: unknown;
  for (let i = 0; i < WARM_RUNS; i += 1) {
    const result = await square();
    warm.push(result.ms);
    stats = result.stats;
  }

  // The CLI as a user runs it while `npm start` serves the stack (pointed at this one by --url).
  const cliWarmMs: number[] | { failed: string } = await (async () => {
    const numbers = Array.from({ length: N }, (_, i) => String(i + 2));
    const times: number[] = [];
    for (let i = 0; i < WARM_RUNS; i += 1) {
      const result = await run(
        'npm',
        ['run', '--silent', 'square', '--', '--url', stack.httpApiUrl, '--region', stack.region, '--json', ...numbers],
        {
          env: { AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey },
          timeoutMs: 60_000,
        },
      );
      if (result.code !== 0) return { failed: `exit ${result.code}: ${result.stderr.slice(-500)}` };
      times.push(result.wallMs);
    }
    return times;
  })();

  // The Invoke API alone: the squarer, called as the coordinator calls it.
  const squarer = stack.assembly.functions.find((f) => f.logicalId.startsWith('Squarer'));
  if (squarer === undefined) throw new Error('no squarer in the assembly');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: stack.lambdaUrl,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
  });
  const { client } = createFanOutLambdaClient(INVOKE_CONCURRENCY);
  const encoder = new TextEncoder();
  const invokeOnce = async (number: number): Promise<void> => {
    const response = await client.send(
      new InvokeCommand({ FunctionName: squarer.name, Payload: encoder.encode(JSON.stringify({ number })) }),
    );
    if (response.FunctionError !== undefined) throw new Error(`the squarer failed: ${response.FunctionError}`);
  };
  const invokeMany = async (count: number, concurrency: number): Promise<number> => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next += 1;
          await invokeOnce(next);
        }
      }),
    );
    return performance.now() - t0;
  };
  // Warm until the squarer's environments stop growing: cold starts are paced (the init gate), so
  // a fixed warm-up of 320 left a third of them to start inside the timed run.
  for (let round = 0, environments = -1; round < 20; round += 1) {
    await invokeMany(INVOKE_CONCURRENCY * 30, INVOKE_CONCURRENCY);
    const now = stack.invokeApi.service.environmentCount(squarer.name);
    if (now === environments) break;
    environments = now;
  }
  const sequential: number[] = [];
  for (let i = 0; i < 100; i += 1) {
    const t0 = performance.now();
    await invokeOnce(i);
    sequential.push(performance.now() - t0);
  }
  const invokeMs = await invokeMany(INVOKE_COUNT, INVOKE_CONCURRENCY);
  client.destroy();

  const measurement: LocalStackMeasurement = {
    startMs,
    squareN: N,
    squareFirstMs: first.ms,
    squareWarmMs: warm,
    squareStats: stats,
    initsPerRequest,
    cliWarmMs,
    invoke: {
      concurrency: INVOKE_CONCURRENCY,
      invocations: INVOKE_COUNT,
      perSecond: INVOKE_COUNT / (invokeMs / 1000),
      sequentialMedianMs: median(sequential),
    },
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
} finally {
  await stack.close();
}
process.exit(0);
