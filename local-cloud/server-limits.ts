/**
 * The limits both local servers (the HTTP API and the Lambda Invoke API) keep, so that a slow,
 * idle or greedy client cannot take the machine: a header timeout, a body timeout measured
 * between bytes (a stalled upload is cut; a long invocation is not, since the request is then
 * complete), a connection cap, and a cap on the request bytes held in memory across all requests.
 * Each is documented with its default in the README and configurable with a flag of `npm start`.
 */
import type { Server } from 'node:http';

export interface ServerLimits {
  /** Time a client has to send a request's headers. @default 30 000 ms */
  readonly headersTimeoutMs: number;
  /** Longest pause between two chunks of a request body before the connection is cut. @default 30 000 ms */
  readonly bodyIdleTimeoutMs: number;
  /** Connections open at once; beyond it new ones are closed at once and idle keep-alive ones are closed to make room. */
  readonly maxConnections: number;
  /** Request body bytes held in memory across all requests of the server. @default 256 MiB */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;
/** The HTTP API's callers are people and scripts: a thousand at once is plenty. */
export const DEFAULT_HTTP_API_MAX_CONNECTIONS = 1000;
/**
 * The Invoke API's callers include every coordinator environment, each keeping up to its
 * `maxConcurrency` (at most 1000) sockets open: ten such fan-outs at full width still fit.
 */
export const DEFAULT_INVOKE_API_MAX_CONNECTIONS = 10_000;

export function defaultServerLimits(maxConnections: number): ServerLimits {
  return {
    headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
    bodyIdleTimeoutMs: DEFAULT_BODY_IDLE_TIMEOUT_MS,
    maxConnections,
    maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  };
}

/** Bytes held in memory by the requests of one server, against a fixed cap. */
export class BufferBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes `bytes` if they fit under the cap; false (and nothing taken) if not. */
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/**
 * Applies the connection cap and header timeout to a server. `warn` is told, at most once a
 * second, when the cap binds.
 */
export function applyConnectionLimits(server: Server, limits: ServerLimits, name: string, warn: (message: string) => void): void {
  server.headersTimeout = limits.headersTimeoutMs;
  // Node checks its timeouts on this interval: a shorter one keeps the cut near the limit.
  // (`connectionsCheckingInterval` is only a constructor option, so the servers pass it too.)
  server.maxConnections = limits.maxConnections;
  let warnedAt = Number.NEGATIVE_INFINITY;
  server.on('drop', () => {
    // Idle keep-alive sockets are the cheapest to give up: their clients reconnect when they need to.
    server.closeIdleConnections();
    const now = Date.now();
    if (now - warnedAt >= 1000) {
      warnedAt = now;
      warn(`${name}: ${limits.maxConnections} connections open, the cap: refused a new one and closed idle ones (raise it with its flag, see npm start -- --help)`);
    }
  });
}

/** How often Node checks header and request timeouts, for a cut close to the limit. */
export function connectionsCheckingIntervalFor(limits: ServerLimits): number {
  return Math.max(100, Math.min(limits.headersTimeoutMs, limits.bodyIdleTimeoutMs, 30_000) / 4);
}
