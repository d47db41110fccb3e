/**
 * The latency and fault flags of `npm start` (`--latency-ms`, `--crash-rate`, ...): each value is
 * for every function, or `FUNCTION=VALUE` for the functions whose name contains FUNCTION,
 * repeatable, e.g. `--crash-rate Squarer=0.1 --latency-ms Squarer=1000`. Each flag merges its
 * values into the fault injection options, over what the other flags put there.
 */
import type { FaultInjectionOptions, FaultRates, TargetedFaults } from '../lambda/fault-injection';
import { numberFlag } from './number-flag';

/** What a fault flag sets: the added latency, or one of the fault rates. */
export type FaultSetting = 'latencyMs' | keyof FaultRates;

/** `VALUE` (every function) or `FUNCTION=VALUE`. */
function splitTarget(flag: string, raw: string): { readonly functionMatch?: string; readonly value: string } {
  const equals = raw.indexOf('=');
  if (equals < 0) return { value: raw };
  const functionMatch = raw.slice(0, equals);
  if (functionMatch === '')
    throw new Error(
      `--${flag} ${JSON.stringify(raw)}: the part before "=" names the function (a part of its name), e.g. --${flag} Squarer=${raw.slice(equals + 1)}`,
    );
  return { functionMatch, value: raw.slice(equals + 1) };
}

/** `faults` with `setting` at `value`. */
function withSetting<T extends { readonly latencyMs?: number; readonly faults?: FaultRates }>(
  faults: T,
  setting: FaultSetting,
  value: number,
): T {
  return setting === 'latencyMs' ? { ...faults, latencyMs: value } : { ...faults, faults: { ...faults.faults, [setting]: value } };
}

/** `current` with the values of one flag (`raws`, in the order given) merged in. */
export function withFaultFlag(
  current: FaultInjectionOptions | undefined,
  flag: string,
  setting: FaultSetting,
  raws: readonly string[],
): FaultInjectionOptions {
  let options: FaultInjectionOptions = current ?? {};
  const seen = new Set<string | undefined>();
  for (const raw of raws) {
    const { functionMatch, value } = splitTarget(flag, raw);
    if (seen.has(functionMatch))
      throw new Error(`--${flag} is given twice for ${functionMatch === undefined ? 'every function' : `"${functionMatch}"`}`);
    seen.add(functionMatch);
    const number = setting === 'latencyMs' ? numberFlag(flag, value, 0, 900_000) : numberFlag(flag, value, 0, 1);
    if (functionMatch === undefined) {
      options = withSetting(options, setting, number);
      continue;
    }
    const targeted = options.targeted ?? [];
    const existing = targeted.find((target) => target.functionMatch === functionMatch);
    const updated: TargetedFaults = withSetting(existing ?? { functionMatch }, setting, number);
    options = {
      ...options,
      targeted: existing === undefined ? [...targeted, updated] : targeted.map((target) => (target === existing ? updated : target)),
    };
  }
  return options;
}
