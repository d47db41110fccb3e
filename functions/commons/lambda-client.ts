import { LambdaClient } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/core/protocols';
import { FastRequestHandler, requestAbortSignals } from './fast-request-handler';
import { Sha256WithKeyCache } from './sha256';

/** How long a new connection to the Lambda endpoint may take. */
const CONNECTION_TIMEOUT_MS = 3_000;

/**
 * A `LambdaClient` built for fan-out: its socket pool holds at least `maxConcurrency`
 * connections (the SDK's default pool of 50 would queue the rest), sockets are kept alive
 * between invocations, and the SDK does not retry: the fan-out retries, so that it can count
 * retries, back off with jitter, adapt its concurrency and respect the request's deadline.
 *
 * It is still the SDK's client (SigV4 signing, its retry configuration, its modelled error
 * types such as `TooManyRequestsException`); what it does once per client rather than once per
 * request (measured in bench/REPORT.md) is:
 * - resolve the middleware stack: `cacheMiddleware` (aws-sdk-js-v3 v3.649.0,
 *   https://github.com/aws/aws-sdk-js-v3/issues/6423). The SDK uses that cache only for calls
 *   without options, so a call's abort signal travels beside the command instead (below);
 * - build the SigV4 signer: without `signer` the SDK builds a `SignatureV4`, and with it an
 *   empty signing-key cache, for every request; ours also imports the HMAC key once
 *   ({@link Sha256WithKeyCache});
 * - and it sends through {@link FastRequestHandler} rather than `NodeHttpHandler`.
 *
 * Build it once per execution environment, at module scope.
 */
export function createFanOutLambdaClient(maxConcurrency: number): LambdaClient {
  let signer: SignatureV4 | undefined;
  const client: LambdaClient = new LambdaClient({
    maxAttempts: 1,
    cacheMiddleware: true,
    requestHandler: new FastRequestHandler({ maxSockets: maxConcurrency, connectionTimeoutMs: CONNECTION_TIMEOUT_MS }),
    // What the SDK's default signer factory builds, built once: region and service still come
    // from the endpoint's auth scheme on each request (AwsSdkSigV4Signer passes them to sign()).
    signer: async () =>
      (signer ??= new SignatureV4({
        credentials: client.config.credentials,
        region: await client.config.region(),
        service: 'lambda',
        sha256: Sha256WithKeyCache,
        uriEscapePath: true,
      })),
  });
  carryAbortSignals(client);
  return client;
}

/** A call's abort signal, by the command's input, until the request for it is built. */
const inputAbortSignals = new WeakMap<object, AbortSignal>();

/**
 * Lets `send(command, { abortSignal })` keep using the cached middleware stack: the signal is
 * set aside by the command's input (which every middleware passes along as `args.input`) and,
 * once the signed request exists, handed to the request handler by that request.
 */
function carryAbortSignals(client: LambdaClient): void {
  client.middlewareStack.add(
    (next) => (args) => {
      const signal = inputAbortSignals.get(args.input as object);
      if (signal !== undefined) requestAbortSignals.set(args.request as HttpRequest, signal);
      return next(args);
    },
    // The last step before the request handler: `args.request` is the signed request it will get.
    { step: 'deserialize', priority: 'low', name: 'fanOutAbortSignalMiddleware', override: true },
  );
  const send = client.send.bind(client) as (command: unknown, options?: unknown, callback?: unknown) => unknown;
  client.send = ((command: { input: object }, options?: unknown, callback?: unknown) => {
    if (isAbortSignalOnly(options) && callback === undefined) {
      inputAbortSignals.set(command.input, options.abortSignal);
      return send(command);
    }
    return send(command, options, callback);
  }) as LambdaClient['send'];
}

function isAbortSignalOnly(options: unknown): options is { abortSignal: AbortSignal } {
  if (typeof options !== 'object' || options === null) return false;
  const keys = Object.keys(options);
  return keys.length === 1 && keys[0] === 'abortSignal' && (options as { abortSignal?: unknown }).abortSignal instanceof AbortSignal;
}
