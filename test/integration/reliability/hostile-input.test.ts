/**
 * Hostile input over real HTTP: generated bodies (fast-check) signed and sent to the local HTTP API,
 * each judged beforehand by an independent oracle (support/square-body-oracle.ts). The property:
 * never a 5xx; a refused body gets the oracle's 4xx and `{error: {code, message, details}}`; a valid
 * body gets 200 with the exact squares, in input order. The stack keeps answering throughout.
 *
 * The stage's throttling (10 requests a second by default) is raised on the running stack for this
 * file, as `cdk synth -c throttleRateLimit=… -c throttleBurstLimit=…` would without synthesizing
 * again, so that a thousand requests test the coordinator rather than the stage's token bucket.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CoordinatorEnv } from '../../../functions/commons/config';
import { type SquareApi, startedRequestIds, startSquareApi, UNTHROTTLED } from './support/local-square-api';
import { judgeSquareRequest, type OracleLimits } from './support/square-body-oracle';

let api: SquareApi;
let limits: OracleLimits;
beforeAll(async () => {
  api = await startSquareApi(inject('cdkOut'), () => ({ httpApiThrottling: UNTHROTTLED }));
  const maxNumbers = Number(api.coordinator.environment[CoordinatorEnv.maxNumbers]);
  // As functions/coordinator.ts sizes it: 1 KiB an item and 4 KiB besides.
  limits = { maxNumbers, maxBodyBytes: 4096 + maxNumbers * 1024 };
});
afterAll(async () => {
  await api?.close();
});

// ---- Generators --------------------------------------------------------------------------------

const digits = (minLength: number, maxLength: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength, maxLength }).map((chars) => chars.join(''));

/** Digit counts around the interesting places: small, near the 500-digit limit, and up to 600. */
const digitCount = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 20 }) },
  { weight: 2, arbitrary: fc.integer({ min: 490, max: 510 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 600 }) },
);

const sign = fc.constantFrom('', '', '-');

/** True about once in `n` runs. */
const rarely = (n: number) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

/** Integer literals, valid JSON and not: huge, `-0`, leading zeros. */
const integerLiteral = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        sign,
        fc.constantFrom(...'123456789'),
        digitCount.chain((n) => digits(n - 1, n - 1)),
      )
      .map(([s, d, rest]) => `${s}${d}${rest}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('0', '-0', '9007199254740991', '9007199254740993', '-9007199254740993', '94906265', '94906266') },
  { weight: 1, arbitrary: fc.tuple(sign, digits(1, 5)).map(([s, d]) => `${s}0${d}`) },
);

/** Number literals with fractions and exponents: 1e400, 1e200 (whose square overflows), 1e-400. */
const decimalLiteral = fc
  .tuple(
    sign,
    fc.oneof(fc.constant('0'), fc.integer({ min: 1, max: 99_999 }).map(String)),
    fc.option(digits(1, 30), { nil: undefined }),
    fc.option(
      fc.tuple(
        fc.constantFrom('e', 'E'),
        fc.constantFrom('', '+', '-'),
        fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(153, 154, 155, 200, 308, 309, 400, 99_999)),
      ),
      { nil: undefined },
    ),
  )
  .map(
    ([s, whole, fraction, exponent]) =>
      `${s}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : exponent.join('')}`,
  );

/** Text that is not a JSON number, though it looks like one. */
const malformedLiteral = fc.constantFrom(
  '+5',
  '.5',
  '5.',
  '1e',
  '1e+',
  '0x10',
  '1_000',
  'Infinity',
  '-Infinity',
  'NaN',
  '--5',
  '١٢',
  '５',
  '1 2',
  'undefined',
  "'5'",
);

/** Strings: digit strings (any length, leading zeros) and near misses. */
const stringItem = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        sign,
        digitCount.chain((n) => digits(n, n)),
      )
      .map(([s, d]) => JSON.stringify(`${s}${d}`)),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '+5',
        ' 5',
        '5 ',
        '\t5',
        '5\n',
        '',
        '-',
        '-0',
        '00',
        '1e3',
        '1.0',
        '0x1f',
        '١٢',
        '５',
        '1,000',
        '1_000',
        'NaN',
        '5\u0000',
        '²',
      )
      .map((s) => JSON.stringify(s)),
  },
  // Digits written as \u escapes: "\u0031\u0032" is "12".
  { weight: 1, arbitrary: digits(1, 8).map((d) => `"${[...d].map((c) => `\\u00${c.charCodeAt(0).toString(16)}`).join('')}"`) },
);

const otherItem = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '{}', '[]', '[1]', '{"number": 1}'),
  fc.double().map((d) => JSON.stringify(d)),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
);

const item = fc.oneof(
  { weight: 5, arbitrary: integerLiteral },
  { weight: 3, arbitrary: decimalLiteral },
  { weight: 3, arbitrary: stringItem },
  { weight: 1, arbitrary: malformedLiteral },
  { weight: 1, arbitrary: otherItem },
);

/** JSON whitespace, or characters that only look like it. */
const jsonSpace = fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n', '  ');
const space = fc.oneof(
  { weight: 30, arbitrary: jsonSpace },
  { weight: 1, arbitrary: fc.constantFrom('\u00a0', '\v', '\f', '\u2028', '\ufeff', '\u0000') },
);

const key = fc.oneof(
  { weight: 10, arbitrary: fc.constant('"numbers"') },
  { weight: 1, arbitrary: fc.constantFrom('"num\\u0062ers"', '"Numbers"', '"numbers "', '"numbers\\u0000"', "'numbers'", 'numbers') },
);

const extraKey = fc.constantFrom(
  '"__proto__"',
  '"constructor"',
  '"prototype"',
  '"toString"',
  '"hasOwnProperty"',
  '"number"',
  '"numbers2"',
  '""',
);

/** Items a careful client sends: integers of up to 600 digits (so some too long), decimals, digit strings. */
const plainItem = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        sign,
        fc.constantFrom(...'123456789'),
        digitCount.chain((n) => digits(n - 1, n - 1)),
      )
      .map(([s, d, rest]) => `${s}${d}${rest}`),
  },
  { weight: 2, arbitrary: decimalLiteral },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        sign,
        digitCount.chain((n) => digits(n, n)),
      )
      .map(([s, d]) => JSON.stringify(`${s}${d}`)),
  },
);

/**
 * A `{"numbers": [...]}` document written token by token. Plain ones are mostly valid; hostile
 * ones add odd items, odd whitespace, odd keys, repeated keys, extra keys and byte order marks.
 */
const numbersDocument = fc.boolean().chain((hostile) =>
  fc
    .record({
      items: fc.array(hostile ? item : plainItem, { maxLength: 6 }),
      spaces: fc.array(hostile ? space : jsonSpace, { minLength: 12, maxLength: 12 }),
      key: hostile ? key : fc.constant('"numbers"'),
      trailingComma: hostile ? rarely(10) : fc.constant(false),
      duplicate: hostile
        ? fc.oneof(
            { weight: 4, arbitrary: fc.constant<'none'>('none') },
            { weight: 1, arbitrary: fc.constantFrom<'same' | 'different'>('same', 'different') },
          )
        : fc.constant<'none'>('none'),
      extra: hostile ? fc.option(fc.tuple(extraKey, otherItem, fc.boolean()), { freq: 4, nil: undefined }) : fc.constant(undefined),
      bom: hostile ? rarely(10) : fc.constant(false),
    })
    .map(({ items, spaces, key: name, trailingComma, duplicate, extra, bom }) => {
      const [a = '', b = '', c = '', d = '', e = '', f = '', g = '', h = '', ...between] = spaces;
      const array = `[${b}${items.map((text, i) => `${text}${between[i % between.length] ?? ''}`).join(`,${c}`)}${trailingComma ? ',' : ''}${d}]`;
      const members = [`${name}${e}:${f}${array}`];
      if (duplicate === 'same') members.push(`"numbers":${array}`);
      if (duplicate === 'different') members.push(`"numbers":[${items.length}]`);
      if (extra !== undefined) members.splice(extra[2] ? 0 : 1, 0, `${extra[0]}:${extra[1]}`);
      return `${bom ? '\ufeff' : ''}${a}{${g}${members.join(`,${h}`)}}${a}`;
    }),
);

const contentType = fc.oneof(
  { weight: 20, arbitrary: fc.constant<string | null>('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | null>(
      null,
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/problem+json',
      'application/vnd.api+json; charset=latin1',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | null>(
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      'application/json5',
      'application/xml',
      '*/*',
      'json',
      '+json',
      'application/+json',
    ),
  },
);

/** Bytes that are not UTF-8: invalid bytes, overlong forms, surrogates, beyond U+10FFFF, truncated. */
const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0xfe],
  [0x80],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
);

/** A body with invalid UTF-8 spliced in somewhere. */
const notUtf8Body = fc.tuple(numbersDocument, invalidUtf8, fc.nat()).map(([text, bytes, at]) => {
  const encoded = Buffer.from(text, 'utf8');
  const position = at % (encoded.length + 1);
  return Buffer.concat([encoded.subarray(0, position), Buffer.from(bytes), encoded.subarray(position)]);
});

/** A document with one character inserted, deleted or replaced. */
const mutatedDocument = fc
  .tuple(
    numbersDocument,
    fc.nat(),
    fc.constantFrom('insert', 'delete', 'replace'),
    fc.constantFrom(...'{}[]",:-+.eE0123456789 \\/ntu'.split('')),
  )
  .map(([text, at, operation, char]) => {
    const position = at % (text.length + 1);
    const rest = operation === 'insert' ? text.slice(position) : text.slice(position + 1);
    return `${text.slice(0, position)}${operation === 'delete' ? '' : char}${rest}`;
  });

/** Random JSON, and JSON of the wrong shape. */
const wrongShape = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify({ numbers: value })),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }).map((values) => JSON.stringify({ numbers: values })),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => JSON.stringify({ numbers: [s] })),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '',
    ' ',
    '\n',
    'null',
    '[]',
    '{}',
    '"numbers"',
    '[2, 3]',
    '{"numbers": null}',
    '{"numbers": {"0": 2}}',
    '{"numbers": "2,3"}',
    '{"numbers": 5}',
  ),
);

/** Sizes and depths: more numbers than allowed, a bad item deep in a long list, deep nesting. */
const sizeAndDepth = fc.oneof(
  fc.integer({ min: 1, max: 3_000 }).map((extra) => JSON.stringify({ numbers: Array.from({ length: 1_000 + extra }, (_, i) => i) })),
  fc.tuple(fc.integer({ min: 10, max: 1_000 }), fc.nat(), fc.constantFrom('null', '"x"', '1e400', '01', '[]')).map(([length, at, bad]) => {
    const items = Array.from({ length }, (_, i) => String(i));
    items[at % length] = bad;
    return `{"numbers": [${items.join(',')}]}`;
  }),
  fc
    .tuple(fc.integer({ min: 3, max: 100_000 }), fc.boolean(), fc.constantFrom('[', '{"a":', '{"numbers":['))
    .map(([depth, closed, open]) => {
      const close = open === '[' ? ']' : open === '{"a":' ? '}' : ']}';
      return `{"numbers": ${open.repeat(depth)}1${closed ? close.repeat(depth) : ''}}`;
    }),
  fc.integer({ min: 1, max: 50_000 }).map((n) => `{"numbers": [${'['.repeat(n)}`),
);

// ---- The property ------------------------------------------------------------------------------

interface Tally {
  runs: number;
  valid: number;
  refused: Record<string, number>;
  numbersSquared: number;
}
const tally: Tally = { runs: 0, valid: 0, refused: {}, numbersSquared: 0 };

interface ErrorBody {
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly details?: unknown };
}

async function sendAndJudge(body: string | Uint8Array, type: string | null): Promise<void> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const verdict = judgeSquareRequest(bytes, type, limits);
  const response = await api.post(bytes, { contentType: type });
  tally.runs += 1;
  expect(response.status, response.text.slice(0, 300)).toBeLessThan(500);
  if (verdict.valid) {
    expect(response.status, response.text.slice(0, 300)).toBe(200);
    const answer = JSON.parse(response.text) as { results: unknown[]; stats: { failed: number } };
    expect(answer.results.map((r) => ({ number: (r as { number: unknown }).number, result: (r as { result: unknown }).result }))).toEqual(
      verdict.items,
    );
    expect(answer.stats.failed).toBe(0);
    tally.valid += 1;
    tally.numbersSquared += verdict.items.length;
    return;
  }
  expect(response.status, `${verdict.reason}: ${response.text.slice(0, 300)}`).toBe(verdict.status);
  const answer = JSON.parse(response.text) as ErrorBody;
  expect(answer.error).toEqual({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) });
  const code = String(answer.error?.code);
  tally.refused[code] = (tally.refused[code] ?? 0) + 1;
}

const families = [
  { name: '{"numbers": [...]} documents', numRuns: 1000, arbitrary: fc.tuple(numbersDocument, contentType) },
  { name: 'documents with one character mutated', numRuns: 400, arbitrary: fc.tuple(mutatedDocument, contentType) },
  { name: 'random JSON and wrong shapes', numRuns: 300, arbitrary: fc.tuple(wrongShape, contentType) },
  { name: 'invalid UTF-8', numRuns: 150, arbitrary: fc.tuple(notUtf8Body, contentType) },
  { name: 'sizes and nesting', numRuns: 150, arbitrary: fc.tuple(sizeAndDepth, fc.constant<string | null>('application/json')) },
] as const;

/** Hand-picked cases, so a reader sees what the oracle decides (and the oracle is itself checked). */
const examples: readonly (readonly [string, string, boolean])[] = [
  ['-0, 1e-400 and 1E2 are integers', '{"numbers": [-0, 1e-400, 1E2, -0.0]}', true],
  ['a 500-digit integer', `{"numbers": [${'9'.repeat(500)}]}`, true],
  ['a 501-digit integer', `{"numbers": [${'9'.repeat(501)}]}`, false],
  ['a 500-digit string with leading zeros', `{"numbers": ["${'0'.repeat(490)}1234567890"]}`, true],
  ['1e200, whose square overflows', '{"numbers": [1e200]}', false],
  ['1e400', '{"numbers": [1e400]}', false],
  ['a leading zero', '{"numbers": [012]}', false],
  ['"+5"', '{"numbers": ["+5"]}', false],
  ['" 5"', '{"numbers": [" 5"]}', false],
  ['escaped digits', '{"numbers": ["\\u0031\\u0032"]}', true],
  ['an escaped key', '{"num\\u0062ers": [3]}', true],
  ['a repeated key, same value', '{"numbers": [3], "numbers": [3]}', true],
  ['a repeated key, another value', '{"numbers": [3], "numbers": [4]}', false],
  ['__proto__ holding numbers', '{"__proto__": {"numbers": [3]}}', false],
  ['__proto__ beside numbers', '{"__proto__": null, "numbers": [3]}', false],
  ['a byte order mark', '\ufeff{"numbers": [3]}', true],
  ['a no-break space', '{"numbers":\u00a0[3]}', false],
  ['an empty body', '', false],
];

describe('hostile input', () => {
  it.each(examples)('%s', async (_name, body, valid) => {
    expect(judgeSquareRequest(Buffer.from(body), 'application/json', limits).valid).toBe(valid);
    await sendAndJudge(body, 'application/json');
  });

  it(`${families.reduce((sum, f) => sum + f.numRuns, 0)} generated bodies over HTTP: never a 5xx, the oracle's 4xx or the exact squares`, {
    timeout: 240_000,
  }, async () => {
    for (const family of families) {
      await fc.assert(
        fc.asyncProperty(family.arbitrary, ([body, type]) => sendAndJudge(body, type)),
        { numRuns: family.numRuns },
      );
    }

    // The stack kept answering, and no coordinator invocation crashed or timed out.
    const after = await api.post('{"numbers": [12345678901234567890]}');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.text).results[0].result).toBe(String(12345678901234567890n ** 2n));
    const coordinatorFailures = api.logs.filter((line) => line.startsWith(`[${api.coordinator.name}] REPORT`) && line.includes('Status:'));
    expect(coordinatorFailures).toEqual([]);
    expect(startedRequestIds(api.logs, api.coordinator.name)).toHaveLength(tally.runs + 1);

    console.log(`[reliability] hostile input: ${JSON.stringify(tally)}`);
    expect(tally.runs).toBeGreaterThanOrEqual(1000 + examples.length);
    expect(tally.valid).toBeGreaterThan(100);
    expect(tally.runs - tally.valid).toBeGreaterThan(100);
  });
});
