/**
 * One measurement of the coordinator's bundle as deployed, in a process of its own:
 * `node --import tsx bench/tracing-cost-worker.ts <bundle/index.js> <N> <endpoint-url> <sampled|unsampled|none> <xray-udp-port> <warm-up invocations>`.
 *
 * It sets the environment Lambda sets (with tracing: AWS_XRAY_DAEMON_ADDRESS at init and a fresh
 * _X_AMZN_TRACE_ID per invocation, as the Node.js runtime does from the Lambda-Runtime-Trace-Id
 * header), requires the bundle (timing its load), warms it up, then calls its handler with
 * `POST /square` events of N numbers against the bench's Invoke endpoint and prints one JSON line:
 * the CPU per squarer invocation of the timed requests.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type TraceHeader = 'sampled' | 'unsampled' | 'none';

export interface TracingCostMeasurement {
  readonly loadMs: number;
  readonly n: number;
  /** process.cpuUsage() (user + system) over the timed requests ÷ their squarer invocations. */
  readonly cpuUsPerInvoke: number;
  readonly wallMsPerRequest: number;
  readonly requests: number;
  readonly warmUpRequests: number;
}

const [bundle, nArg, endpoint, headerArg, udpPort, warmUpArg] = process.argv.slice(2);
if (
  bundle === undefined ||
  nArg === undefined ||
  endpoint === undefined ||
  udpPort === undefined ||
  warmUpArg === undefined ||
  !['sampled', 'unsampled', 'none'].includes(headerArg ?? '')
) {
  throw new Error(
    'usage: tracing-cost-worker.ts <bundle/index.js> <N> <endpoint-url> <sampled|unsampled|none> <xray-udp-port> <warm-up invocations>',
  );
}
const traceHeader = headerArg as TraceHeader;
const n = Number(nArg);
const warmUpInvocations = Number(warmUpArg);
const TIMED_REQUESTS = 5;

Object.assign(process.env, {
  AWS_ENDPOINT_URL_LAMBDA: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench-coordinator',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769',
  // The X-Ray SDK runs in its Lambda mode (a facade segment per trace header) only where this is set.
  LAMBDA_TASK_ROOT: path.dirname(bundle),
  SQUARER_FUNCTION_NAME: 'bench-squarer',
  MAX_NUMBERS: String(n),
  MAX_CONCURRENCY: String(Math.min(n, 1000)),
  DEADLINE_MARGIN_MS: '1000',
  // Logs are not what is measured: the handler's log and metric lines would flood the pipe.
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  // Lambda sets these with active tracing; only the daemon's address, a UDP sink of the bench, differs.
  ...(traceHeader === 'none' ? {} : { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${udpPort}`, AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR' }),
});
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;

const t0 = performance.now();
// As Lambda's runtime loads a handler: `import()` for an ES module (its top-level await included), `require` otherwise.
const { handler } = (bundle.endsWith('.mjs') ? await import(pathToFileURL(bundle).href) : createRequire(import.meta.url)(bundle)) as {
  handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
};
const loadMs = performance.now() - t0;

let next = 0;
function event(): APIGatewayProxyEventV2 {
  const numbers = Array.from({ length: n }, () => (next += 1));
  return {
    version: '2.0',
    routeKey: 'POST /square',
    rawPath: '/square',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: { requestId: randomUUID() } as APIGatewayProxyEventV2['requestContext'],
    body: JSON.stringify({ numbers }),
    isBase64Encoded: false,
  };
}

function context(): Context {
  const deadline = Date.now() + 28_000;
  return {
    awsRequestId: randomUUID(),
    functionName: 'bench-coordinator',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-coordinator',
    memoryLimitInMB: '1769',
    logGroupName: '/aws/lambda/bench-coordinator',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** One invocation, with the trace header Lambda's runtime would set for it. */
async function invoke(): Promise<void> {
  if (traceHeader !== 'none') {
    const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
    process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=${traceHeader === 'sampled' ? 1 : 0}`;
  }
  const response = await handler(event(), context());
  if (response.statusCode !== 200) throw new Error(`the handler answered ${response.statusCode}: ${String(response.body).slice(0, 500)}`);
}

/** Warm requests until the JIT has settled (bench/fan-out-worker.ts says why), so only steady-state CPU is timed. */
for (let invocations = 0; invocations < warmUpInvocations; invocations += n) await invoke();
const warmUpRequests = Math.ceil(warmUpInvocations / n);

const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for (let i = 0; i < TIMED_REQUESTS; i += 1) await invoke();
const cpu = process.cpuUsage(cpu0);
const measurement: TracingCostMeasurement = {
  loadMs,
  n,
  cpuUsPerInvoke: (cpu.user + cpu.system) / (n * TIMED_REQUESTS),
  wallMsPerRequest: (performance.now() - wall0) / TIMED_REQUESTS,
  requests: TIMED_REQUESTS,
  warmUpRequests,
};
process.stdout.write(`${JSON.stringify(measurement)}\n`);
process.exit(0);
