import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { InvokeCommand, type InvokeCommandInput, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { DeserializeMiddleware, HttpResponse } from '@smithy/types';
import { AbortInFlightHandler } from './abort-in-flight-handler';
import { Sha256WithKeyCache } from './sha256';

/** How long a new connection to the Lambda endpoint may take. */
const CONNECTION_TIMEOUT_MS = 3_000;

/** The client, and the one abort the coordinator makes: everything in flight, at its deadline. */
export interface FanOutLambdaClient {
  readonly client: LambdaClient;
  /** Aborts every Invoke in flight (they reject with an `AbortError`); later calls are not affected. */
  abortInFlight(reason: string): void;
  /**
   * {@link prepareFanOutLambdaClient}, then, with `connections`, as many connections opened to
   * the endpoint and left idle in the pool, or with `tlsSession`, one opened and closed, which
   * leaves only its TLS session in the agent's cache (see {@link openConnections}). Call it at
   * module scope.
   */
  prepare(functionName: string, options?: PrepareOptions): Promise<void>;
}

export interface PrepareOptions {
  /** Connections to open and keep idle in the pool. */
  readonly connections?: number;
  /** One connection opened and closed, for the TLS session it leaves cached; what the coordinator asks. */
  readonly tlsSession?: boolean;
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
  const httpAgent = new HttpAgent(keepAlivePool(maxConcurrency));
  const httpsAgent = new HttpsAgent(keepAlivePool(maxConcurrency));
  const requestHandler = new AbortInFlightHandler(
    new NodeHttpHandler({
      httpAgent,
      httpsAgent,
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
  return {
    client,
    abortInFlight: (reason) => requestHandler.abortInFlight(reason),
    prepare: async (functionName, { connections = 0, tlsSession = false } = {}) => {
      const origin = await prepareFanOutLambdaClient(client, functionName);
      const agent = origin.protocol === 'https:' ? httpsAgent : httpAgent;
      if (connections > 0) await openConnections(origin, agent, connections, { keepAlive: true });
      else if (tlsSession) await openConnections(origin, agent, 1, { keepAlive: false });
    },
  };
}

function keepAlivePool(size: number) {
  return { keepAlive: true, maxSockets: size, maxFreeSockets: size };
}

/** What the preparation's last middleware answers: a squarer's answer to `{"number":0}`. */
const PREPARATION_REQUEST_ID = '00000000-0000-4000-8000-000000000000';
const PREPARATION_EVENT = new TextEncoder().encode('{"number":0}');
const PREPARATION_ANSWER = new TextEncoder().encode(JSON.stringify({ number: 0, result: 0, processName: PREPARATION_REQUEST_ID }));

/**
 * Pays during INIT what the client's first fan-out would pay on its first Invoke: the
 * credentials resolved (the client memoizes them), the endpoint resolved (and cached), the signer
 * built and the day's signing key derived (cached in the signer), and the middleware stack's
 * first run, JIT and all. It sends one Invoke of `functionName` through the client's whole
 * pipeline, serialized, signed and deserialized, but answered by a last middleware of this
 * command alone with a squarer's 200, so nothing reaches the network: nothing invoked, billed or
 * logged anywhere, and no connection opened. SDK public API only (a command's middleware stack).
 *
 * Call it at module scope, before any middleware that must not see this request (X-Ray's) is added
 * to the client, and have the handler await it: on Lambda a CommonJS module's INIT does not wait
 * for a promise, so whatever it has not finished by the first request, that request finishes.
 */
export async function prepareFanOutLambdaClient(client: LambdaClient, functionName: string): Promise<URL> {
  const command = new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: PREPARATION_EVENT });
  let origin: URL | undefined;
  const answerLocally: DeserializeMiddleware<InvokeCommandInput, InvokeCommandOutput> =
    () =>
    async ({ request }) => {
      const { protocol, hostname, port } = request as { protocol: string; hostname: string; port?: number };
      origin = new URL(`${protocol}//${hostname}${port === undefined ? '' : `:${port}`}`);
      // Shaped as a squarer's answer, so that the deserializer reads what a real one carries.
      const response: HttpResponse = {
        statusCode: 200,
        reason: 'OK',
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': PREPARATION_REQUEST_ID, 'x-amz-executed-version': '$LATEST' },
        body: PREPARATION_ANSWER,
      };
      return { response, output: { $metadata: {} } };
    };
  command.middlewareStack.add(answerLocally, { step: 'deserialize', priority: 'low', name: 'answerPreparationLocally' });
  await client.send(command);
  if (origin === undefined) throw new Error('the preparation request did not reach its last middleware');
  return origin;
}

/**
 * Opens `count` connections to `origin` through `agent` with as many unsigned `GET /` requests at
 * once, and with `keepAlive` leaves them idle in the pool for the first fan-out; over TLS, the agent
 * also caches the session, which later connections resume. An unsigned request invokes nothing
 * and is refused (AWS answers 403 before any function or account sees it); its answer is drained
 * and ignored, and a failure only leaves the first fan-out to connect as it would have.
 */
export async function openConnections(origin: URL, agent: HttpAgent, count: number, { keepAlive }: { keepAlive: boolean }): Promise<void> {
  // Without keep-alive the connection closes after its answer, cleanly, so the agent keeps its
  // TLS session: no idle socket is left to go stale while a Lambda environment is frozen.
  const headers = keepAlive ? {} : { connection: 'close' };
  const request = origin.protocol === 'https:' ? httpsRequest : httpRequest;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const outgoing = request(origin, { agent, headers, method: 'GET', path: '/', timeout: CONNECTION_TIMEOUT_MS }, (response) => {
            response.resume();
            // The agent pools the socket just after the answer ends: resolve once it has.
            response.on('end', () => setImmediate(resolve));
            response.on('error', () => resolve());
          });
          outgoing.on('timeout', () => outgoing.destroy());
          outgoing.on('error', () => resolve());
          outgoing.end();
        }),
    ),
  );
}
