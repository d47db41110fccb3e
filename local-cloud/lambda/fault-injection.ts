/**
 * Fault and latency injection for tests and benchmarks, off by default. One seeded draw per
 * invocation picks at most one fault, so a run with the same seed fails the same way again.
 */

/** Probabilities in [0, 1] of each fault, per invocation. Their sum should not exceed 1. */
export interface FaultRates {
  /** The environment process dies mid-invocation: `Runtime.ExitError`, and a fresh environment next time. */
  readonly crash?: number;
  /** The invocation hangs until the function timeout: `Sandbox.Timedout`. */
  readonly timeout?: number;
  /** The service answers 429 `TooManyRequestsException` without running the function. */
  readonly throttle?: number;
  /** The service answers 500 `ServiceException` without running the function. */
  readonly serviceError?: number;
}

export interface FaultInjectionOptions {
  /** Added to every invocation's duration, inside the environment (it holds a concurrency slot). */
  readonly latencyMs?: number;
  readonly faults?: FaultRates;
  /** Seed of the pseudo-random draws. @default 1 */
  readonly seed?: number;
  /**
   * Latency and faults aimed at some functions only (`--crash-rate Squarer=0.1`): each applies to
   * the functions whose name contains `functionMatch`, over the service-wide values, fault by fault.
   */
  readonly targeted?: readonly TargetedFaults[];
}

export interface TargetedFaults {
  /** A part of the function's name, as `--crash-rate Squarer=0.1` names it. */
  readonly functionMatch: string;
  readonly latencyMs?: number;
  readonly faults?: FaultRates;
}

/** The latency and fault rates one function gets: the service-wide ones, then each matching target's. */
export function faultsForFunction(
  functionName: string,
  options: FaultInjectionOptions | undefined,
): { latencyMs?: number; faults?: FaultRates } {
  let latencyMs = options?.latencyMs;
  let faults = options?.faults;
  for (const target of options?.targeted ?? []) {
    if (!functionName.includes(target.functionMatch)) continue;
    if (target.latencyMs !== undefined) latencyMs = target.latencyMs;
    if (target.faults !== undefined) faults = { ...faults, ...target.faults };
  }
  return { ...(latencyMs === undefined ? {} : { latencyMs }), ...(faults === undefined ? {} : { faults }) };
}

/** Throws when a target matches none of the functions: a typo must not silently fault nothing. */
export function checkTargetsMatch(options: FaultInjectionOptions | undefined, functionNames: readonly string[]): void {
  for (const target of options?.targeted ?? []) {
    if (!functionNames.some((name) => name.includes(target.functionMatch))) {
      throw new Error(
        `fault injection aimed at "${target.functionMatch}", which is part of no function's name; the functions are: ${functionNames.join(', ')}`,
      );
    }
  }
}

export type InjectedFault = 'crash' | 'timeout' | 'throttle' | 'serviceError';

/** mulberry32: a small, fast, seedable generator, good enough to spread faults evenly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const faultOrder: readonly InjectedFault[] = ['throttle', 'serviceError', 'crash', 'timeout'];

/** Picks the fault of one invocation, if any, from one draw of `random`. */
export function drawFault(rates: FaultRates | undefined, random: () => number): InjectedFault | undefined {
  if (rates === undefined) return undefined;
  const draw = random();
  let threshold = 0;
  for (const fault of faultOrder) {
    threshold += rates[fault] ?? 0;
    if (draw < threshold) return fault;
  }
  return undefined;
}
