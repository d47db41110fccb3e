import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';

/** What the SDK's hashes accept (`SourceData` of @smithy/types). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/**
 * The last HMAC key imported, with a copy of its bytes: one signer signs every request of a day
 * with the same signing key, so one entry is enough, and a new day's key replaces it. Keyed by the
 * bytes, not by the array that holds them, so that nothing rests on how the signer stores its key.
 */
let lastImported: { readonly bytes: Buffer; readonly key: KeyObject } | undefined;

/**
 * SHA-256 and HMAC-SHA-256 for the SigV4 signer, as the SDK's own `Sha256` does them, with one
 * difference: an HMAC key given as bytes is imported once (`createSecretKey`) and reused. On
 * Node 24 (Lambda's nodejs24.x), `createHmac` with a raw Buffer key costs ~17 µs against ~3 µs with
 * a `KeyObject` (~3 µs either way on Node 20), and the signer makes one such HMAC per request with
 * the day's signing key.
 */
export class Sha256WithKeyCache {
  private readonly secret: SourceData | undefined;
  private hash: Hash | Hmac;
  private digested: Uint8Array | undefined;

  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = this.create();
  }

  update(data: SourceData): void {
    this.hash.update(typeof data === 'string' ? data : toBuffer(data));
  }

  /** The same digest on every call, as the SDK's hash gives it. */
  async digest(): Promise<Uint8Array> {
    if (this.digested === undefined) {
      const bytes = this.hash.digest();
      this.digested = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.digested;
  }

  reset(): void {
    this.hash = this.create();
    this.digested = undefined;
  }

  private create(): Hash | Hmac {
    const secret = this.secret;
    if (secret === undefined) return createHash('sha256');
    if (typeof secret === 'string') return createHmac('sha256', secret);
    const bytes = toBuffer(secret);
    if (lastImported === undefined || !lastImported.bytes.equals(bytes)) {
      lastImported = { bytes: Buffer.from(bytes), key: createSecretKey(bytes) };
    }
    return createHmac('sha256', lastImported.key);
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}
