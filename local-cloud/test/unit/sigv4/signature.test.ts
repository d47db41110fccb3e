/**
 * The verifier computes the expected SigV4 signature on node:crypto (`sigv4-signature.ts`), not with
 * the SDK's signer; these properties hold it to `@smithy/signature-v4` on generated requests (paths
 * with `.`/`..`/empty and non-ASCII segments, repeated and reserved-character query parameters,
 * headers with folded whitespace, signed names absent from the request), so the two cannot drift.
 */
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { getCanonicalHeaders, SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRequest } from '../../../sigv4/signature';
import { createSigV4Verifier } from '../../../sigv4/verifier';

const region = 'eu-west-1';
const service = 'lambda';
const credentials = { accessKeyId: 'AKIDPROPERTYTEST', secretAccessKey: 'property/test+secret=' };
const signingDate = new Date('2026-03-04T05:06:07Z');

/** The SDK signer's own canonical request, through its protected method. */
class SdkCanonicalRequest extends SignatureV4 {
  of(request: HttpRequest, canonicalHeaders: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
  }
}
const sdk = new SdkCanonicalRequest({ service, region, credentials, sha256: Sha256 });

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('a b', '+', '%2F', "~*!()'", '='),
);
const segment = fc.oneof(fc.constantFrom('', '.', '..', '%20', 'a%2Fb', 'x:y'), text);
const headerName = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
  fc.constantFrom('x-amz-date', 'content-type', 'user-agent', 'sec-x', 'proxy-y'),
);
const headerValue = fc.stringMatching(/^[!-~]([!-~ \t]{0,12}[!-~])?$/);
const requests = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  segments: fc.array(segment, { maxLength: 6 }),
  trailingSlash: fc.boolean(),
  query: fc.array(fc.tuple(text, text), { maxLength: 6 }),
  headers: fc.uniqueArray(fc.tuple(headerName, headerValue), { selector: ([name]) => name, maxLength: 6 }),
  absentSigned: fc.array(headerName, { maxLength: 2 }),
  body: fc.uint8Array({ maxLength: 64 }),
});
type GeneratedRequest = typeof requests extends fc.Arbitrary<infer T> ? T : never;

function pathOf(request: GeneratedRequest): string {
  return `/${request.segments.join('/')}${request.trailingSlash ? '/' : ''}`;
}

function queryOf(request: GeneratedRequest): Map<string, string[]> {
  const query = new Map<string, string[]>();
  // `__proto__` cannot be an own key of the SDK's query record; it is no parameter any AWS API takes.
  for (const [name, value] of request.query) if (name !== '__proto__') query.set(name, [...(query.get(name) ?? []), value]);
  return query;
}

describe('the canonical request', () => {
  it('is the SDK signer’s for generated requests', () => {
    fc.assert(
      fc.property(requests, (request) => {
        const query = queryOf(request);
        const headers = new Map([['host', '127.0.0.1:3001'], ...request.headers]);
        const signedHeaders = ['host', ...request.headers.map(([name]) => name), ...request.absentSigned];
        const payloadHash = createHash('sha256').update(request.body).digest('hex');
        const sdkRequest: HttpRequest = {
          method: request.method,
          protocol: 'http:',
          hostname: '127.0.0.1',
          path: pathOf(request),
          query: Object.fromEntries([...query].map(([name, values]) => [name, values.length === 1 ? (values[0] ?? '') : values])),
          headers: Object.fromEntries([...headers].filter(([name]) => signedHeaders.includes(name))),
        };
        const expected = sdk.of(sdkRequest, getCanonicalHeaders(sdkRequest, undefined, new Set(signedHeaders)), payloadHash);
        expect(canonicalRequest({ method: request.method, rawPath: pathOf(request), query, headers, signedHeaders, payloadHash })).toBe(
          expected,
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('requests signed by the SDK signer', () => {
  const verifier = createSigV4Verifier({ credentials, region, service, now: () => signingDate });
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

  it('verify, and fail once the body is changed', async () => {
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const query = queryOf(request);
        const signed = await signer.sign(
          {
            method: request.method,
            protocol: 'http:',
            hostname: '127.0.0.1',
            port: 3001,
            path: pathOf(request),
            query: Object.fromEntries([...query].map(([name, values]) => [name, values.length === 1 ? (values[0] ?? '') : values])),
            headers: { host: '127.0.0.1:3001', ...Object.fromEntries(request.headers) },
            body: request.body,
          },
          { signingDate },
        );
        const rawHeaders = Object.entries(signed.headers).flat();
        const rawQueryString = [...query].flatMap(([name, values]) => values.map((value) => `${encode(name)}=${encode(value)}`)).join('&');
        const received = { method: request.method, rawPath: pathOf(request), rawQueryString, rawHeaders, body: Buffer.from(request.body) };
        expect(await verifier.verify(received)).toEqual({ ok: true, accessKeyId: credentials.accessKeyId });
        const changed = await verifier.verify({ ...received, body: Buffer.concat([received.body, Buffer.from('!')]) });
        expect(changed).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
      }),
      { numRuns: 100 },
    );
  });
});
