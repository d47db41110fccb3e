import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { AbortInFlightHandler } from './abort-in-flight-handler';
import { Sha256WithKeyCache } from './sha256';

/** How long a new connection to the Lambda endpoint may take. */
const CONNECTION_TIMEOUT_MS = 3_000;

/** The client, and the one abort the coordinator makes: everything in flight, at its deadline. */
export interface FanOutLambdaClient {
  readonly client: LambdaClient;
  /** Aborts every Invoke in flight (they reject with an `AbortError`); later calls are not affected. */
  abortInFlight(reason: string): void;
}

/**
 * The parts added to the stock client, each kept because the bench measured it saving at least
 * 10 % of the client's CPU per invoke (bench/findings.md; bench/REPORT.md, part 1b, measures them
 * again in every run). The SDK's `cacheMiddleware` and a request handler of our own were measured
 * too, saved less, and were removed.
 * @internal the bench turns them off one by one; the coordinator uses {@link ADOPTED_PARTS}.
 */
export interface ClientParts {
  /**
   * One SigV4 signer per client. Without `signer`, the SDK builds a `SignatureV4` for every call,
   * and with it an empty signing-key cache: four HMACs to derive the day's key, every call.
   */
  readonly oneSigner: boolean;
  /** With `oneSigner`: the signer's HMAC key imported once ({@link Sha256WithKeyCache}). */
  readonly sha256KeyCache: boolean;
}

export const ADOPTED_PARTS: ClientParts = { oneSigner: true, sha256KeyCache: true };

/**
 * A `LambdaClient` built for fan-out: its keep-alive socket pool holds `maxConcurrency`
 * connections, open and idle alike (the SDK's default pool of 50 would queue the rest and its
 * agent would close all but 256 idle ones), and the SDK does not retry: the fan-out retries, so
 * that it can count retries, back off with jitter, adapt its concurrency and respect the
 * request's deadline. It is the SDK's client with its stock request handler, wrapped so that
 * {@link FanOutLambdaClient.abortInFlight} can abort everything in flight at the deadline.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html
 *
 * Build it once per execution environment, at module scope.
 */
export function createFanOutLambdaClient(maxConcurrency: number, parts: ClientParts = ADOPTED_PARTS): FanOutLambdaClient {
  const requestHandler = new AbortInFlightHandler(
    new NodeHttpHandler({
      httpAgent: new HttpAgent(keepAlivePool(maxConcurrency)),
      httpsAgent: new HttpsAgent(keepAlivePool(maxConcurrency)),
      connectionTimeout: CONNECTION_TIMEOUT_MS,
    }),
  );
  let signer: SignatureV4 | undefined;
  const client: LambdaClient = new LambdaClient({
    maxAttempts: 1,
    requestHandler,
    ...(parts.oneSigner
      ? {
          // What the SDK's default signer factory builds, built once: region and service still come
          // from the endpoint's auth scheme on each request (AwsSdkSigV4Signer passes them to sign()).
          signer: async () =>
            (signer ??= new SignatureV4({
              credentials: client.config.credentials,
              region: await client.config.region(),
              service: 'lambda',
              sha256: parts.sha256KeyCache ? Sha256WithKeyCache : client.config.sha256,
              uriEscapePath: true,
            })),
        }
      : {}),
  });
  return { client, abortInFlight: (reason) => requestHandler.abortInFlight(reason) };
}

function keepAlivePool(size: number) {
  return { keepAlive: true, maxSockets: size, maxFreeSockets: size };
}
