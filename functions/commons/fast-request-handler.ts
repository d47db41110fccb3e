import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import {
  buildQueryString,
  HttpResponse,
  type HttpHandler,
  type HttpHandlerOptions,
  type HttpRequest,
} from '@smithy/core/protocols';

export interface FastRequestHandlerOptions {
  /** Most sockets open at once per origin, and most kept idle for reuse. */
  readonly maxSockets: number;
  /** How long a new connection may take to be established. */
  readonly connectionTimeoutMs: number;
}

/**
 * A request handler for the AWS SDK that does per request only what a fan-out of small
 * invocations needs, on `http.request` with keep-alive agents:
 *
 * - the response body is read into one `Uint8Array` before the SDK sees it (Invoke payloads are
 *   at most 6 MB and the SDK would collect the stream anyway), so no stream collector runs;
 * - the connection timeout is armed once per new socket, in the agent, rather than with timers
 *   and `socket` listeners on every request as `NodeHttpHandler` does
 *   (https://github.com/smithy-lang/smithy-typescript/tree/main/packages/node-http-handler).
 *
 * What the SDK relies on is kept: an aborted signal destroys the request and rejects with an
 * `AbortError`; a connection error rejects with Node's error and its `code` (ECONNRESET, EPIPE
 * and ETIMEDOUT named `TimeoutError`, as `NodeHttpHandler` names them, so the SDK's retry
 * classifiers see the same thing); status, headers and body reach the SDK unchanged.
 */
export class FastRequestHandler implements HttpHandler<FastRequestHandlerOptions> {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly options: FastRequestHandlerOptions;

  constructor(options: FastRequestHandlerOptions) {
    this.options = options;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets };
    this.httpAgent = withConnectionTimeout(new HttpAgent(agentOptions), options.connectionTimeoutMs);
    this.httpsAgent = withConnectionTimeout(new HttpsAgent(agentOptions), options.connectionTimeoutMs);
  }

  handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const abortSignal = options.abortSignal as AbortSignal | undefined;
    return new Promise((resolve, reject) => {
      if (abortSignal?.aborted) {
        reject(abortError(abortSignal));
        return;
      }
      const isHttps = request.protocol === 'https:';
      let path = request.path;
      if (request.query) {
        const query = buildQueryString(request.query);
        if (query) path += `?${query}`;
      }
      const hostname = request.hostname.startsWith('[') ? request.hostname.slice(1, -1) : request.hostname;
      const options = {
        host: hostname,
        port: request.port,
        method: request.method,
        path,
        headers: request.headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
      };
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        abortSignal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = (): void => {
        req.destroy();
        fail(abortError(abortSignal));
      };
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        // Node reports a response cut short as an 'error' (ECONNRESET, "aborted") on the response.
        res.on('error', onError);
        res.on('close', () => {
          if (!settled) onError(Object.assign(new Error('the connection closed before the response ended'), { code: 'ECONNRESET' }));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          abortSignal?.removeEventListener('abort', onAbort);
          const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          resolve({
            response: new HttpResponse({
              statusCode: res.statusCode ?? -1,
              reason: res.statusMessage,
              headers: headersOf(res.rawHeaders),
              // A plain Uint8Array view of the bytes: the SDK re-prototypes the body it is given into its blob type.
              body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
            }),
          });
        });
      };
      const onError = (error: NodeJS.ErrnoException): void => {
        if (error.code !== undefined && TIMEOUT_ERROR_CODES.has(error.code)) error.name = 'TimeoutError';
        fail(error);
      };
      const req: ClientRequest = (isHttps ? httpsRequest : httpRequest)(options, onResponse);
      req.on('error', onError);
      abortSignal?.addEventListener('abort', onAbort, { once: true });
      const body: unknown = request.body;
      if (body === undefined || body === null) req.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
      else {
        req.destroy();
        fail(new TypeError('FastRequestHandler sends string and Uint8Array bodies only'));
      }
    });
  }

  updateHttpClientConfig(): void {
    // Nothing of the SDK's per-client handler configuration applies to this handler.
  }

  httpHandlerConfigs(): FastRequestHandlerOptions {
    return this.options;
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Node's codes for a connection that broke or timed out; `NodeHttpHandler` names these errors `TimeoutError`. */
const TIMEOUT_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * Headers as the SDK wants them: lower-case names, one string each, repeated headers joined with
 * commas. Read from `rawHeaders`, which Node has already split, rather than through the
 * `headers` getter, which builds its object header by header.
 */
function headersOf(rawHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return headers;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  const error = new Error(reason instanceof Error ? 'Request aborted' : reason === undefined ? 'Request aborted' : String(reason));
  error.name = 'AbortError';
  if (reason instanceof Error) error.cause = reason;
  return error;
}

/**
 * Arms a timer on each new socket until it connects, so a connection that cannot be made fails
 * with ETIMEDOUT instead of waiting for the operating system's own timeout.
 */
function withConnectionTimeout<A extends HttpAgent>(agent: A, timeoutMs: number): A {
  type CreateConnection = (this: A, options: unknown, callback?: unknown) => Socket;
  const createConnection = (agent as unknown as { createConnection: CreateConnection }).createConnection;
  (agent as unknown as { createConnection: CreateConnection }).createConnection = function (options, callback) {
    const socket = createConnection.call(this, options, callback);
    if (socket.connecting) {
      const timer = setTimeout(() => {
        socket.destroy(
          Object.assign(new Error(`no connection to the server within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
        );
      }, timeoutMs);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    }
    return socket;
  };
  return agent;
}
