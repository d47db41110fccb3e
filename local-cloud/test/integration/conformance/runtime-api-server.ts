/**
 * A Runtime API for a case's invocations, written for the conformance suite: enough of Lambda's
 * side of https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html for `aws-lambda-ric` to
 * run a handler. Each `next` gets the following event; before a second or later one, `between`
 * runs (the runner freezes the runtime there, as Lambda does while no event is pending); a `next`
 * past the last event means the runtime has finished, and waits for one that never comes.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RuntimeApiInvocation {
  readonly requestId: string;
  readonly payload: string;
  readonly deadlineEpochMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
  /** JSON, as the Invoke API hands it on after decoding `X-Amz-Client-Context`. */
  readonly clientContext?: string;
}

export type RuntimeApiReport =
  | { readonly kind: 'response'; readonly requestId: string; readonly body: Buffer }
  | { readonly kind: 'error'; readonly requestId: string; readonly body: Buffer; readonly errorType: string | undefined }
  | { readonly kind: 'init-error'; readonly body: Buffer; readonly errorType: string | undefined };

export interface RuntimeApiServer {
  /** `host:port`, for AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** What the runtime posted, in order. */
  readonly reports: RuntimeApiReport[];
  /** Resolves when the runtime asks for an invocation past the last (it has finished them all). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startRuntimeApi(
  invocations: readonly RuntimeApiInvocation[],
  /** Runs before the runtime gets the event of invocation `index` (1 for the second). */
  between: (index: number) => Promise<void> = async () => undefined,
): Promise<RuntimeApiServer> {
  const reports: RuntimeApiReport[] = [];
  let nextCalls = 0;
  let markFinished: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    markFinished = resolve;
  });
  const held: { end(): void }[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = request.url ?? '';
      const header = (name: string) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      if (request.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        const invocation = invocations[nextCalls];
        nextCalls += 1;
        if (invocation === undefined) {
          // No more invocations: hold the request until the server closes.
          held.push(response);
          markFinished();
          return;
        }
        if (nextCalls > 1) await between(nextCalls - 1);
        response.writeHead(200, {
          'Content-Type': 'application/json',
          'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
          'Lambda-Runtime-Deadline-Ms': String(invocation.deadlineEpochMs),
          'Lambda-Runtime-Invoked-Function-Arn': invocation.invokedFunctionArn,
          'Lambda-Runtime-Trace-Id': invocation.traceId,
          ...(invocation.clientContext === undefined ? {} : { 'Lambda-Runtime-Client-Context': invocation.clientContext }),
        });
        response.end(invocation.payload);
        return;
      }
      const body = await readBody(request);
      const errorType = header('lambda-runtime-function-error-type');
      // A streamed response that failed part-way carries its error in the trailers (aws-lambda-ric's response-stream).
      const trailerType = request.trailers['lambda-runtime-function-error-type'];
      const trailerBody = request.trailers['lambda-runtime-function-error-body'];
      const answered = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      const requestId = decodeURIComponent(answered?.[1] ?? '');
      const known = request.method === 'POST' && invocations.some((invocation) => invocation.requestId === requestId);
      if (known && answered?.[2] === 'response')
        reports.push(
          trailerType === undefined
            ? { kind: 'response', requestId, body }
            : { kind: 'error', requestId, body: Buffer.from(trailerBody ?? '', 'base64'), errorType: trailerType },
        );
      else if (known && answered?.[2] === 'error') reports.push({ kind: 'error', requestId, body, errorType });
      else if (request.method === 'POST' && url === '/2018-06-01/runtime/init/error') reports.push({ kind: 'init-error', body, errorType });
      else {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    reports,
    finished,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
