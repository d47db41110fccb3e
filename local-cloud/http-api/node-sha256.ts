/**
 * SHA-256 and HMAC-SHA256 on node:crypto, in the `Checksum` shape `@smithy/signature-v4` takes:
 * the verifier computes one signature per request (every squarer invocation, on the Invoke API),
 * and OpenSSL's hashing is several times cheaper than the pure-JavaScript `@aws-crypto/sha256-js`.
 * Written here because it is a dozen lines over node:crypto; `@smithy/hash-node` does the same but
 * is not a dependency of ours.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array): void {
    this.hash.update(toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
}
