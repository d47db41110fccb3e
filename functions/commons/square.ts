import { InvalidNumberError, SquareOverflowError } from './errors';

/**
 * Exact squaring with Python's semantics: integers of any size are squared exactly, finite
 * non-integers square as IEEE doubles, and a double square that overflows is an error.
 *
 * Integers travel as JSON numbers while they are safe (|n| ≤ 2^53 − 1) and as strings of decimal
 * digits beyond that, so that no JSON client ever sees a rounded value.
 */

/** A number as it travels in JSON: a JSON number, or a string holding a decimal integer. */
export type NumberValue = number | string;

/**
 * The most digits an integer may have. Squaring is quick at any size, but a result twice as long
 * has to fit, a thousand times over, in Lambda's 6 MB response payload.
 */
export const MAX_INTEGER_DIGITS = 500;

const DECIMAL_INTEGER = /^-?[0-9]+$/;

/** An input, classified: an exact integer or a double. */
export type ParsedNumber = { readonly kind: 'integer'; readonly value: bigint } | { readonly kind: 'float'; readonly value: number };

/** Reads a JSON number or decimal-integer string; throws {@link InvalidNumberError} with the reason. */
export function parseNumberValue(input: unknown): ParsedNumber {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) {
      throw new InvalidNumberError(`${String(input)} is not a finite number`);
    }
    // A JSON number beyond ±(2^53 − 1) is a double by the time any JavaScript sees it, so it
    // squares as one; integers that large travel as strings to stay exact.
    if (Number.isSafeInteger(input)) {
      return { kind: 'integer', value: BigInt(input) };
    }
    return { kind: 'float', value: input };
  }
  if (typeof input === 'string') {
    return parseIntegerString(input);
  }
  throw new InvalidNumberError(`expected a JSON number or a string of decimal digits, got ${describeType(input)}`);
}

/**
 * Reads a literal as written in a JSON document (as lossless-json keeps it): integer literals
 * exactly, other literals as doubles that must be finite.
 */
export function parseNumberLiteral(literal: string): ParsedNumber {
  if (DECIMAL_INTEGER.test(literal)) {
    return parseIntegerString(literal);
  }
  const value = Number(literal);
  if (!Number.isFinite(value)) {
    throw new InvalidNumberError(`${literal} is not a finite double`);
  }
  if (Number.isInteger(value) && Number.isSafeInteger(value)) {
    return { kind: 'integer', value: BigInt(value) };
  }
  return { kind: 'float', value };
}

function parseIntegerString(text: string): ParsedNumber {
  if (!DECIMAL_INTEGER.test(text)) {
    throw new InvalidNumberError(`${quote(text)} is not a decimal integer (only an optional '-' and the digits 0-9)`);
  }
  const digits = text.startsWith('-') ? text.length - 1 : text.length;
  if (digits > MAX_INTEGER_DIGITS) {
    throw new InvalidNumberError(`an integer of ${digits} digits is longer than the ${MAX_INTEGER_DIGITS} digits allowed`);
  }
  return { kind: 'integer', value: BigInt(text) };
}

/** The square, as it travels in JSON: a safe integer or double as a number, a larger integer as a string. */
export function square(parsed: ParsedNumber): NumberValue {
  if (parsed.kind === 'integer') {
    const result = parsed.value * parsed.value;
    return result <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(result) : result.toString();
  }
  const result = parsed.value * parsed.value;
  if (!Number.isFinite(result)) {
    throw new SquareOverflowError(`${String(parsed.value)} squared is too large for a double`);
  }
  return result;
}

/** The value as it travels in JSON (see {@link square}). */
export function toNumberValue(parsed: ParsedNumber): NumberValue {
  if (parsed.kind === 'float') {
    return parsed.value;
  }
  const value = parsed.value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
