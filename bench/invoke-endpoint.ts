/**
 * A stand-in for the Lambda Invoke API with a fixed latency, run in its own process so that its
 * CPU is not counted as the client's. Answers `POST /2015-03-31/functions/{name}/invocations`
 * after `latencyMs` as Lambda answers a synchronous Invoke: 200, an `x-amzn-RequestId`, and a
 * squarer-shaped payload that echoes the number it was sent.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 *
 * Over TLS, as every Invoke on AWS is: the certificate and key are made for the run
 * (bench/tls-certificate.ts). Lambda's endpoint negotiates HTTP/2 or HTTP/1.1 by ALPN on one port;
 * here each protocol has its own port, HTTP/1.1 on an `https` server (whose keep-alive timeout
 * can be set) and HTTP/2 on an `http2` server, so that the SDK's `NodeHttp2Handler` can be
 * measured beside its HTTP/1.1 handler.
 *
 * Run: `node --import tsx bench/invoke-endpoint.ts <latency ms> <key.pem> <cert.pem>`; prints
 * `{"port":N,"h2Port":M}` on its first line.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';

const [latencyArg = '50', keyFile, certFile] = process.argv.slice(2);
if (keyFile === undefined || certFile === undefined) throw new Error('usage: invoke-endpoint.ts <latency ms> <key.pem> <cert.pem>');
const latencyMs = Number(latencyArg);
const INVOKE_PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;

const tls = { key: readFileSync(keyFile), cert: readFileSync(certFile) };
// Lambda's endpoint keeps idle connections far longer than Node's default 5 s: a client's
// keep-alive pool outlives a slow fan-out.
const http1 = createServer({ ...tls, keepAliveTimeout: 60_000 }, answer);
// A fan-out of a thousand over one HTTP/2 connection: let every stream in at once.
const http2 = createSecureServer({ ...tls, settings: { maxConcurrentStreams: 10_000 } }, answer);

function answer(request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const path = (request.url ?? '').split('?', 1)[0] ?? '';
    if (request.method !== 'POST' || !INVOKE_PATH.test(path)) {
      response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
      response.end(JSON.stringify({ Type: 'User', message: `no such resource: ${request.method} ${path}` }));
      return;
    }
    const requestId = randomUUID();
    let number: unknown = null;
    try {
      number = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { number?: unknown }).number ?? null;
    } catch {
      // An unparseable event still gets an answer; the client will find the number missing.
    }
    const result = typeof number === 'number' ? number * number : null;
    const body = JSON.stringify({ number, result, processName: requestId });
    setTimeout(() => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-amzn-requestid': requestId,
        'x-amz-executed-version': '$LATEST',
      });
      response.end(body);
    }, latencyMs);
  });
}
/** Listens on a free loopback port with a deep accept queue: a fan-out opens up to a thousand connections at once. */
function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', 4096, () => resolve((server.address() as AddressInfo).port)));
}
const [port, h2Port] = await Promise.all([listen(http1), listen(http2)]);
process.stdout.write(`${JSON.stringify({ port, h2Port })}\n`);
// The parent's end is ours: stop when stdin closes, so a crashed bench leaves no server behind.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
