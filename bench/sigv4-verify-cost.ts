/**
 * CPU per SigV4 check of one Invoke request (the squarer's, as the SDK signs it), in a tight loop:
 * the signature gate's `beforeBody` and `afterBody` of any checkout, so two trees compare directly.
 * In the running local cloud the same check costs more (colder caches, GC shared with the rest);
 * `bench/invoke-rate-paired.ts` gives the effect on the invocation rate.
 * Run: `node --import tsx bench/sigv4-verify-cost.ts [project directory]`. Prints one JSON line.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { projectDirectory } from './child';

const root = path.resolve(process.argv[2] ?? projectDirectory);
const WARM_UP = 5_000;
const CHECKS = 20_000;

interface Gate {
  beforeBody(request: unknown): Promise<unknown>;
  afterBody(request: unknown, body: Buffer): Promise<{ ok: boolean }>;
}
const { createSignatureGate } = (await import(path.join(root, 'local-cloud/server/signature-gate.ts'))) as {
  createSignatureGate: (options: Record<string, unknown>) => Gate;
};
const credentials = {
  accessKeyId: 'ASIABENCHMARK0000001',
  secretAccessKey: 'bench/secret/access/key/0000000000000000',
  sessionToken: 'IQoJb3JpZ2luX2VjEBenchmarkSessionToken'.repeat(8),
};
const region = 'us-east-1';
const body = '{"number":7}';
const signed = await new SignatureV4({ service: 'lambda', region, credentials, sha256: Sha256 }).sign({
  method: 'POST',
  protocol: 'http:',
  hostname: '127.0.0.1',
  port: 3001,
  path: '/2015-03-31/functions/MultiSquareStack-Squarer5A1B2C3D-AbCdEfGh1234/invocations',
  query: {},
  headers: {
    host: '127.0.0.1:3001',
    'content-type': 'application/octet-stream',
    'content-length': String(body.length),
    'x-amz-invocation-type': 'RequestResponse',
    'x-amz-log-type': 'None',
    'user-agent': 'aws-sdk-js/3.0.0 ua/2.1 os/linux#6 lang/js md/nodejs#20 api/lambda#3.0.0 m/E',
    'amz-sdk-invocation-id': 'e1f2a3b4-0000-4000-8000-000000000000',
    'amz-sdk-request': 'attempt=1; max=1',
  },
  body,
});
// What Node's http server hands the gate.
const request = {
  method: 'POST',
  url: signed.path,
  headers: Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value])),
  rawHeaders: Object.entries(signed.headers).flat(),
};
const gate = createSignatureGate({ credentials: [credentials], region, service: 'lambda' });
const payload = Buffer.from(body);

async function check(): Promise<void> {
  const refusal = await gate.beforeBody(request);
  const verdict = await gate.afterBody(request, payload);
  if (refusal !== undefined || !verdict.ok) throw new Error(`refused: ${JSON.stringify(refusal ?? verdict)}`);
}
for (let i = 0; i < WARM_UP; i += 1) await check();
const cpuBefore = process.cpuUsage();
const startedAt = performance.now();
for (let i = 0; i < CHECKS; i += 1) await check();
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({ root, wallMicrosPerCheck: ((performance.now() - startedAt) * 1000) / CHECKS, cpuMicrosPerCheck: (cpu.user + cpu.system) / CHECKS })}\n`,
);
