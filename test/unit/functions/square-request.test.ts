import { describe, expect, it } from 'vitest';
import { BadRequestError, parseSquareRequest } from '../../../functions/commons/square-request';

const limits = { maxNumbers: 6, maxBodyBytes: 4096 };
const parseText = (text: string) => parseSquareRequest(Buffer.from(text), limits);

function rejection(text: string | Uint8Array): BadRequestError {
  try {
    parseSquareRequest(typeof text === 'string' ? Buffer.from(text) : text, limits);
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error(`expected ${String(text)} to be refused`);
}

describe('parseSquareRequest', () => {
  it('reads integer literals beyond 2^53 exactly, never rounded', () => {
    const [big] = parseText('{"numbers": [9007199254740993]}');
    expect(big).toEqual({ kind: 'integer', value: 9007199254740993n });
  });

  it('reads numbers, digit strings and floats in order', () => {
    expect(parseText('{"numbers": [2, "-30", 2.5]}')).toEqual([
      { kind: 'integer', value: 2n },
      { kind: 'integer', value: -30n },
      { kind: 'float', value: 2.5 },
    ]);
  });

  it('accepts an empty list', () => {
    expect(parseText('{"numbers": []}')).toEqual([]);
  });

  it.each([
    ['not json', 'InvalidJson', 'not valid JSON'],
    ['', 'InvalidJson', 'not valid JSON'],
    ['[1, 2]', 'InvalidRequest', 'must be a JSON object'],
    ['"numbers"', 'InvalidRequest', 'must be a JSON object'],
    ['42', 'InvalidRequest', 'must be a JSON object'],
    ['{}', 'InvalidRequest', 'has no "numbers"'],
    ['{"numbers": 3}', 'InvalidRequest', '"numbers" must be an array'],
    ['{"numbers": [1], "extra": true}', 'InvalidRequest', 'properties other than "numbers"'],
    ['{"numbers": [1], "numbers": [2]}', 'InvalidJson', 'Duplicate key'],
    ['{"numbers": [1,2,3,4,5,6,7]}', 'InvalidRequest', 'has 7 items; at most 6'],
    [`{"numbers": ${'['.repeat(1000)}${']'.repeat(1000)}}`, 'InvalidJson', 'nests 1001 levels deep'],
  ])('refuses bad body #%# with code $1', (body, code, message) => {
    const error = rejection(body);
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('says which items are wrong and why, by path', () => {
    const error = rejection('{"numbers": [1, "x", null, 1e999, 2.5, [3]]}');
    expect(error.message).toBe('4 of 6 numbers are invalid');
    expect(error.details).toEqual([
      { path: 'numbers[1]', message: '"x" is not a decimal integer (only an optional \'-\' and the digits 0-9)' },
      { path: 'numbers[2]', message: 'expected a JSON number or a string of decimal digits, got null' },
      { path: 'numbers[3]', message: '1e999 is not a finite double' },
      { path: 'numbers[5]', message: 'expected a JSON number or a string of decimal digits, got an array' },
    ]);
  });

  it('refuses invalid UTF-8', () => {
    const error = rejection(Uint8Array.from([0x7b, 0xff, 0x7d]));
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidEncoding' });
  });

  it('refuses an oversized body before reading it', () => {
    const error = rejection(`{"numbers": [${'1,'.repeat(3000)}1]}`);
    expect(error).toMatchObject({ statusCode: 413, code: 'PayloadTooLarge' });
  });

  it('does not count brackets inside strings as nesting', () => {
    const error = rejection(`{"numbers": ["${'['.repeat(100)}"]}`);
    expect(error.code).toBe('InvalidRequest');
    expect(error.details[0]?.path).toBe('numbers[0]');
  });
});
