/**
 * The Lambda Invoke API (and the read-only ListFunctions, GetFunction, GetFunctionConfiguration)
 * on loopback, answering in the restJson1 shapes that the AWS SDK v3 and the AWS CLI parse into
 * their exception classes. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 *
 * Requests are authenticated as Lambda authenticates them: SigV4 (signing name `lambda`) with the
 * caller's credentials (those the HTTP API accepts) or the credentials the stack gives its own
 * functions, which are random for each stack. Refusals have Lambda's shapes: 403 with
 * `x-amzn-ErrorType` MissingAuthenticationTokenException, IncompleteSignatureException,
 * InvalidSignatureException or UnrecognizedClientException and a `{"message"}` body.
 * https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CloudAssemblyDefinition, type FunctionDefinition, type InvokeOutcome, LambdaServiceError } from '../core/types';
import { DEFAULT_SERVER_HOST, type RequestGuard as ServerRequestGuard, startGuardedServer } from '../server/guarded-server';
import { DEFAULT_INVOKE_API_MAX_CONNECTIONS, defaultServerLimits, type ServerLimits } from '../server/server-limits';
import { createSignatureGate } from '../server/signature-gate';
import type { AwsCredentials } from '../sigv4/verifier';
import { decodeClientContext } from './client-context';
import { functionConfiguration, getFunctionResponse, listFunctionsPage } from './function-configuration';
import type { InvokeApiExtension } from './invoke-api-extension';
import { sendAuthError, sendError, sendExtensionResponse, sendJson, toServiceError } from './invoke-api-responses';
import { type InvocationType, type LambdaServiceOptions, LocalLambdaService, MAX_SYNC_PAYLOAD_BYTES } from './lambda-service';

export interface StartInvokeApiOptions extends Omit<LambdaServiceOptions, 'functions' | 'lambdaEndpointUrl'> {
  /** The assembly whose functions to serve (its region and account are used unless given). */
  readonly assembly?: CloudAssemblyDefinition;
  /** Functions to serve when there is no assembly. */
  readonly functions?: readonly FunctionDefinition[];
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /**
   * Who may call, besides the functions themselves (they sign with the credentials the service
   * gives them). @default none: only the functions
   */
  readonly callerCredentials?: AwsCredentials;
  /** `none` accepts any request, signed or not (`npm start -- --no-invoke-auth`). @default 'sigv4' */
  readonly authentication?: 'sigv4' | 'none';
  /** Timeouts, connection cap and buffered-bytes cap. @default see local-cloud/server/server-limits.ts */
  readonly limits?: Partial<ServerLimits>;
  /** Told when a limit binds. @default stderr */
  readonly warn?: (message: string) => void;
}

export interface InvokeApi {
  /** e.g. `http://127.0.0.1:41234`: the `endpoint` for LambdaClient, AWS_ENDPOINT_URL_LAMBDA, or `--endpoint-url`. */
  readonly url: string;
  readonly port: number;
  /** The service behind the API; also a `LambdaInvoker` for in-process callers such as the local HTTP API. */
  readonly service: LocalLambdaService;
  /** Adds a service that answers on this port (the durable execution service), behind the same SigV4 gate. */
  extend(extension: InvokeApiExtension): void;
  /** Stops listening and stops every execution environment. */
  close(): Promise<void>;
}

const API_VERSION_PREFIX = '/2015-03-31/functions';
const invocationTypes: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];

/** `{ [key]: value }` when there is a value, `{}` otherwise: an option given only when set. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** Starts the service and its Invoke API; the functions it runs get AWS_ENDPOINT_URL_LAMBDA pointing here. */
export async function startInvokeApi(options: StartInvokeApiOptions): Promise<InvokeApi> {
  const {
    assembly,
    functions,
    host = DEFAULT_SERVER_HOST,
    port = 0,
    callerCredentials,
    authentication = 'sigv4',
    limits: limitOverrides,
    warn: warnOption,
    ...serviceOptions
  } = options;
  // The functions' own keys (their execution role's, on AWS): new for each stack, so only its functions know them.
  const functionCredentials = serviceOptions.credentials ?? randomFunctionCredentials();
  const service = new LocalLambdaService({
    ...serviceOptions,
    credentials: functionCredentials,
    functions: assembly?.functions ?? functions ?? [],
    ...optional('region', serviceOptions.region ?? assembly?.region),
    ...optional('accountId', serviceOptions.accountId ?? assembly?.accountId),
  });
  const limits: ServerLimits = { ...defaultServerLimits(DEFAULT_INVOKE_API_MAX_CONNECTIONS), ...limitOverrides };
  const warn = warnOption ?? ((message: string) => process.stderr.write(`${message}\n`));
  const extensions: InvokeApiExtension[] = [];
  const server = await startGuardedServer({
    name: 'local Lambda Invoke API',
    host,
    port,
    limits,
    warn,
    ...(authentication === 'none'
      ? {}
      : {
          signatures: createSignatureGate({
            credentials: [functionCredentials, ...(callerCredentials === undefined ? [] : [callerCredentials])],
            region: service.region,
            service: 'lambda',
          }),
        }),
    // No overall request timeout (an upload may be slow but steady); a stalled one is cut by the body's idle timeout.
    requestTimeoutMs: 0,
    // The response of a long invocation is not a request being received: no timeout cuts it.
    keepAliveTimeoutMs: 60_000,
    // A backlog for the sockets of many functions in flight at once (50 coordinators × 100):
    // at Node's 511, connections beyond it wait for a SYN retry and their clients time out.
    backlog: 4096,
    handle: (request, response, guard) => handleRequest(service, { guard, warn, extensions }, request, response),
    onError: (error, response) => sendError(response, toServiceError(error), randomUUID()),
  });
  service.lambdaEndpointUrl = server.url;
  return {
    url: server.url,
    port: server.port,
    service,
    extend: (extension) => {
      extensions.push(extension);
    },
    close: async () => {
      await service.close();
      // Closing twice is no error.
      await server.close().catch(() => undefined);
    },
  };
}

interface RequestGuard {
  readonly guard: ServerRequestGuard;
  readonly warn: (message: string) => void;
  readonly extensions: readonly InvokeApiExtension[];
}

function randomFunctionCredentials(): AwsCredentials {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(48).toString('base64'),
  };
}

/**
 * Reads the body under the server's limits and checks its signature. Returns undefined when the
 * request was answered (refused) or cut.
 */
async function readAuthorizedBody(
  { guard, warn }: RequestGuard,
  request: IncomingMessage,
  response: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  const read = await guard.readSignedBody(request, response, limit);
  switch (read.kind) {
    case 'ok':
      return read.body;
    case 'cut':
    case 'not-admitted':
      return undefined;
    case 'refused-before-body':
      sendAuthError(response, read.refusal.errorType, read.refusal.message);
      request.resume();
      return undefined;
    case 'refused':
      sendAuthError(response, read.refusal.errorType, read.refusal.message);
      return undefined;
    case 'too-large':
      throw new LambdaServiceError(
        'RequestTooLargeException',
        413,
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      );
    case 'over-budget':
      warn(
        `local Lambda Invoke API: ${read.inUse} bytes of request bodies held, the cap is ${guard.limits.maxBufferedBytes}: answered 429 (raise it with --lambda-max-buffered-mb)`,
      );
      response.setHeader('Connection', 'close');
      // A throttle, so that callers back off and retry as they do for Lambda's own.
      throw new LambdaServiceError(
        'TooManyRequestsException',
        429,
        `The local Lambda service holds its cap of ${guard.limits.maxBufferedBytes} buffered request bytes; retry later.`,
      );
  }
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function handleRequest(
  service: LocalLambdaService,
  guard: RequestGuard,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const pathname = url.pathname;
  const qualifier = url.searchParams.get('Qualifier') ?? undefined;

  const invokeMatch = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/.exec(pathname);
  if (invokeMatch?.[1] !== undefined && request.method === 'POST') {
    await handleInvoke(service, guard, decodeURIComponent(invokeMatch[1]), qualifier, request, response);
    return;
  }
  for (const extension of guard.extensions) {
    const limit = extension.bodyLimitFor(request.method ?? 'GET', pathname);
    if (limit === undefined) continue;
    const body = await readAuthorizedBody(guard, request, response, limit);
    if (body === undefined) return;
    sendExtensionResponse(response, await extension.handle({ method: request.method ?? 'GET', url, headers: request.headers, body }));
    return;
  }
  // Every other operation has no body worth keeping: its signature covers an empty one.
  if ((await readAuthorizedBody(guard, request, response, 0)) === undefined) return;
  if (request.method === 'GET' && (pathname === API_VERSION_PREFIX || pathname === `${API_VERSION_PREFIX}/`)) {
    sendJson(response, 200, listFunctionsPage(service.functions, service.accountId, url.searchParams));
    return;
  }
  const functionMatch = /^\/2015-03-31\/functions\/([^/]+)(\/configuration)?\/?$/.exec(pathname);
  if (functionMatch?.[1] !== undefined && request.method === 'GET') {
    const definition = service.resolveFunction(decodeURIComponent(functionMatch[1]), qualifier);
    sendJson(
      response,
      200,
      functionMatch[2] === undefined
        ? getFunctionResponse(definition, service.accountId)
        : functionConfiguration(definition, service.accountId),
    );
    return;
  }
  throw new LambdaServiceError(
    'UnknownOperationException',
    404,
    `The local Lambda service does not implement ${request.method ?? ''} ${pathname}`,
  );
}

async function handleInvoke(
  service: LocalLambdaService,
  guard: RequestGuard,
  functionName: string,
  qualifier: string | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const invocationType = headerValue(request, 'x-amz-invocation-type') ?? 'RequestResponse';
  const body = await readAuthorizedBody(guard, request, response, MAX_SYNC_PAYLOAD_BYTES);
  if (body === undefined) return;
  if (!invocationTypes.some((known) => known === invocationType)) {
    throw new LambdaServiceError(
      'InvalidParameterValueException',
      400,
      `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }
  const clientContext = decodeClientContext(headerValue(request, 'x-amz-client-context'));
  // The caller hanging up does not stop the function (Lambda runs it to its end); we only stop waiting.
  const abandoned = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) abandoned.abort(new Error('the caller closed the connection'));
  });
  for (const extension of guard.extensions) {
    const taken = extension.invoke({ functionName, qualifier, invocationType, headers: request.headers, body, signal: abandoned.signal });
    if (taken === undefined) continue;
    const answer = await taken;
    if (!abandoned.signal.aborted) sendExtensionResponse(response, answer);
    return;
  }
  let outcome: InvokeOutcome;
  try {
    outcome = await service.invoke(functionName, body, {
      invocationType: invocationType as InvocationType,
      logType: headerValue(request, 'x-amz-log-type') === 'Tail' ? 'Tail' : 'None',
      ...(qualifier === undefined ? {} : { qualifier }),
      ...(clientContext === undefined ? {} : { clientContext }),
      ...optional('traceId', headerValue(request, 'x-amzn-trace-id')),
      signal: abandoned.signal,
    });
  } catch (error) {
    if (abandoned.signal.aborted) return;
    throw error;
  }
  const headers: Record<string, string | number> = {
    'x-amzn-RequestId': outcome.requestId,
    'X-Amz-Executed-Version': outcome.executedVersion,
  };
  if (invocationType !== 'RequestResponse') {
    response.writeHead(invocationType === 'Event' ? 202 : 204, { ...headers, 'Content-Length': 0 });
    response.end();
    return;
  }
  if (outcome.functionError !== undefined) headers['X-Amz-Function-Error'] = outcome.functionError;
  if (outcome.logTail !== undefined) headers['X-Amz-Log-Result'] = outcome.logTail;
  response.writeHead(200, { ...headers, 'Content-Type': 'application/json', 'Content-Length': outcome.payload.length });
  response.end(outcome.payload);
}
