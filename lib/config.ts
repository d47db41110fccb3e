import type { Node } from 'constructs';
import { MAX_JOB_NUMBERS_LIMIT } from '../functions/commons/job-limits';
import { MAX_NUMBERS_LIMIT } from '../functions/commons/response-limits';

/** How callers authenticate to the HTTP API. */
export type AuthMode = 'iam' | 'none';

/**
 * Everything a deployment can tune, read from CDK context (`cdk.json` or `-c key=value`).
 * The README's "Configuration" table lists the same keys and defaults.
 */
export interface MultiSquareConfig {
  /** Most numbers in one request, so one request fans out to at most this many invocations. @default 1000 */
  readonly maxNumbers: number;
  /** Most squarer invocations in flight for one request. @default 100 */
  readonly maxConcurrency: number;
  /** `iam` (callers sign with SigV4) or `none` (a public API, for demos only). @default 'iam' */
  readonly authMode: AuthMode;
  /**
   * The coordinator is CPU-bound while it fans out (~0.4 ms of client CPU per invocation), and
   * Lambda gives one full vCPU at 1769 MB: less memory costs the same GB-seconds and takes
   * longer; more buys nothing, its JavaScript runs on one thread (bench/REPORT.md, README "Cost").
   * @default 1769
   */
  readonly coordinatorMemoryMb: number;
  /** @default 128 */
  readonly squarerMemoryMb: number;
  /** Stage throttling: steady requests per second. @default 10 */
  readonly throttleRateLimit: number;
  /** Stage throttling: burst of requests. @default 20 */
  readonly throttleBurstLimit: number;
  /**
   * X-Ray active tracing on both functions, and the coordinator's Lambda client traced with
   * Powertools Tracer. Off, the coordinator's bundle leaves the X-Ray SDK out. See
   * {@link DEFAULT_TRACING} for why it is off by default. @default false
   */
  readonly tracing: boolean;
  /**
   * Most numbers in one durable execution of a job: its operations and result bound it; `POST /jobs`
   * splits a job into up to 5 such executions, so takes 5 times this many numbers
   * (functions/commons/job-limits.ts, docs/jobs.md). @default 2480, the most one execution's result holds
   */
  readonly jobMaxNumbers: number;
  /** Most chained invokes of the squarer in flight for one job. @default 100 */
  readonly jobMaxConcurrency: number;
  /** An email address subscribed to the alarm topic (it must confirm the subscription). @default none */
  readonly alarmEmail?: string;
}

/**
 * Tracing is off by default, because of what `npm run bench` measured (bench/tracing-cost.ts,
 * README "Tracing"): the X-Ray SDK that Powertools Tracer wraps roughly doubles the coordinator's
 * CPU per squarer invocation on every request, sampled or not (it tracks async context for every
 * promise once loaded), and adds ~120 KB to its bundle and tens of ms to its cold start; the
 * coordinator is CPU-bound, so that is latency and GB-seconds on every request. Its metrics and
 * logs already count retries, throttles and failures per request. Turn it on (`-c tracing=true`)
 * to see where one slow request spent its time.
 */
export const DEFAULT_TRACING = false;

export const DEFAULT_CONFIG: MultiSquareConfig = {
  maxNumbers: 1000,
  maxConcurrency: 100,
  authMode: 'iam',
  coordinatorMemoryMb: 1769,
  squarerMemoryMb: 128,
  throttleRateLimit: 10,
  throttleBurstLimit: 20,
  tracing: DEFAULT_TRACING,
  jobMaxNumbers: MAX_JOB_NUMBERS_LIMIT,
  jobMaxConcurrency: 100,
};

/** Reads the configuration from context, failing the synth with the key's name on a bad value. */
export function readConfig(node: Node): MultiSquareConfig {
  const integer = (key: keyof MultiSquareConfig, min: number, max: number): number => {
    const raw: unknown = node.tryGetContext(key);
    if (raw === undefined) return DEFAULT_CONFIG[key] as number;
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`context ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const authMode: unknown = node.tryGetContext('authMode') ?? DEFAULT_CONFIG.authMode;
  if (authMode !== 'iam' && authMode !== 'none') {
    throw new Error(`context authMode must be "iam" or "none", got ${JSON.stringify(authMode)}`);
  }
  return {
    tracing: readBoolean(node, 'tracing', DEFAULT_CONFIG.tracing),
    ...readAlarmEmail(node),
    // Beyond it, an answer of the largest numbers could exceed Lambda's 6 MB response payload.
    maxNumbers: integer('maxNumbers', 1, MAX_NUMBERS_LIMIT),
    maxConcurrency: integer('maxConcurrency', 1, 1000),
    authMode,
    // Lambda's memory range: https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
    coordinatorMemoryMb: integer('coordinatorMemoryMb', 128, 10_240),
    squarerMemoryMb: integer('squarerMemoryMb', 128, 10_240),
    throttleRateLimit: integer('throttleRateLimit', 1, 10_000),
    throttleBurstLimit: integer('throttleBurstLimit', 1, 5_000),
    jobMaxNumbers: integer('jobMaxNumbers', 1, MAX_JOB_NUMBERS_LIMIT),
    // A map's concurrency, as the direct coordinator's.
    jobMaxConcurrency: integer('jobMaxConcurrency', 1, 1000),
  };
}

/** A boolean from context: `true`/`false` in cdk.json, or the strings "true"/"false" from `-c key=value`. */
function readBoolean(node: Node, key: keyof MultiSquareConfig, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(raw)}`);
}

/**
 * The optional `alarmEmail`: one plain address (SNS email endpoints take exactly one), checked here
 * so that a typo fails the synth rather than a deployment or, worse, the first alarm.
 */
function readAlarmEmail(node: Node): { alarmEmail?: string } {
  const raw: unknown = node.tryGetContext('alarmEmail');
  if (raw === undefined || raw === '') return {};
  // Deliberately simple: one local part, one @, a domain with a dot; no spaces, commas or display names.
  if (typeof raw !== 'string' || raw.length > 254 || !/^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/.test(raw)) {
    throw new Error(`context alarmEmail must be one email address such as oncall@example.com, got ${JSON.stringify(raw)}`);
  }
  return { alarmEmail: raw };
}
