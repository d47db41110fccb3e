/**
 * SigV4 checks in two steps around reading a request's body, for both local servers: what can be
 * judged from the headers alone (no signature at all, or a key nobody here knows) is refused
 * before a byte of the body is read, so an unsigned upload costs no memory; the signature itself
 * covers the body, so it is checked once the body is in.
 */
import type { IncomingMessage } from 'node:http';
import type { SigV4Verdict } from '../sigv4/signature-inputs';
import { type AwsCredentials, createSigV4Verifier, type SigV4Verifier } from '../sigv4/verifier';

export interface SignatureGate {
  /** A refusal decided from the request line and headers, or undefined to go on and read the body. */
  beforeBody(request: IncomingMessage): Extract<SigV4Verdict, { ok: false }> | undefined;
  /** The full verdict, the body's hash included. */
  afterBody(request: IncomingMessage, body: Buffer): Promise<SigV4Verdict>;
}

export interface SignatureGateOptions {
  /** Every identity accepted; each signs with its own key. */
  readonly credentials: readonly AwsCredentials[];
  readonly region: string;
  /** The signing name: `execute-api` or `lambda`. */
  readonly service: string;
  readonly now?: () => Date;
}

function splitTarget(request: IncomingMessage): { rawPath: string; rawQueryString: string } {
  const target = request.url ?? '/';
  const queryIndex = target.indexOf('?');
  return queryIndex === -1
    ? { rawPath: target, rawQueryString: '' }
    : { rawPath: target.slice(0, queryIndex), rawQueryString: target.slice(queryIndex + 1) };
}

/** The access key a request claims to be signed with, from the Authorization header or a presigned query. */
function claimedAccessKey(request: IncomingMessage, rawQueryString: string): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) return /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
  const credential = new URLSearchParams(rawQueryString).get('X-Amz-Credential');
  return credential?.split('/')[0];
}

export function createSignatureGate(options: SignatureGateOptions): SignatureGate {
  const verifiers = new Map<string, SigV4Verifier>();
  for (const credentials of options.credentials) {
    verifiers.set(
      credentials.accessKeyId,
      createSigV4Verifier({
        credentials,
        region: options.region,
        service: options.service,
        ...(options.now === undefined ? {} : { now: options.now }),
      }),
    );
  }
  const [first] = verifiers.values();
  if (first === undefined) throw new Error('a signature gate needs at least one set of credentials');
  const verify = (verifier: SigV4Verifier, request: IncomingMessage, body: Buffer) =>
    verifier.verify({ method: (request.method ?? 'GET').toUpperCase(), ...splitTarget(request), rawHeaders: request.rawHeaders, body });

  return {
    beforeBody(request) {
      const { rawPath, rawQueryString } = splitTarget(request);
      const accessKey = claimedAccessKey(request, rawQueryString);
      const verifier = (accessKey === undefined ? undefined : verifiers.get(accessKey)) ?? first;
      // Unsigned, malformed, an unknown key, a wrong scope or date: refused on the headers alone,
      // before the body is read and before a throttle token is taken. Only the signature itself
      // covers the body: checked once, with the body in.
      const method = (request.method ?? 'GET').toUpperCase();
      return verifier.checkWithoutBody({ method, rawPath, rawQueryString, rawHeaders: request.rawHeaders });
    },
    afterBody(request, body) {
      const { rawQueryString } = splitTarget(request);
      const verifier = verifiers.get(claimedAccessKey(request, rawQueryString) ?? '') ?? first;
      return verify(verifier, request, body);
    },
  };
}
