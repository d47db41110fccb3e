/**
 * The whole path, as a client sees it: a SigV4-signed request to the local HTTP API, which invokes
 * the bundled coordinator in its own process, which invokes the bundled squarer through the real
 * AWS SDK and the local Invoke API. Function logs are kept in arrays so the test output stays readable.
 */
import path from 'node:path';
import {
  type CloudAssemblyDefinition,
  type FunctionDefinition,
  formatLogRecord,
  type LocalStackOptions,
  loadCloudAssembly,
  type RunningLocalStack,
  type SignRequestOptions,
  signRequest,
  startLocalStack,
} from '@multi-square/local-cloud';
import type { SquareResponse } from '../../../../functions/commons/square-response';
import { sendRequest, type TestResponse } from '../../../../local-cloud/test/support/http-api-client';

export const projectDirectory = path.resolve(import.meta.dirname, '..', '..', '..', '..');

export interface SquareApi {
  readonly stack: RunningLocalStack;
  readonly squarer: FunctionDefinition;
  readonly coordinator: FunctionDefinition;
  /** Every function log line (START/END/REPORT and output), in order. */
  readonly logs: string[];
  /** One JSON line per HTTP API request. */
  readonly accessLog: string[];
  /** `POST /square`, signed with the stack's credentials. `contentType: null` sends none. */
  post(body: string | Uint8Array, options?: PostOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface PostOptions {
  /** @default 'application/json' */
  readonly contentType?: string | null;
  /** Overrides of the signing: other credentials, another date. */
  readonly signing?: Partial<SignRequestOptions>;
}

/**
 * Stage throttling raised out of the way (10 000 rps, burst 5 000) for the suites that send
 * thousands of requests: the app's default of 10 rps would refuse most of them.
 */
export const UNTHROTTLED = { rateLimit: 10_000, burstLimit: 5_000 } as const;

/** The squarer and the coordinator of an assembly, found by their logical IDs. */
export function functionsOf(assembly: CloudAssemblyDefinition): { squarer: FunctionDefinition; coordinator: FunctionDefinition } {
  const find = (prefix: string) => {
    const found = assembly.functions.find((f) => f.logicalId.startsWith(prefix));
    if (found === undefined) throw new Error(`no ${prefix} function in the assembly`);
    return found;
  };
  return { squarer: find('Squarer'), coordinator: find('Coordinator') };
}

/**
 * Starts the local stack of `cdkOut`. `configure` receives the functions' local names, for
 * `functionOverrides`.
 */
export async function startSquareApi(
  cdkOut: string,
  configure: (functions: { squarer: FunctionDefinition; coordinator: FunctionDefinition }) => Partial<LocalStackOptions> = () => ({}),
): Promise<SquareApi> {
  const functions = functionsOf(loadCloudAssembly(cdkOut));
  const logs: string[] = [];
  const accessLog: string[] = [];
  const stack = await startLocalStack({
    projectDirectory,
    cdkOut,
    httpPort: 0,
    lambdaPort: 0,
    writeStateFile: false,
    logSink: (record) => logs.push(formatLogRecord(record)),
    accessLog: (line) => accessLog.push(line),
    ...configure(functions),
  });
  const url = `${stack.httpApiUrl}/square`;
  return {
    stack,
    ...functionsOf(stack.assembly),
    logs,
    accessLog,
    async post(body, options = {}) {
      const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
      const signed = await signRequest(
        url,
        { method: 'POST', headers: contentType === null ? {} : { 'content-type': contentType }, body: bytes },
        { region: stack.region, credentials: stack.credentials, ...options.signing },
      );
      return sendRequest(signed.url, { method: 'POST', headers: signed.headers, body: bytes });
    },
    close: () => stack.close(),
  };
}

/** How an integer travels in JSON (see functions/commons/square.ts): a number while safe, else a string of digits. */
export function wire(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** Distinct integers, half of them beyond 2^53 (sent as strings), so a rounded square cannot pass. */
export function distinctIntegers(count: number, salt = 0n): bigint[] {
  return Array.from({ length: count }, (_, i) => {
    const n = BigInt(i) + salt;
    return i % 2 === 0 ? n * 7919n + 2n : 2n ** 64n + n * 1_000_003n;
  });
}

/** `{"numbers": [...]}` with each integer as it travels: safe ones as JSON numbers, others as strings. */
export function bodyOf(numbers: readonly bigint[]): string {
  return JSON.stringify({ numbers: numbers.map(wire) });
}

export function parseSquareResponse(response: TestResponse): SquareResponse {
  return JSON.parse(response.text) as SquareResponse;
}

/**
 * The property every scenario checks: each input index appears exactly once in `results`, in input
 * order, either with the exact square (computed here with BigInt) from a distinct squarer
 * invocation, or as an error item whose type `allowError` accepts. Returns the error items' types.
 */
export function checkEveryIndexOnce(
  response: SquareResponse,
  numbers: readonly bigint[],
  allowError: (type: string) => boolean = () => false,
): { succeeded: number; errors: string[] } {
  const problems: string[] = [];
  const errors: string[] = [];
  const processNames = new Set<string>();
  if (response.results.length !== numbers.length) {
    problems.push(`${response.results.length} results for ${numbers.length} numbers`);
  }
  numbers.forEach((n, index) => {
    const item = response.results[index];
    if (item === undefined) return;
    if (item.number !== wire(n)) problems.push(`results[${index}].number is ${JSON.stringify(item.number)}, not ${wire(n)}`);
    if ('error' in item) {
      errors.push(item.error.type);
      if (!allowError(item.error.type)) problems.push(`results[${index}] failed: ${item.error.type}: ${item.error.message}`);
    } else {
      if (item.result !== wire(n * n)) problems.push(`results[${index}].result is ${JSON.stringify(item.result)}, not ${wire(n * n)}`);
      processNames.add(item.processName);
    }
  });
  const succeeded = numbers.length - errors.length;
  if (processNames.size !== succeeded) problems.push(`${processNames.size} distinct process names for ${succeeded} squares`);
  if (response.stats.numbers !== numbers.length) problems.push(`stats.numbers is ${response.stats.numbers}`);
  if (response.stats.succeeded !== succeeded || response.stats.failed !== errors.length) {
    problems.push(`stats say ${response.stats.succeeded} succeeded and ${response.stats.failed} failed`);
  }
  if (response.lines.length !== succeeded) problems.push(`${response.lines.length} lines for ${succeeded} squares`);
  if (problems.length > 0) throw new Error(`the answer lost or mangled items:\n${problems.slice(0, 20).join('\n')}`);
  return { succeeded, errors };
}

/** Request IDs of a function's START lines. */
export function startedRequestIds(logs: readonly string[], functionName: string): string[] {
  const prefix = `[${functionName}] START RequestId: `;
  return logs.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length).split(' ')[0] ?? '');
}

/** Request IDs of a function's END lines. */
export function endedRequestIds(logs: readonly string[], functionName: string): string[] {
  const prefix = `[${functionName}] END RequestId: `;
  return logs.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length).trim());
}
