import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BadRequestError, type ErrorDetail } from './square-request';

/**
 * The HTTP edge the API's handlers share: JSON bodies in, JSON answers and error bodies out,
 * `{"error": {"code", "message", "details"}}` for every refusal.
 */

/** JSON bodies only: a body sent as a form or as text is refused rather than guessed at. */
export function rejectUnsupportedContentType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) return;
  throw new BadRequestError(
    415,
    'UnsupportedMediaType',
    `the content-type ${JSON.stringify(contentType.slice(0, 100))} is not JSON; send application/json`,
  );
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(
  statusCode: number,
  code: string,
  message: string,
  details: readonly ErrorDetail[] = [],
): APIGatewayProxyStructuredResultV2 {
  return json(statusCode, { error: { code, message, details } });
}
