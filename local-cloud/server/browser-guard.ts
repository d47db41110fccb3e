/**
 * Requests a web page made, refused on both local servers before anything else is looked at. A
 * page on any site can send a "simple" cross-site POST (`text/plain`, no preflight) to 127.0.0.1,
 * a presigned URL in it, and DNS rebinding lets a page read answers under a name of its own that
 * resolves to loopback. So:
 * - the `Host` must be `localhost`, the address the stack was told to bind, or the address the
 *   connection reached, each with the port it reached (a rebinding page's `Host` is its own name);
 * - an `Origin` other than one of those, or `Sec-Fetch-Site: cross-site` or `same-site`, is a
 *   browser acting for another page (another port of localhost included; the local servers answer
 *   no CORS preflight, so such a page could only ever send, never read).
 * A refusal is a 403 whose JSON body says why. Clients that are not browsers (the SDK, the CLI,
 * curl) send the host they were given and no `Origin`, and pass.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';

function hostForm(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  return net.isIPv6(bare) ? `[${bare}]` : bare;
}

/** The `host:port` forms a request to this server may name. */
function acceptedHosts(request: IncomingMessage, boundHost: string): Set<string> {
  const port = request.socket.localPort;
  const local = request.socket.localAddress;
  const names = ['localhost', boundHost, ...(local === undefined ? [] : [local.replace(/^::ffff:/, ''), local])];
  return new Set(names.map((name) => `${hostForm(name)}:${port}`));
}

/** Why a browser-borne request is refused, or `undefined` to serve it. */
export function browserRefusal(request: IncomingMessage, boundHost: string): string | undefined {
  const accepted = acceptedHosts(request, boundHost);
  const host = request.headers.host?.toLowerCase();
  if (host === undefined || !accepted.has(host)) {
    return `Host '${host ?? ''}' is not this server: use localhost or its address with the port (${[...accepted].join(', ')}).`;
  }
  const fetchSite = request.headers['sec-fetch-site']?.toLowerCase();
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    return `Sec-Fetch-Site: ${fetchSite}: the local cloud does not serve requests a web page makes for another origin.`;
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      const url = new URL(origin);
      originHost = url.protocol === 'http:' && url.port !== '' ? url.host.toLowerCase() : undefined;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || !accepted.has(originHost)) {
      return `Origin '${origin}' is another site: the local cloud does not serve requests a web page makes for another origin.`;
    }
  }
  return undefined;
}

/**
 * Answers a browser-borne request with 403 and returns true; returns false, writing nothing,
 * for any other request. `boundHost`: the `--host` the server listens on.
 */
export function refuseBrowserRequest(request: IncomingMessage, response: ServerResponse, boundHost: string): boolean {
  const reason = browserRefusal(request, boundHost);
  if (reason === undefined) return false;
  const body = JSON.stringify({ message: `Forbidden: ${reason}` });
  response.writeHead(403, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': 'AccessDeniedException',
    Connection: 'close',
  });
  response.end(body);
  return true;
}
