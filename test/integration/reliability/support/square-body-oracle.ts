/**
 * An independent judge of `POST /square` bodies, for property tests: it shares no code with
 * functions/commons/square-request.ts. It reads JSON with its own strict RFC 8259 reader that keeps
 * number literals as written, and squares with BigInt.
 *
 * The contract it encodes (README "API"):
 * - a Content-Type, when present, is `application/json` or `application/*+json` (parameters
 *   ignored, case-insensitive), else 415; a body over the size limit is 413;
 * - the body is UTF-8 (one leading byte order mark may be ignored, as RFC 8259 §8.1 allows) holding
 *   exactly one JSON object whose only key is `numbers` (a repeated key is accepted only when every
 *   value is the same), an array of at most `maxNumbers` items, each
 *   - an integer literal or a string of an optional `-` and the digits 0-9, at most 500 digits:
 *     squared exactly;
 *   - any other number literal: read as a double, which must be finite; a safe integer squares
 *     exactly, any other double squares as a double, which must be finite;
 * - anything else is 400.
 */

export type Wire = number | string;

export interface ExpectedItem {
  /** The number as the answer echoes it. */
  readonly number: Wire;
  readonly result: Wire;
}

export type Verdict =
  | { readonly valid: true; readonly items: readonly ExpectedItem[] }
  | { readonly valid: false; readonly status: 400 | 413 | 415; readonly reason: string };

export interface OracleLimits {
  readonly maxNumbers: number;
  readonly maxBodyBytes: number;
}

const MAX_DIGITS = 500;

export function judgeSquareRequest(body: Uint8Array, contentType: string | null, limits: OracleLimits): Verdict {
  if (contentType !== null && !isJsonMediaType(contentType)) return refuse(415, 'content type');
  if (body.byteLength > limits.maxBodyBytes) return refuse(413, 'size');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return refuse(400, 'not UTF-8');
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  let document: JsonNode;
  try {
    document = new StrictJsonReader(text).document();
  } catch (error) {
    return refuse(400, error instanceof Error ? error.message : String(error));
  }
  if (document.kind !== 'object') return refuse(400, 'not an object');
  const first = document.entries[0];
  if (first === undefined) return refuse(400, 'no numbers');
  for (const [key, value] of document.entries) {
    if (key !== 'numbers') return refuse(400, `unknown key ${JSON.stringify(key)}`);
    if (!sameNode(value, first[1])) return refuse(400, 'numbers given twice, differently');
  }
  const array = first[1];
  if (array.kind !== 'array') return refuse(400, 'numbers is not an array');
  if (array.items.length > limits.maxNumbers) return refuse(400, 'too many numbers');
  const items: ExpectedItem[] = [];
  for (const item of array.items) {
    const expected = expectedItem(item);
    if (expected === undefined) return refuse(400, `invalid item ${JSON.stringify(item)}`);
    items.push(expected);
  }
  return { valid: true, items };
}

function refuse(status: 400 | 413 | 415, reason: string): Verdict {
  return { valid: false, status, reason };
}

function isJsonMediaType(contentType: string): boolean {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

function expectedItem(node: JsonNode): ExpectedItem | undefined {
  if (node.kind === 'string') {
    return /^-?[0-9]{1,500}$/.test(node.value) ? integerItem(BigInt(node.value)) : undefined;
  }
  if (node.kind !== 'number') return undefined;
  const { literal } = node;
  if (/^-?[0-9]+$/.test(literal)) {
    const digits = literal.replace('-', '').length;
    return digits <= MAX_DIGITS ? integerItem(BigInt(literal)) : undefined;
  }
  const value = Number(literal);
  if (!Number.isFinite(value)) return undefined;
  if (Number.isSafeInteger(value)) return integerItem(BigInt(value));
  const square = value * value;
  return Number.isFinite(square) ? { number: value, result: square } : undefined;
}

function integerItem(n: bigint): ExpectedItem {
  return { number: wire(n), result: wire(n * n) };
}

function wire(n: bigint): Wire {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n.toString();
}

type JsonNode =
  | { readonly kind: 'number'; readonly literal: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'constant'; readonly value: true | false | null }
  | { readonly kind: 'array'; readonly items: JsonNode[] }
  | { readonly kind: 'object'; readonly entries: [string, JsonNode][] };

function sameNode(a: JsonNode, b: JsonNode): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * RFC 8259, strictly: whitespace is space, tab, LF and CR only; no trailing commas, no leading
 * zeros, no `+`, no bare `.5`. Nesting deeper than a valid body needs is refused outright.
 */
class StrictJsonReader {
  private position = 0;
  private static readonly NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  private static readonly MAX_DEPTH = 8;

  constructor(private readonly text: string) {}

  document(): JsonNode {
    const node = this.value(0);
    this.whitespace();
    if (this.position !== this.text.length) this.fail('text after the value');
    return node;
  }

  private value(depth: number): JsonNode {
    if (depth > StrictJsonReader.MAX_DEPTH) this.fail('nested deeper than a valid body');
    this.whitespace();
    const char = this.text[this.position];
    if (char === '{') return this.object(depth);
    if (char === '[') return this.array(depth);
    if (char === '"') return { kind: 'string', value: this.string() };
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return { kind: 'constant', value };
      }
    }
    StrictJsonReader.NUMBER.lastIndex = this.position;
    const match = StrictJsonReader.NUMBER.exec(this.text);
    if (match === null || match[0] === '' || match[0] === '-') return this.fail('a value expected');
    this.position += match[0].length;
    return { kind: 'number', literal: match[0] };
  }

  private object(depth: number): JsonNode {
    this.position += 1;
    const entries: [string, JsonNode][] = [];
    this.whitespace();
    if (this.text[this.position] === '}') {
      this.position += 1;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.position] !== '"') this.fail('a key expected');
      const key = this.string();
      this.whitespace();
      this.expect(':');
      entries.push([key, this.value(depth + 1)]);
      this.whitespace();
      if (this.text[this.position] === ',') {
        this.position += 1;
        continue;
      }
      this.expect('}');
      return { kind: 'object', entries };
    }
  }

  private array(depth: number): JsonNode {
    this.position += 1;
    const items: JsonNode[] = [];
    this.whitespace();
    if (this.text[this.position] === ']') {
      this.position += 1;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.whitespace();
      if (this.text[this.position] === ',') {
        this.position += 1;
        continue;
      }
      this.expect(']');
      return { kind: 'array', items };
    }
  }

  private string(): string {
    this.position += 1;
    let value = '';
    for (;;) {
      const char = this.text[this.position];
      if (char === undefined) this.fail('unterminated string');
      this.position += 1;
      if (char === '"') return value;
      if (char.charCodeAt(0) < 0x20) this.fail('control character in a string');
      if (char !== '\\') {
        value += char;
        continue;
      }
      const escaped = this.text[this.position];
      this.position += 1;
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (escaped !== undefined && escaped in simple) {
        value += simple[escaped];
      } else if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.position, this.position + 4))) {
        value += String.fromCharCode(parseInt(this.text.slice(this.position, this.position + 4), 16));
        this.position += 4;
      } else {
        this.fail('bad escape');
      }
    }
  }

  private whitespace(): void {
    while (/^[ \t\n\r]$/.test(this.text[this.position] ?? '')) this.position += 1;
  }

  private expect(char: string): void {
    if (this.text[this.position] !== char) this.fail(`'${char}' expected`);
    this.position += 1;
  }

  private fail(message: string): never {
    throw new Error(`${message} at ${this.position}`);
  }
}
