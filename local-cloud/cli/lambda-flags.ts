/**
 * The `npm start` flags of the local Lambda service: concurrency, the local resource budget,
 * asynchronous invocations (their maximum age, the memory their queue may hold), and latency and
 * faults for every function or aimed at some (`--crash-rate Squarer=0.1`, repeatable). Parsed
 * here, so start.ts only wires them in.
 */

import { type AsyncInvocationSettings, DEFAULT_MAX_QUEUED_EVENT_BYTES } from '../lambda/async-invocation-queue';
import type { FaultRates, TargetedFaults } from '../lambda/fault-injection';
import type { LocalStackOptions } from '../stack/local-stack';
import { numberFlag, optionalNumberFlag } from './number-flag';

const MB = 1024 * 1024;

export const LAMBDA_FLAGS_USAGE = `  --concurrency-limit <n>   emulated account concurrency: invocations beyond it get 429 (default 1000)
  --max-environments <n>    local resource budget: execution environments (processes) alive at once,
                            all functions together; beyond it invocations wait, with a warning and a
                            QUEUED log line (default: half this machine's memory at 48 MB each)
  --max-concurrent-inits <n> environments starting at once; more starts wait their turn, so that a
                            burst of cold starts does not push some past INIT's 10 s (default 4 per core)
  --max-event-age <s>       how long an Event invocation is retried before it is given up (default 21600)
  --max-queued-event-mb <n> memory for Event invocations accepted and not yet ended, all functions
                            together (each its payload and 1 KB); beyond it Event invocations get 429,
                            which callers retry, and a warning (default ${DEFAULT_MAX_QUEUED_EVENT_BYTES / MB}, at least 2)
  --latency-ms <v>          added to every invocation (default 0)
  --crash-rate <v>          share of invocations whose environment crashes (0..1, default 0)
  --timeout-rate <v>        share of invocations that hang until the function's timeout
  --throttle-rate <v>       share of invocations answered 429 by the service
  --service-error-rate <v>  share of invocations answered 500 by the service
                            Each <v> of the last five is a value for every function, or
                            FUNCTION=VALUE for the functions whose name contains FUNCTION
                            (repeatable), e.g. --crash-rate Squarer=0.1 --latency-ms Squarer=1000`;

/** For `parseArgs({ options })`. */
export const lambdaFlagOptions = {
  'concurrency-limit': { type: 'string' },
  'max-environments': { type: 'string' },
  'max-concurrent-inits': { type: 'string' },
  'max-event-age': { type: 'string' },
  'max-queued-event-mb': { type: 'string' },
  'latency-ms': { type: 'string', multiple: true },
  'crash-rate': { type: 'string', multiple: true },
  'timeout-rate': { type: 'string', multiple: true },
  'throttle-rate': { type: 'string', multiple: true },
  'service-error-rate': { type: 'string', multiple: true },
} as const;

interface LambdaFlagValues {
  readonly 'concurrency-limit'?: string | undefined;
  readonly 'max-environments'?: string | undefined;
  readonly 'max-concurrent-inits'?: string | undefined;
  readonly 'max-event-age'?: string | undefined;
  readonly 'max-queued-event-mb'?: string | undefined;
  readonly 'latency-ms'?: readonly string[] | undefined;
  readonly 'crash-rate'?: readonly string[] | undefined;
  readonly 'timeout-rate'?: readonly string[] | undefined;
  readonly 'throttle-rate'?: readonly string[] | undefined;
  readonly 'service-error-rate'?: readonly string[] | undefined;
}

type LambdaFlagOptions = Pick<
  LocalStackOptions,
  'concurrencyLimit' | 'maxEnvironments' | 'maxConcurrentInits' | 'faultInjection' | 'asyncInvocation'
>;

/** `VALUE` (every function) or `FUNCTION=VALUE`. */
function splitTarget(name: string, raw: string): { readonly functionMatch?: string; readonly value: string } {
  const equals = raw.indexOf('=');
  if (equals < 0) return { value: raw };
  const functionMatch = raw.slice(0, equals);
  if (functionMatch === '')
    throw new Error(
      `--${name} ${JSON.stringify(raw)}: the part before "=" names the function (a part of its name), e.g. --${name} Squarer=${raw.slice(equals + 1)}`,
    );
  return { functionMatch, value: raw.slice(equals + 1) };
}

const rateFlags = [
  ['crash-rate', 'crash'],
  ['timeout-rate', 'timeout'],
  ['throttle-rate', 'throttle'],
  ['service-error-rate', 'serviceError'],
] as const satisfies readonly (readonly [keyof LambdaFlagValues, keyof FaultRates])[];

export function parseLambdaFlags(values: LambdaFlagValues): LambdaFlagOptions {
  let latencyMs: number | undefined;
  const faults: { -readonly [K in keyof FaultRates]: number } = {};
  const targeted = new Map<string, { latencyMs?: number; faults: { -readonly [K in keyof FaultRates]: number } }>();
  const targetOf = (functionMatch: string) => {
    let target = targeted.get(functionMatch);
    if (target === undefined) {
      target = { faults: {} };
      targeted.set(functionMatch, target);
    }
    return target;
  };
  const seen = new Set<string>();
  const once = (name: string, functionMatch: string | undefined) => {
    const key = `${name}\0${functionMatch ?? ''}`;
    if (seen.has(key))
      throw new Error(`--${name} is given twice for ${functionMatch === undefined ? 'every function' : `"${functionMatch}"`}`);
    seen.add(key);
  };

  for (const raw of values['latency-ms'] ?? []) {
    const { functionMatch, value } = splitTarget('latency-ms', raw);
    once('latency-ms', functionMatch);
    const ms = numberFlag('latency-ms', value, 0, 900_000);
    if (functionMatch === undefined) latencyMs = ms;
    else targetOf(functionMatch).latencyMs = ms;
  }
  for (const [flag, fault] of rateFlags) {
    for (const raw of values[flag] ?? []) {
      const { functionMatch, value } = splitTarget(flag, raw);
      once(flag, functionMatch);
      const rate = numberFlag(flag, value, 0, 1);
      if (functionMatch === undefined) faults[fault] = rate;
      else targetOf(functionMatch).faults[fault] = rate;
    }
  }
  const targets: TargetedFaults[] = [...targeted].map(([functionMatch, target]) => ({
    functionMatch,
    ...(target.latencyMs === undefined ? {} : { latencyMs: target.latencyMs }),
    ...(Object.keys(target.faults).length === 0 ? {} : { faults: target.faults }),
  }));

  const concurrencyLimit = optionalNumberFlag('concurrency-limit', values['concurrency-limit'], 1, 100_000, true);
  const maxEnvironments = optionalNumberFlag('max-environments', values['max-environments'], 1, 100_000, true);
  const maxConcurrentInits = optionalNumberFlag('max-concurrent-inits', values['max-concurrent-inits'], 1, 10_000, true);
  const maxEventAgeS = optionalNumberFlag('max-event-age', values['max-event-age'], 60, 21_600);
  // At least 2 MB: room for one event of the largest payload (1 MB) and its record.
  const maxQueuedEventMb = optionalNumberFlag('max-queued-event-mb', values['max-queued-event-mb'], 2, 1_048_576, true);
  const asyncInvocation: AsyncInvocationSettings = {
    ...(maxEventAgeS === undefined ? {} : { maxEventAgeMs: maxEventAgeS * 1000 }),
    ...(maxQueuedEventMb === undefined ? {} : { maxQueuedBytes: maxQueuedEventMb * MB }),
  };
  return {
    ...(concurrencyLimit === undefined ? {} : { concurrencyLimit }),
    ...(maxEnvironments === undefined ? {} : { maxEnvironments }),
    ...(maxConcurrentInits === undefined ? {} : { maxConcurrentInits }),
    ...(Object.keys(asyncInvocation).length === 0 ? {} : { asyncInvocation }),
    faultInjection: {
      ...(latencyMs === undefined ? {} : { latencyMs }),
      faults,
      ...(targets.length === 0 ? {} : { targeted: targets }),
    },
  };
}
