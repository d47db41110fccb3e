/**
 * One request to the local HTTP API and its answer: the access-log entry filled in as the request
 * goes through its stages, and the gateway's own answers (404, 413, 429, 500, 503) in the shape
 * HTTP APIs give them. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatRequestTime, newRequestId } from './proxy-event-v2';

export interface GatewayError {
  readonly status: number;
  readonly message: string;
  readonly errorType?: string;
}

// HTTP API's own answers; note the title case ("Internal Server Error"), unlike REST APIs.
export const NOT_FOUND: GatewayError = { status: 404, message: 'Not Found' };
export const TOO_MANY_REQUESTS: GatewayError = { status: 429, message: 'Too Many Requests' };
export const INTERNAL_SERVER_ERROR: GatewayError = { status: 500, message: 'Internal Server Error' };
export const SERVICE_UNAVAILABLE: GatewayError = { status: 503, message: 'Service Unavailable' };
export const REQUEST_TOO_LARGE: GatewayError = { status: 413, message: 'Request Entity Too Large' };
/** A local bound, not an AWS one: said as such, so nobody mistakes it for the service's behaviour. */
export const OVER_BUFFER_BUDGET: GatewayError = {
  status: 503,
  message: 'Service Unavailable: the local HTTP API holds its cap of buffered request bytes (--http-max-buffered-mb)',
};

/** Fields of `$context` an access-log format would name. */
export interface AccessLogEntry {
  requestId: string;
  ip: string;
  requestTime: string;
  requestTimeEpoch: number;
  httpMethod: string;
  path: string;
  routeKey: string;
  status: number;
  protocol: string;
  responseLength: number;
  responseLatency: number;
  integrationStatus: number | '-';
  integrationLatency: number | '-';
  integrationError: string;
  errorMessage: string;
  userAgent: string;
}

function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** A request as the stages see it: its parsed line, its log entry, and the ways to answer it. */
export class GatewayExchange {
  readonly startedAt = performance.now();
  readonly requestTimeEpoch = Date.now();
  readonly requestId = newRequestId();
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly sourceIp: string;
  readonly entry: AccessLogEntry;

  constructor(
    readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly log: ((line: string) => void) | undefined,
  ) {
    this.method = (request.method ?? 'GET').toUpperCase();
    const target = request.url ?? '/';
    const queryIndex = target.indexOf('?');
    this.rawPath = queryIndex === -1 ? target : target.slice(0, queryIndex);
    this.rawQueryString = queryIndex === -1 ? '' : target.slice(queryIndex + 1);
    this.sourceIp = sourceIpOf(request);
    this.entry = {
      requestId: this.requestId,
      ip: this.sourceIp,
      requestTime: formatRequestTime(this.requestTimeEpoch),
      requestTimeEpoch: this.requestTimeEpoch,
      httpMethod: this.method,
      path: this.rawPath,
      routeKey: '-',
      status: 0,
      protocol: `HTTP/${request.httpVersion}`,
      responseLength: 0,
      responseLatency: 0,
      integrationStatus: '-',
      integrationLatency: '-',
      integrationError: '-',
      errorMessage: '-',
      userAgent: request.headers['user-agent'] ?? '-',
    };
  }

  /** Answers, and writes the access-log line. */
  send(status: number, headers: readonly (readonly [string, string])[], body: Buffer): void {
    for (const [name, value] of headers) {
      // Framing is ours to set, whatever the function returned.
      if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
      this.response.appendHeader(name, value);
    }
    this.response.setHeader('content-length', body.length);
    this.response.setHeader('apigw-requestid', this.requestId);
    this.response.writeHead(status);
    this.response.end(body);
    this.entry.status = status;
    this.entry.responseLength = body.length;
    this.entry.responseLatency = Math.round(performance.now() - this.startedAt);
    this.log?.(JSON.stringify(this.entry));
  }

  /** The gateway's own answer: `{"message"}`, with `x-amzn-errortype` when there is one. */
  fail(error: GatewayError): void {
    this.entry.errorMessage = error.message;
    const headers: [string, string][] = [['content-type', 'application/json']];
    if (error.errorType !== undefined) headers.push(['x-amzn-errortype', error.errorType]);
    this.send(error.status, headers, Buffer.from(JSON.stringify({ message: error.message }), 'utf8'));
  }

  /**
   * Refuses a request whose body was not read (unroutable, throttled, unsigned): reading it would
   * only cost memory. The connection closes after the answer, so the unread body goes nowhere.
   */
  refuseBeforeBody(error: GatewayError): void {
    this.response.setHeader('connection', 'close');
    this.fail(error);
    this.request.resume();
  }
}
