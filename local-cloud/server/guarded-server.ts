/**
 * The server shell both local servers share (the HTTP API and the Lambda Invoke API): listening
 * on a host and port, the URL (IPv6 in brackets), closing, the connection cap and timeouts, and
 * reading a request's body under the server's limits with its SigV4 signature checked around it.
 * Each server keeps its own routes and the shape of its answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SigV4Verdict } from '../sigv4/signature-inputs';
import { refuseBrowserRequest } from './browser-guard';
import { readBoundedBody } from './read-body';
import { applyConnectionLimits, BufferBudget, connectionsCheckingIntervalFor, type ServerLimits } from './server-limits';
import type { SignatureGate } from './signature-gate';

/** The loopback address both servers listen on unless told otherwise. */
export const DEFAULT_SERVER_HOST = '127.0.0.1';

type Refusal = Extract<SigV4Verdict, { ok: false }>;

/** How reading a signed body ended; each server answers each kind in its own shape. */
export type GuardedBody =
  | { readonly kind: 'ok'; readonly body: Buffer; readonly accessKeyId?: string }
  /** Refused on its headers alone (unsigned, an unknown key): the body was not read. */
  | { readonly kind: 'refused-before-body'; readonly refusal: Refusal }
  /** The body is in, and its signature does not verify. */
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  | { readonly kind: 'too-large' }
  /** The server's budget of buffered bytes is spent; `inUse` for the warning. */
  | { readonly kind: 'over-budget'; readonly inUse: number }
  /** The client stalled or went away: nobody to answer. */
  | { readonly kind: 'cut' }
  /** Its headers passed the signature's key and scope, and `admit` turned it away (stage throttling). */
  | { readonly kind: 'not-admitted' };

export interface GuardedServerOptions {
  /** Names the server in warnings, e.g. `local HTTP API`. */
  readonly name: string;
  /** @default DEFAULT_SERVER_HOST */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  readonly limits: ServerLimits;
  /** Told when a limit binds. */
  readonly warn: (message: string) => void;
  /** Checks signatures around the body; undefined accepts any request. */
  readonly signatures?: SignatureGate;
  /** Node's whole-request timeout. @default Node's (300 s) */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. @default Node's (5 s) */
  readonly keepAliveTimeoutMs?: number;
  /** The listen backlog. @default Node's (511) */
  readonly backlog?: number;
  /** Serves one request; `guard` reads its body. */
  readonly handle: (request: IncomingMessage, response: ServerResponse, guard: RequestGuard) => Promise<void>;
  /** Answers for a `handle` that threw (a bug of ours, or an error the server maps itself). */
  readonly onError: (error: unknown, response: ServerResponse) => void;
}

export interface RequestGuard {
  readonly limits: ServerLimits;
  /**
   * Checks the signature on the headers, reads at most `limit` bytes of body, then checks the
   * signature over it; `signed: false` reads the body alone (an HTTP API route without AWS_IAM).
   */
  readSignedBody(
    request: IncomingMessage,
    response: ServerResponse,
    limit: number,
    signed?: boolean,
    /** Asked once the headers' key and scope are checked, before the body: a request that could never be served spends no throttle token. */
    admit?: () => boolean,
  ): Promise<GuardedBody>;
}

export interface GuardedServer {
  /** e.g. `http://127.0.0.1:49152` or `http://[::1]:49152`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

function requestGuard(limits: ServerLimits, signatures: SignatureGate | undefined): RequestGuard {
  const budget = new BufferBudget(limits.maxBufferedBytes);
  return {
    limits,
    async readSignedBody(request, response, limit, signed = true, admit = () => true) {
      const gate = signed ? signatures : undefined;
      const early = gate?.beforeBody(request);
      if (early !== undefined) return { kind: 'refused-before-body', refusal: early };
      if (!admit()) return { kind: 'not-admitted' };
      const read = await readBoundedBody(request, limit, { budget, heldUntil: response, idleTimeoutMs: limits.bodyIdleTimeoutMs });
      if (read.kind === 'cut') return { kind: 'cut' };
      if (read.kind === 'too-large') return read;
      if (read.kind === 'over-budget') return { kind: 'over-budget', inUse: budget.inUse };
      if (gate === undefined) return { kind: 'ok', body: read.body };
      const verdict = await gate.afterBody(request, read.body);
      return verdict.ok ? { kind: 'ok', body: read.body, accessKeyId: verdict.accessKeyId } : { kind: 'refused', refusal: verdict };
    },
  };
}

export async function startGuardedServer(options: GuardedServerOptions): Promise<GuardedServer> {
  const { limits } = options;
  const guard = requestGuard(limits, options.signatures);
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalFor(limits),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
    },
    (request, response) => {
      // A web page's request (cross-site, or through a rebound DNS name) never reaches either API.
      if (refuseBrowserRequest(request, response, options.host ?? DEFAULT_SERVER_HOST)) return;
      options.handle(request, response, guard).catch((error: unknown) => options.onError(error, response));
    },
  );
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  applyConnectionLimits(server, limits, options.name, options.warn);

  const host = options.host ?? DEFAULT_SERVER_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host, ...(options.backlog === undefined ? {} : { backlog: options.backlog }) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
