import { isLosslessNumber, parse } from 'lossless-json';
import { InvalidNumberError, SquareOverflowError } from './errors';
import { type ParsedNumber, parseNumberLiteral, parseNumberValue, square } from './square';

/**
 * Reading `POST /square` bodies: `{"numbers": [...]}`, each item a JSON number or a string of
 * decimal digits. Integer literals are read losslessly (lossless-json), so 2^53 + 1 stays 2^53 + 1.
 */

/** One thing wrong with a request, and where: `numbers[3]`. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** A request we refuse, with the HTTP status and error code that say why. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequest';
  constructor(
    readonly statusCode: 400 | 404 | 409 | 413 | 415,
    readonly code: string,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export interface RequestLimits {
  /** Most numbers in one request: one request never fans out to more invocations than this. */
  readonly maxNumbers: number;
  /** Most bytes in a body, checked before any parsing. */
  readonly maxBodyBytes: number;
}

/** Our documents are two levels deep; anything much deeper is refused before the parser recurses. */
const MAX_NESTING_DEPTH = 16;
/** A request with many bad items lists the first of them, not all. */
const MAX_DETAILS = 20;

/** Decodes and validates a body; throws {@link BadRequestError} describing every problem found. */
export function parseSquareRequest(body: Uint8Array, limits: RequestLimits): ParsedNumber[] {
  if (body.byteLength > limits.maxBodyBytes) {
    throw new BadRequestError(413, 'PayloadTooLarge', `the body is ${body.byteLength} bytes; at most ${limits.maxBodyBytes} are accepted`);
  }
  const text = decodeUtf8(body);
  const depth = maxNestingDepth(text);
  if (depth > MAX_NESTING_DEPTH) {
    throw new BadRequestError(400, 'InvalidJson', `the body nests ${depth} levels deep; at most ${MAX_NESTING_DEPTH} are accepted`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new BadRequestError(400, 'InvalidJson', `the body is not valid JSON: ${errorMessage(error)}`);
  }
  return readNumbers(document, limits.maxNumbers);
}

function readNumbers(document: unknown, maxNumbers: number): ParsedNumber[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document) || isLosslessNumber(document)) {
    throw invalid('the body must be a JSON object of the form {"numbers": [...]}', []);
  }
  const unknownKeys = Object.keys(document).filter((key) => key !== 'numbers');
  if (unknownKeys.length > 0) {
    throw invalid(
      'the body has properties other than "numbers"',
      unknownKeys.slice(0, MAX_DETAILS).map((key) => ({ path: key, message: 'unknown property' })),
    );
  }
  if (!('numbers' in document)) {
    throw invalid('the body has no "numbers"', [{ path: 'numbers', message: 'required' }]);
  }
  const items = document.numbers;
  if (!Array.isArray(items)) {
    throw invalid('"numbers" must be an array', [{ path: 'numbers', message: 'must be an array' }]);
  }
  if (items.length > maxNumbers) {
    throw invalid(`"numbers" has ${items.length} items; at most ${maxNumbers} are accepted`, [
      { path: 'numbers', message: `at most ${maxNumbers} items` },
    ]);
  }
  const parsed: ParsedNumber[] = [];
  const details: ErrorDetail[] = [];
  let invalidCount = 0;
  items.forEach((item: unknown, index) => {
    try {
      parsed.push(readItem(item));
    } catch (error) {
      if (!(error instanceof InvalidNumberError || error instanceof SquareOverflowError)) throw error;
      invalidCount += 1;
      if (details.length < MAX_DETAILS) {
        details.push({ path: `numbers[${index}]`, message: error.message });
      }
    }
  });
  if (invalidCount > 0) {
    const more = invalidCount > details.length ? ` (the first ${details.length} are listed)` : '';
    throw invalid(`${invalidCount} of ${items.length} numbers are invalid${more}`, details);
  }
  return parsed;
}

function readItem(item: unknown): ParsedNumber {
  const parsed = isLosslessNumber(item) ? parseNumberLiteral(item.value) : parseNumberValue(item);
  // A double whose square overflows is the caller's input error: refuse it here, before any
  // invocation, rather than report it as a failed squarer. (Integers never overflow.)
  if (parsed.kind === 'float') square(parsed);
  return parsed;
}

function invalid(message: string, details: readonly ErrorDetail[]): BadRequestError {
  return new BadRequestError(400, 'InvalidRequest', message, details);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeUtf8(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BadRequestError(400, 'InvalidEncoding', 'the body is not valid UTF-8');
  }
}

/** The deepest nesting of arrays and objects, ignoring brackets inside strings: one cheap pass. */
function maxNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) i += 1;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (code === 0x5d /* ] */ || code === 0x7d /* } */) {
      depth -= 1;
    }
  }
  return deepest;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
