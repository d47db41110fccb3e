/**
 * The limits both local servers (the HTTP API and the Lambda Invoke API) keep, so that a slow,
 * idle or greedy client cannot take the machine: a header timeout, a body timeout measured
 * between bytes (a stalled upload is cut; a long invocation is not, since the request is then
 * complete), a connection cap, and a cap on the request bytes held in memory across all requests.
 * Each is documented with its default in the README and configurable with a flag of `npm start`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { atMostEvery } from '../core/rate-limit';

export interface ServerLimits {
  /** Time a client has to send a request's headers. @default 30 000 ms */
  readonly headersTimeoutMs: number;
  /** Longest pause between two chunks of a request body before the connection is cut. @default 30 000 ms */
  readonly bodyIdleTimeoutMs: number;
  /** Connections open at once; at the cap idle ones are closed to make room, and if none is idle the new one is answered 503. */
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

/** The soft RLIMIT_NOFILE of this process (from /proc/self/limits), or `undefined` where it cannot be read. */
export function openFilesLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return line === undefined || line === 'unlimited' ? undefined : Number(line);
  } catch {
    return undefined;
  }
}

/**
 * A server's connection cap within the file descriptors the process may open: each server at most
 * 40% of them, so that both together leave a fifth for the environments' pipes and the log files.
 * Past the limit `accept` fails and the idle sockets that filled it starve every new client.
 */
export function connectionCapFor(requested: number, openFiles: number | undefined): number {
  if (openFiles === undefined) return requested;
  return Math.min(requested, Math.max(16, Math.floor(openFiles * 0.4)));
}

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

/** What a connection over the cap reads before it is closed: a plain 503 that names the cap. */
function overCapAnswer(name: string, maxConnections: number): string {
  const body = JSON.stringify({ message: `Service Unavailable: the ${name} has ${maxConnections} connections open, its cap` });
  return `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Applies the connection cap and header timeout to a server. At the cap, idle connections (kept
 * alive between requests, or opened and never used) are closed to make room, oldest first; only
 * when every connection is busy is the new one answered 503 and closed. `warn` is told, at most
 * once a second, when the cap binds.
 *
 * Written here rather than with `server.maxConnections`: Node drops the new connection without a
 * word and keeps the idle ones, so one client holding idle sockets would lock everyone else out.
 */
export function applyConnectionLimits(
  server: Server,
  requested: ServerLimits,
  name: string,
  warn: (message: string) => void,
  openFiles: number | undefined = openFilesLimit(),
): void {
  const limits = { ...requested, maxConnections: connectionCapFor(requested.maxConnections, openFiles) };
  // Said at start only for a cap the user chose; a default lowered to fit `ulimit -n` is said when
  // it binds (below), as every other cap is, rather than at every start of every server.
  const isDefault = [DEFAULT_HTTP_API_MAX_CONNECTIONS, DEFAULT_INVOKE_API_MAX_CONNECTIONS].includes(requested.maxConnections);
  if (limits.maxConnections < requested.maxConnections && !isDefault) {
    warn(
      `${name}: at most ${limits.maxConnections} connections, not ${requested.maxConnections}: the process may open ${openFiles} files (ulimit -n), shared with the other server and the functions' pipes`,
    );
  }
  server.headersTimeout = limits.headersTimeoutMs;
  const open = new Set<Socket>();
  /** In the order they became idle: the first is the one idle longest. */
  const idle = new Set<Socket>();
  const oncePerSecond = atMostEvery(1000);
  const warnOnce = (message: string) => oncePerSecond(() => warn(message));
  // Before the HTTP server's own listener, so a refused connection is never parsed.
  server.prependListener('connection', (socket: Socket) => {
    if (open.size >= limits.maxConnections) {
      let closed = 0;
      for (const candidate of idle) {
        if (open.size < limits.maxConnections) break;
        candidate.destroy();
        open.delete(candidate);
        idle.delete(candidate);
        closed += 1;
      }
      if (open.size >= limits.maxConnections) {
        warnOnce(
          `${name}: ${limits.maxConnections} connections open and busy, the cap: answered a new one 503 (raise it with its flag, see npm start -- --help)`,
        );
        socket.pause();
        socket.end(overCapAnswer(name, limits.maxConnections));
        // Time for the client to read the answer before the socket goes.
        setTimeout(() => socket.destroy(), 1000).unref();
        return;
      }
      warnOnce(
        `${name}: ${limits.maxConnections} connections open, the cap: closed ${closed} idle one(s) to make room (raise it with its flag, see npm start -- --help)`,
      );
    }
    open.add(socket);
    idle.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      idle.delete(socket);
    });
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const { socket } = request;
    idle.delete(socket);
    response.once('close', () => {
      if (!socket.destroyed && open.has(socket)) idle.add(socket);
    });
  });
}

/** How often Node checks header and request timeouts, for a cut close to the limit. */
export function connectionsCheckingIntervalFor(limits: ServerLimits): number {
  return Math.max(100, Math.min(limits.headersTimeoutMs, limits.bodyIdleTimeoutMs, 30_000) / 4);
}
