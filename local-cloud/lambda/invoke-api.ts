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
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type CloudAssemblyDefinition, type FunctionDefinition, type InvokeOutcome, LambdaServiceError } from '../core/types';
import { readBoundedBody } from '../server/read-body';
import {
  applyConnectionLimits,
  BufferBudget,
  connectionsCheckingIntervalFor,
  DEFAULT_INVOKE_API_MAX_CONNECTIONS,
  defaultServerLimits,
  type ServerLimits,
} from '../server/server-limits';
import { createSignatureGate, type SignatureGate } from '../server/signature-gate';
import type { AwsCredentials } from '../sigv4/verifier';
import { decodeClientContext } from './client-context';
import type { ExtensionResponse, InvokeApiExtension } from './invoke-api-extension';
import { type InvocationType, type LambdaServiceOptions, LocalLambdaService, MAX_SYNC_PAYLOAD_BYTES } from './lambda-service';
import { loggingConfigResponse } from './logging-config';

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
    host = '127.0.0.1',
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
  const guard: RequestGuard = {
    signatures:
      authentication === 'none'
        ? undefined
        : createSignatureGate({
            credentials: [functionCredentials, ...(callerCredentials === undefined ? [] : [callerCredentials])],
            region: service.region,
            service: 'lambda',
          }),
    budget: new BufferBudget(limits.maxBufferedBytes),
    limits,
    warn,
    extensions: [],
  };
  const server = createServer(
    // No overall request timeout (an upload may be slow but steady); a stalled one is cut by the body's idle timeout.
    { requestTimeout: 0, headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: connectionsCheckingIntervalFor(limits) },
    (request, response) => {
      handleRequest(service, guard, request, response).catch((error: unknown) => {
        sendError(response, toServiceError(error), randomUUID());
      });
    },
  );
  // The response of a long invocation is not a request being received: no timeout cuts it.
  server.keepAliveTimeout = 60_000;
  applyConnectionLimits(server, limits, 'local Lambda Invoke API', warn);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A backlog for the sockets of many functions in flight at once (50 coordinators × 100):
    // at Node's 511, connections beyond it wait for a SYN retry and their clients time out.
    server.listen({ port, host, backlog: 4096 }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  service.lambdaEndpointUrl = url;
  return {
    url,
    port: address.port,
    service,
    extend: (extension) => {
      guard.extensions.push(extension);
    },
    close: async () => {
      await service.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface RequestGuard {
  readonly signatures: SignatureGate | undefined;
  readonly budget: BufferBudget;
  readonly limits: ServerLimits;
  readonly warn: (message: string) => void;
  readonly extensions: InvokeApiExtension[];
}

function randomFunctionCredentials(): AwsCredentials {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(48).toString('base64'),
  };
}

/** Lambda's answer to an unsigned or wrongly signed request: 403, the code in `x-amzn-ErrorType`, `{"message"}`. */
function sendAuthError(response: ServerResponse, errorType: string, message: string): void {
  // API Gateway's "unsigned" answer (ForbiddenException) is MissingAuthenticationTokenException on Lambda.
  const [type, text] =
    errorType === 'ForbiddenException' ? ['MissingAuthenticationTokenException', 'Missing Authentication Token'] : [errorType, message];
  const body = JSON.stringify({ message: text });
  response.writeHead(403, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': type,
    'x-amzn-RequestId': randomUUID(),
    Connection: 'close',
  });
  response.end(body);
}

/**
 * Reads the body under the server's limits and checks its signature. Returns undefined when the
 * request was answered (refused) or cut.
 */
async function readAuthorizedBody(
  guard: RequestGuard,
  request: IncomingMessage,
  response: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  const refusal = await guard.signatures?.beforeBody(request);
  if (refusal !== undefined) {
    sendAuthError(response, refusal.errorType, refusal.message);
    request.resume();
    return undefined;
  }
  const read = await readBoundedBody(request, limit, {
    budget: guard.budget,
    heldUntil: response,
    idleTimeoutMs: guard.limits.bodyIdleTimeoutMs,
  });
  if (read.kind === 'cut') return undefined;
  if (read.kind === 'too-large') {
    throw new LambdaServiceError(
      'RequestTooLargeException',
      413,
      `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
    );
  }
  if (read.kind === 'over-budget') {
    guard.warn(
      `local Lambda Invoke API: ${guard.budget.inUse} bytes of request bodies held, the cap is ${guard.limits.maxBufferedBytes}: answered 429 (raise it with --lambda-max-buffered-mb)`,
    );
    response.setHeader('Connection', 'close');
    // A throttle, so that callers back off and retry as they do for Lambda's own.
    throw new LambdaServiceError(
      'TooManyRequestsException',
      429,
      `The local Lambda service holds its cap of ${guard.limits.maxBufferedBytes} buffered request bytes; retry later.`,
    );
  }
  const verdict = await guard.signatures?.afterBody(request, read.body);
  if (verdict !== undefined && !verdict.ok) {
    sendAuthError(response, verdict.errorType, verdict.message);
    return undefined;
  }
  return read.body;
}

function toServiceError(error: unknown): LambdaServiceError {
  if (error instanceof LambdaServiceError) return error;
  return new LambdaServiceError('ServiceException', 500, error instanceof Error ? error.message : String(error));
}

/**
 * restJson1 errors: the code in `x-amzn-ErrorType`, the members in the JSON body (`Type`,
 * `message`, and for throttling `Reason`), as Lambda answers them.
 */
function sendError(response: ServerResponse, error: LambdaServiceError, requestId: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ Type: error.statusCode >= 500 ? 'Service' : 'User', message: error.message, ...error.extra });
  response.writeHead(error.statusCode, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': error.code,
    'x-amzn-RequestId': requestId,
  });
  response.end(body);
}

function sendExtensionResponse(response: ServerResponse, answer: ExtensionResponse): void {
  const isBuffer = Buffer.isBuffer(answer.body);
  const body = isBuffer ? (answer.body as Buffer) : answer.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(answer.body));
  response.writeHead(answer.statusCode, {
    ...(isBuffer || answer.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    'x-amzn-RequestId': randomUUID(),
    ...answer.headers,
    'Content-Length': body.length,
  });
  response.end(body);
}

function sendJson(response: ServerResponse, statusCode: number, document: unknown): void {
  const body = JSON.stringify(document);
  response.writeHead(statusCode, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(body);
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
    listFunctions(service, url, response);
    return;
  }
  const functionMatch = /^\/2015-03-31\/functions\/([^/]+)(\/configuration)?\/?$/.exec(pathname);
  if (functionMatch?.[1] !== undefined && request.method === 'GET') {
    const definition = service.resolveFunction(decodeURIComponent(functionMatch[1]), qualifier);
    const configuration = functionConfiguration(definition, service);
    if (functionMatch[2] !== undefined) {
      sendJson(response, 200, configuration);
      return;
    }
    // https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_ResponseSyntax
    sendJson(response, 200, {
      Configuration: configuration,
      Code: { RepositoryType: 'S3', Location: `file://${definition.codeDirectory}` },
      ...(definition.reservedConcurrency === undefined
        ? {}
        : { Concurrency: { ReservedConcurrentExecutions: definition.reservedConcurrency } }),
    });
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

/** ListFunctions with Marker/MaxItems paging, as the CLI's paginator expects. */
function listFunctions(service: LocalLambdaService, url: URL, response: ServerResponse): void {
  const all = service.functions;
  const maxItems = Math.min(50, Math.max(1, Number(url.searchParams.get('MaxItems') ?? 50) || 50));
  const start = Number(url.searchParams.get('Marker') ?? 0) || 0;
  const page = all.slice(start, start + maxItems);
  sendJson(response, 200, {
    Functions: page.map((definition) => functionConfiguration(definition, service)),
    ...(start + maxItems < all.length ? { NextMarker: String(start + maxItems) } : {}),
  });
}

const codeDigests = new Map<string, { readonly size: number; readonly sha256: string }>();

/** Size and a SHA-256 of the asset directory's files, standing in for the uploaded zip's. */
function codeDigest(directory: string): { readonly size: number; readonly sha256: string } {
  const cached = codeDigests.get(directory);
  if (cached !== undefined) return cached;
  const hash = createHash('sha256');
  let size = 0;
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        size += statSync(full).size;
        hash.update(path.relative(directory, full)).update(readFileSync(full));
      }
    }
  };
  try {
    walk(directory);
  } catch {
    // A missing asset directory still lists; invoking it reports the error.
  }
  const digest = { size, sha256: hash.digest('base64') };
  codeDigests.set(directory, digest);
  return digest;
}

/** A UUID-shaped revision that changes when the code does. */
function revisionId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A realistic FunctionConfiguration. https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html */
function functionConfiguration(definition: FunctionDefinition, service: LocalLambdaService): Record<string, unknown> {
  const digest = codeDigest(definition.codeDirectory);
  return {
    FunctionName: definition.name,
    FunctionArn: definition.arn,
    Runtime: definition.runtime,
    Role: `arn:aws:iam::${service.accountId}:role/${definition.stackName}-${definition.logicalId}-ServiceRole`,
    Handler: definition.handler,
    CodeSize: digest.size,
    Description: '',
    Timeout: definition.timeoutSeconds,
    MemorySize: definition.memorySizeMb,
    LastModified: '1970-01-01T00:00:00.000+0000',
    CodeSha256: digest.sha256,
    Version: '$LATEST',
    Environment: { Variables: definition.environment },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: revisionId(`${definition.arn}:${digest.sha256}`),
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: [definition.architecture],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: loggingConfigResponse(definition.loggingConfig, definition.logGroupName),
  };
}
