/**
 * A stand-in for the Lambda Invoke API with a fixed latency, run in its own process so that its
 * CPU is not counted as the client's. Answers `POST /2015-03-31/functions/{name}/invocations`
 * after `latencyMs` as Lambda answers a synchronous Invoke: 200, an `x-amzn-RequestId`, and a
 * squarer-shaped payload that echoes the number it was sent.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 *
 * Run: `node --import tsx bench/invoke-endpoint.ts 50`; prints `{"port":N}` on its first line.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const latencyMs = Number(process.argv[2] ?? '50');
const INVOKE_PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;

const server = createServer((request, response) => {
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
});
server.keepAliveTimeout = 60_000;
server.maxRequestsPerSocket = 0;
// A deep accept queue: a fan-out opens up to a thousand connections at once.
server.listen(0, '127.0.0.1', 4096, () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
// The parent's end is ours: stop when stdin closes, so a crashed bench leaves no server behind.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
