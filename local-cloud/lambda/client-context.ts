/**
 * `X-Amz-Client-Context`: up to 3,583 bytes of base64-encoded JSON, handed to the function as
 * `context.clientContext`. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
 */
import { LambdaServiceError } from '../core/types';

export const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** The decoded JSON text, or a 400 that says what is wrong with the header. */
export function decodeClientContext(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (header.length > MAX_CLIENT_CONTEXT_BYTES) {
    throw new LambdaServiceError(
      'InvalidRequestContentException',
      400,
      `X-Amz-Client-Context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes of base64 (got ${header.length})`,
    );
  }
  const text = /^[A-Za-z0-9+/]*={0,2}$/.test(header) ? Buffer.from(header, 'base64').toString('utf8') : undefined;
  try {
    const value: unknown = text === undefined ? undefined : JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return text;
  } catch {
    // Reported below.
  }
  throw new LambdaServiceError('InvalidRequestContentException', 400, 'Client context must be a valid Base64-encoded JSON object.');
}
