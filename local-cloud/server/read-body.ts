import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BufferBudget } from './server-limits';

export interface ReadBodyOptions {
  /** Bytes kept count against this budget until `heldUntil` closes; a body that does not fit is refused. */
  readonly budget?: BufferBudget;
  /** The response whose end gives the body's bytes back to the budget. */
  readonly heldUntil?: ServerResponse;
  /** A pause between chunks longer than this cuts the connection. @default no limit */
  readonly idleTimeoutMs?: number;
  /**
   * The whole body must be in within this, however steadily it trickles, so that a client sending a
   * byte just inside the idle timeout cannot hold its share of the budget for ever.
   * @default with an idle timeout, {@link bodyDeadlineMs} of the declared length (or `limit`); else none
   */
  readonly deadlineMs?: number;
}

/** The slowest upload a deadline allows for, past its grace: far below any loopback or LAN client. */
export const MIN_UPLOAD_BYTES_PER_SECOND = 64 * 1024;
export const BODY_DEADLINE_GRACE_MS = 30_000;

/** The time a body of `bytes` may take: the grace, then at least {@link MIN_UPLOAD_BYTES_PER_SECOND}. */
export function bodyDeadlineMs(bytes: number): number {
  return BODY_DEADLINE_GRACE_MS + Math.ceil((bytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000);
}

export type BodyResult =
  | { readonly kind: 'ok'; readonly body: Buffer }
  /** Larger than `limit`: the rest was drained, not kept, so the client still reads the answer (a 413). */
  | { readonly kind: 'too-large' }
  /** The server's budget of buffered bytes is spent: nothing kept, the connection is to be closed. */
  | { readonly kind: 'over-budget' }
  /** The client stalled or went away: the connection is already cut, there is no one to answer. */
  | { readonly kind: 'cut'; readonly reason: string };

/**
 * Reads a request's body, keeping at most `limit` bytes so an oversized request cannot exhaust
 * memory, with every kept byte counted against the server's budget, and cutting the connection
 * when the client pauses longer than the idle timeout.
 */
export function readBoundedBody(request: IncomingMessage, limit: number, options: ReadBodyOptions = {}): Promise<BodyResult> {
  const { budget, heldUntil, idleTimeoutMs } = options;
  const declared = Number(request.headers['content-length']);
  const deadlineMs =
    options.deadlineMs ??
    (idleTimeoutMs === undefined || idleTimeoutMs <= 0
      ? undefined
      : bodyDeadlineMs(Number.isFinite(declared) ? Math.min(declared, limit) : limit));
  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let taken = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline =
      deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            request.socket.destroy();
            finish({ kind: 'cut', reason: `body not complete within ${deadlineMs} ms` });
          }, deadlineMs);
    const giveBack = () => {
      if (taken > 0) budget?.give(taken);
      taken = 0;
    };
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      if (result.kind !== 'ok') giveBack();
      else if (heldUntil === undefined || heldUntil.closed) giveBack();
      else heldUntil.once('close', giveBack);
      resolve(result);
    };
    // One timer per body, pushed back on every chunk (`refresh`), not one per chunk.
    const armTimer = () => {
      if (idleTimeoutMs === undefined || idleTimeoutMs <= 0) return;
      if (timer !== undefined) {
        timer.refresh();
        return;
      }
      timer = setTimeout(() => {
        request.socket.destroy();
        finish({ kind: 'cut', reason: `no body bytes for ${idleTimeoutMs} ms` });
      }, idleTimeoutMs);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buffer.length;
      armTimer();
      if (size > limit) {
        // Past the limit nothing more is kept: drop what was, and drain the rest.
        chunks.length = 0;
        giveBack();
        return;
      }
      if (budget !== undefined && !budget.tryTake(buffer.length)) {
        chunks.length = 0;
        finish({ kind: 'over-budget' });
        return;
      }
      taken += budget === undefined ? 0 : buffer.length;
      chunks.push(buffer);
    };
    const onEnd = () => {
      if (size > limit) finish({ kind: 'too-large' });
      else finish({ kind: 'ok', body: Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => finish({ kind: 'cut', reason: error.message });
    const onClose = () => finish({ kind: 'cut', reason: 'the client closed the connection' });
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
    armTimer();
  });
}
