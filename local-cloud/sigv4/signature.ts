/**
 * The SigV4 signature a request should carry, computed directly on node:crypto: canonical request,
 * string to sign, signing key, signature, as the AWS "Create a signed AWS API request" page lays out.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 *
 * Written here rather than through `@smithy/signature-v4` because the local Invoke API checks one
 * signature per invocation: the SDK signer's generic path (a promise per hash, the signing key
 * re-derived or looked up through an extra HMAC each time, header maps rebuilt) cost about as much
 * CPU as the invocation itself. The canonical forms copy the SDK signer's choices (non-S3: the path
 * normalized and encoded once more, query keys and values sorted after encoding, header values with
 * runs of whitespace folded); `local-cloud/test/unit/sigv4/signature.test.ts` checks them against
 * `@smithy/signature-v4` on generated requests so the two cannot drift.
 */
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const TERMINATOR = 'aws4_request';

/** RFC 3986 unreserved characters stay; everything else is percent-encoded, as the SDK's `escapeUri`. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Recent paths' canonical forms: a local Invoke API sees the same few paths over and over. */
const canonicalPaths = new Map<string, string>();
const CANONICAL_PATH_CACHE_SIZE = 256;

function canonicalPath(rawPath: string): string {
  let canonical = canonicalPaths.get(rawPath);
  if (canonical === undefined) {
    canonical = computeCanonicalPath(rawPath);
    if (canonicalPaths.size >= CANONICAL_PATH_CACHE_SIZE) canonicalPaths.clear();
    canonicalPaths.set(rawPath, canonical);
  }
  return canonical;
}

/** Non-S3 services: `.` and `..` segments resolved, empty segments dropped, then each byte encoded (again). */
function computeCanonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

/** Decoded query parameters in; `X-Amz-Signature` left out, as it cannot sign itself. */
function canonicalQuery(query: ReadonlyMap<string, readonly string[]>): string {
  if (query.size === 0) return '';
  const pairs: [string, string][] = [];
  for (const [name, values] of query) {
    if (name.toLowerCase() === 'x-amz-signature') continue;
    const encodedName = escapeUri(name);
    const encoded = values.map((value) => `${encodedName}=${escapeUri(value)}`).sort();
    pairs.push([encodedName, encoded.join('&')]);
  }
  return pairs
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, joined]) => joined)
    .join('&');
}

/** Something to fold or trim: a line break, a tab, two spaces, or a space at either end. */
const NEEDS_FOLDING = /[\r\n\t]| {2}|^ | $/;

/** A header value as it goes into the canonical request: line breaks to spaces, runs of spaces and tabs folded, trimmed once. */
function canonicalHeaderValue(value: string): string {
  // Most values (those the SDK sends) have nothing to fold: skip the three replacements.
  if (!NEEDS_FOLDING.test(value)) return value;
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

export interface CanonicalRequestInputs {
  /** Upper case. */
  readonly method: string;
  /** As received, percent-encoded. */
  readonly rawPath: string;
  /** Decoded names to decoded values, in any order. */
  readonly query: ReadonlyMap<string, readonly string[]>;
  /** Lower-cased names to values (repeated headers already joined with commas). */
  readonly headers: ReadonlyMap<string, string>;
  /** The names the client listed in SignedHeaders; those absent from the request are left out, as the SDK signer does. */
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

export function canonicalRequest(inputs: CanonicalRequestInputs): string {
  const names = [...new Set(inputs.signedHeaders)].filter((name) => inputs.headers.has(name)).sort();
  let headerLines = '';
  for (const name of names) headerLines += `${name}:${canonicalHeaderValue(inputs.headers.get(name) ?? '')}\n`;
  return `${inputs.method}\n${canonicalPath(inputs.rawPath)}\n${canonicalQuery(inputs.query)}\n${headerLines}\n${names.join(';')}\n${inputs.payloadHash}`;
}

export function stringToSign(longDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${longDate}\n${scope}\n${hash('sha256', canonical, 'hex')}`;
}

/** How many signing keys a verifier keeps: a request's date is within minutes of now, so two days cover midnight. */
const SIGNING_KEY_CACHE_SIZE = 4;

/**
 * HMAC chain from the secret to the key for one day, region and service, cached as the SDKs cache
 * it: four HMACs saved on every request after the first of the day. Kept as a KeyObject: on Node 24
 * an HMAC keyed with a Buffer costs about 11 µs to set up, with a KeyObject under 2 µs.
 */
export function signingKeys(secretAccessKey: string): (shortDate: string, region: string, service: string) => KeyObject {
  const cache = new Map<string, KeyObject>();
  return (shortDate, region, service) => {
    const cacheKey = `${shortDate}/${region}/${service}`;
    const cached = cache.get(cacheKey);
    if (cached !== undefined) return cached;
    let key = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
    for (const part of [shortDate, region, service, TERMINATOR]) key = createHmac('sha256', key).update(part, 'utf8').digest();
    const keyObject = createSecretKey(key);
    if (cache.size >= SIGNING_KEY_CACHE_SIZE) cache.clear();
    cache.set(cacheKey, keyObject);
    return keyObject;
  };
}

export function signature(signingKey: KeyObject, toSign: string): string {
  return createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
}
