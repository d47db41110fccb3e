/**
 * The rows of part 1's client ladder (bench/fan-out-worker.ts builds each client; bench/run.ts
 * reports them): the SDK's default client, the stock client with a sized keep-alive pool, then
 * each part that functions/commons/lambda-client.ts adds, in turn.
 */
import type { ClientParts } from '../functions/commons/lambda-client';

export const NO_PARTS: ClientParts = { oneSigner: false, sha256KeyCache: false };

/** The client ladder, in the order the parts are added; each row has every part of the rows above it. */
export const CLIENT_LADDER = [
  { variant: 'sdk-default', label: 'SDK default client: `new LambdaClient({})` (pool of 50 sockets, 3 attempts)' },
  { variant: 'stock-pool', label: 'stock `LambdaClient` + `NodeHttpHandler` with a keep-alive pool of min(N, 1000), `maxAttempts: 1`' },
  { variant: 'one-signer', label: '+ one SigV4 signer per client (the `signer` option)', part: 'oneSigner' },
  // The key cache works only with one signer, which keeps the day's signing key as one object.
  { variant: 'sha256-key-cache', label: '+ `Sha256WithKeyCache` (sha256.ts)', part: 'sha256KeyCache', requires: 'oneSigner' },
] as const satisfies readonly { variant: string; label: string; part?: keyof ClientParts; requires?: keyof ClientParts }[];

/** Measured beside the ladder, not adopted: Invoke over HTTP/2 cannot be checked against AWS here. */
export const HTTP2_VARIANT = {
  variant: 'http2',
  label: "stock `LambdaClient` + the SDK's `NodeHttp2Handler` (one h2 session, all streams on it), `maxAttempts: 1`: measured only",
} as const;

export type FanOutVariant = 'naive' | 'coordinator' | (typeof CLIENT_LADDER)[number]['variant'] | typeof HTTP2_VARIANT.variant;
