/** One way to read a numeric command-line flag, for every command of the local cloud. */

/** The number `raw` stands for, or an error that names the flag, the range and what was given. */
export function numberFlag(name: string, raw: string, min: number, max: number, integer = false): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
