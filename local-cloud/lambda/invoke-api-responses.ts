/**
 * How the Invoke API answers: Lambda's refusal of an unsigned or wrongly signed request, restJson1
 * errors, JSON documents, and an extension's answer (invoke-api-extension.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { LambdaServiceError } from '../core/types';
import type { ExtensionResponse } from './invoke-api-extension';

/** Lambda's answer to an unsigned or wrongly signed request: 403, the code in `x-amzn-ErrorType`, `{"message"}`. */
export function sendAuthError(response: ServerResponse, errorType: string, message: string): void {
  // API Gateway's "unsigned" answer (ForbiddenException) is MissingAuthenticationTokenException on Lambda.
  const [type, text] =
    errorType === 'ForbiddenException' ? ['MissingAuthenticationTokenException', 'Missing Authentication Token'] : [errorType, message];
  const body = JSON.stringify({ message: text });
  response.writeHead(403, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': type,
    'x-amzn-RequestId': randomUUID(),
    Connection: 'close',
  });
  response.end(body);
}

export function toServiceError(error: unknown): LambdaServiceError {
  if (error instanceof LambdaServiceError) return error;
  return new LambdaServiceError('ServiceException', 500, error instanceof Error ? error.message : String(error));
}

/**
 * restJson1 errors: the code in `x-amzn-ErrorType`, the members in the JSON body (`Type`,
 * `message`, and for throttling `Reason`), as Lambda answers them.
 */
export function sendError(response: ServerResponse, error: LambdaServiceError, requestId: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ Type: error.statusCode >= 500 ? 'Service' : 'User', message: error.message, ...error.extra });
  response.writeHead(error.statusCode, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': error.code,
    'x-amzn-RequestId': requestId,
  });
  response.end(body);
}

export function sendJson(response: ServerResponse, statusCode: number, document: unknown): void {
  const body = JSON.stringify(document);
  response.writeHead(statusCode, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(body);
}

/** An extension's answer: a JSON document serialized, a Buffer as it is. */
export function sendExtensionResponse(response: ServerResponse, answer: ExtensionResponse): void {
  const isBuffer = Buffer.isBuffer(answer.body);
  const body = isBuffer ? (answer.body as Buffer) : answer.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(answer.body));
  response.writeHead(answer.statusCode, {
    ...(isBuffer || answer.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    'x-amzn-RequestId': randomUUID(),
    ...answer.headers,
    'Content-Length': body.length,
  });
  response.end(body);
}
