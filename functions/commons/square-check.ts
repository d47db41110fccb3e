/**
 * The coordinator's check of a squarer's answer against the contract: the result must be exactly
 * the square of the number sent (integers compared as the exact values they travel as, doubles as
 * doubles), so a squarer that answers wrongly is a failed item, never a wrong 200.
 */
import { type NumberValue, parseNumberValue, square } from './square';

/** Whether `result` is exactly what {@link square} gives for `sent`. Cheap: one multiplication. */
export function isSquareOf(sent: NumberValue, result: NumberValue): boolean {
  let expected: NumberValue;
  try {
    expected = square(parseNumberValue(sent));
  } catch {
    // Nothing is the square of a number whose square overflows.
    return false;
  }
  return expected === result;
}
