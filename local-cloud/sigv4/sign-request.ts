/**
 * Signs requests to an IAM-authorized HTTP API (deployed or local) with SigV4 for `execute-api`,
 * using the standard credential chain, for Node's fetch.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface SignRequestOptions {
  readonly region: string;
  /** @default the Node.js default credential chain (env, SSO, ini files, container and instance roles) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default 'execute-api' */
  readonly service?: string;
  /** @default now */
  readonly signingDate?: Date;
}

export interface RequestToSign {
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Passed to fetch, not signed: ends the request (a client timeout). */
  readonly signal?: AbortSignal;
}

export interface SignedRequest {
  readonly url: string;
  readonly method: string;
  /** Includes `authorization`, `x-amz-date`, `x-amz-content-sha256` and, for temporary credentials, `x-amz-security-token`. */
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

// The provider chain caches what it resolves; one per process.
let defaultCredentials: AwsCredentialIdentityProvider | undefined;

async function defaultCredentialChain(): Promise<AwsCredentialIdentityProvider> {
  defaultCredentials ??= (await import('@aws-sdk/credential-providers')).fromNodeProviderChain();
  return defaultCredentials;
}

/** RFC 3986 encoding, as the canonical request has it: the URL we send is the one we signed. */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export async function signRequest(url: string | URL, request: RequestToSign, options: SignRequestOptions): Promise<SignedRequest> {
  const target = new URL(url);
  const method = (request.method ?? 'GET').toUpperCase();
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of target.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  // Loaded only when needed: the chain is a sizeable import that a caller with credentials in hand skips.
  const credentials = options.credentials ?? (await defaultCredentialChain());
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port === '' ? {} : { port: Number(target.port) }),
      path: target.pathname,
      query,
      // `host` is signed; fetch sends the same value (url.host) itself.
      headers: { ...request.headers, host: target.host },
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    options.signingDate === undefined ? {} : { signingDate: options.signingDate },
  );

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== 'host') headers[name] = value;
  }
  const search = [...target.searchParams].map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`).join('&');
  target.search = search;
  return {
    url: target.toString(),
    method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  };
}

/** `fetch` with a SigV4-signed request. */
export async function signedFetch(url: string | URL, request: RequestToSign, options: SignRequestOptions): Promise<Response> {
  const signed = await signRequest(url, request, options);
  return fetch(signed.url, {
    method: signed.method,
    headers: signed.headers,
    ...(signed.body === undefined ? {} : { body: signed.body }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
}
