import type { IncomingMessage } from 'node:http';

/**
 * Reads a request's body, keeping at most `limit` bytes so an oversized request cannot exhaust
 * memory; the rest is drained, not kept, so the client still reads the answer (a 413) rather
 * than a reset connection.
 */
export async function readBoundedBody(request: IncomingMessage, limit: number): Promise<{ readonly body: Buffer; readonly tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size <= limit) chunks.push(buffer);
  }
  return { body: Buffer.concat(chunks), tooLarge: size > limit };
}
