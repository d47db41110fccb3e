import { describe, expect, it } from 'vitest';
import { InvalidNumberError, SquareOverflowError } from '../../../functions/commons/errors';
import { MAX_INTEGER_DIGITS, parseNumberLiteral, parseNumberValue, square } from '../../../functions/commons/square';

const squareOf = (input: unknown) => square(parseNumberValue(input));

describe('square', () => {
  it.each([
    [0, 0],
    [2, 4],
    [-3, 9],
    [94906265, 9007199136250225], // the largest integer whose square is still a safe integer
  ])('squares the integer %s exactly as a JSON number', (input, expected) => {
    expect(squareOf(input)).toBe(expected);
  });

  it('gives a square beyond 2^53 − 1 as a string of decimal digits', () => {
    expect(squareOf(94906267)).toBe((94906267n * 94906267n).toString());
    expect(typeof squareOf(94906267)).toBe('string');
  });

  it('squares big integers given as strings exactly, as BigInt does', () => {
    const big = '-123456789012345678901234567890123456789';
    expect(squareOf(big)).toBe((BigInt(big) * BigInt(big)).toString());
  });

  it('squares a string of digits within the safe range to a number', () => {
    expect(squareOf('12')).toBe(144);
  });

  it('squares non-integers as IEEE doubles, like Python floats', () => {
    expect(squareOf(2.5)).toBe(6.25);
    expect(squareOf(-0.1)).toBe(0.010000000000000002); // Python: (-0.1) ** 2
    expect(squareOf(1e150)).toBe(9.999999999999999e299); // Python: 1e150 ** 2
  });

  it('squares a JSON number beyond 2^53 − 1 as the double it already is', () => {
    expect(squareOf(2 ** 60)).toBe(2 ** 120);
  });

  it('refuses a double square that overflows, as Python raises OverflowError', () => {
    expect(() => squareOf(1e155)).toThrow(SquareOverflowError);
    expect(() => squareOf(1e155)).toThrow('too large for a double');
  });

  it.each([
    [Number.NaN, 'not a finite number'],
    [Number.POSITIVE_INFINITY, 'not a finite number'],
    ['1.5', 'not a decimal integer'],
    ['1e3', 'not a decimal integer'],
    [' 12', 'not a decimal integer'],
    ['+12', 'not a decimal integer'],
    ['', 'not a decimal integer'],
    [null, 'got null'],
    [true, 'got a boolean'],
    [[2], 'got an array'],
    [{ n: 2 }, 'got an object'],
    ['9'.repeat(MAX_INTEGER_DIGITS + 1), `longer than the ${MAX_INTEGER_DIGITS} digits allowed`],
  ])('refuses %j as invalid input', (input, message) => {
    expect(() => squareOf(input)).toThrow(InvalidNumberError);
    expect(() => squareOf(input)).toThrow(message);
  });

  it('reads JSON literals losslessly: integer literals exactly, others as doubles', () => {
    const literal = '123456789012345678901234567890';
    expect(parseNumberLiteral(literal)).toEqual({ kind: 'integer', value: BigInt(literal) });
    expect(parseNumberLiteral('2.5')).toEqual({ kind: 'float', value: 2.5 });
    expect(parseNumberLiteral('-0')).toEqual({ kind: 'integer', value: 0n });
    expect(parseNumberLiteral('3.0')).toEqual({ kind: 'integer', value: 3n });
    expect(() => parseNumberLiteral('1e999')).toThrow('not a finite double');
  });
});
