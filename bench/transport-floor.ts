/**
 * What Node's own HTTP clients cost per Invoke-shaped request over TLS, with no SDK: the floor
 * under the coordinator's warm CPU per invoke that no SDK configuration can go below.
 * 1000 POSTs of a squarer's event with the headers the SDK sends (a signature of the right length,
 * not checked) to part 1's endpoint (bench/invoke-endpoint.ts), 100 in flight as the
 * coordinator's maxConcurrency, over `https` with a keep-alive pool of 100 and over one `http2`
 * session, rounds alternated; CPU is `process.cpuUsage()` of this process ÷ requests.
 * Usage: `node --import tsx bench/transport-floor.ts [rounds=16] [latencyMs=50]`.
 */
import { readFileSync } from 'node:fs';
import { connect, constants } from 'node:http2';
import { Agent, request } from 'node:https';
import { median } from './child';
import { startEndpoint } from './fan-out';
import { makeBenchCertificate } from './tls-certificate';

const [roundsArg = '16', latencyArg = '50'] = process.argv.slice(2);
const certificate = makeBenchCertificate();
const endpoint = await startEndpoint(Number(latencyArg), certificate);
const ca = readFileSync(certificate.caFile);
/** The headers of an Invoke as the SDK sends it (values of the same length). */
const headers = {
  'content-type': 'application/octet-stream',
  'x-amz-invocation-type': 'RequestResponse',
  'user-agent': 'aws-sdk-js/3.1164.0 ua/2.1 os/linux#6.18 lang/js md/nodejs#24.21.0 api/lambda#3.1164.0 m/E,N',
  'amz-sdk-invocation-id': '6a1c3c59-3b5e-4c5e-9f70-0a6d1d7e2b11',
  'amz-sdk-request': 'attempt=1; max=1',
  'x-amz-date': '20261207T093000Z',
  'x-amz-content-sha256': 'a'.repeat(64),
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCHMARK/20261207/us-east-1/lambda/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-invocation-type, Signature=${'b'.repeat(64)}`,
};
const invokePath = '/2015-03-31/functions/bench-squarer/invocations';
const agent = new Agent({ keepAlive: true, maxSockets: 100, maxFreeSockets: 100, ca });
const url = new URL(endpoint.url);

function overHttp1(i: number): Promise<void> {
  const body = JSON.stringify({ number: i });
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: invokePath,
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve();
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const session = connect(endpoint.h2Url, { ca });
function overHttp2(i: number): Promise<void> {
  const body = JSON.stringify({ number: i });
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ...headers,
      'content-length': Buffer.byteLength(body),
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: invokePath,
    });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      resolve();
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

/** 1000 requests, 100 in flight (a new one as each ends); CPU µs per request. */
async function thousand(send: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < 1000) await send(next++);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000;
}

const perRequest = { 'https (HTTP/1.1, keep-alive pool of 100)': [] as number[], 'http2 (one session)': [] as number[] };
try {
  for (let round = 0; round < Number(roundsArg); round += 1) {
    perRequest['https (HTTP/1.1, keep-alive pool of 100)'].push(await thousand(overHttp1));
    perRequest['http2 (one session)'].push(await thousand(overHttp2));
  }
} finally {
  session.close();
  endpoint.close();
  certificate.remove();
}
for (const [name, values] of Object.entries(perRequest)) {
  // The first rounds open connections and warm the JIT up; the median of the later ones is the steady state.
  const steady = values.slice(Math.floor(values.length / 3));
  console.log(
    `${name.padEnd(42)} ${median(steady).toFixed(0)} µs CPU per request (steady: ${steady.map((v) => v.toFixed(0)).join(', ')}; first round ${values[0]?.toFixed(0)})`,
  );
}
process.exit(0);
