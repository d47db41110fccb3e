/**
 * The channel between the local cloud and a runtime process (runtime-bootstrap.cjs): one JSON
 * document a line, each way, on the child's file descriptor 3. Not Node's IPC channel: Node parses
 * that channel's lines itself, in the parent, and a line that is not JSON throws there, out of
 * reach, and ends the whole local cloud. The function's code shares the process with the bootstrap,
 * so it can write to this descriptor too: every line is checked here (size, JSON, shape), and one
 * that fails ends that environment, as a runtime that broke the Runtime API's protocol would.
 */

/** The largest line accepted: a response over Lambda's 6 MB limit still fits (the bootstrap cuts it just past the limit), escaped. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface OutputBytes {
  readonly stdout: number;
  readonly stderr: number;
}

export interface ErrorDocument {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** What the runtime process says: see the header of runtime-bootstrap.cjs. */
export type RuntimeMessage =
  | { readonly type: 'ready'; readonly maxRssKb?: number }
  | { readonly type: 'init-error'; readonly error: ErrorDocument; readonly outputBytes: OutputBytes }
  | {
      readonly type: 'result';
      readonly requestId: string;
      readonly payload: string;
      readonly outputBytes: OutputBytes;
      readonly maxRssKb?: number;
    }
  | {
      readonly type: 'error';
      readonly requestId: string;
      readonly error: ErrorDocument;
      readonly outputBytes: OutputBytes;
      readonly maxRssKb?: number;
    };

export type ParsedMessage = { readonly ok: true; readonly message: RuntimeMessage } | { readonly ok: false; readonly reason: string };

type Fields = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

function isErrorDocument(value: unknown): value is ErrorDocument {
  return (
    isObject(value) &&
    typeof value.errorType === 'string' &&
    typeof value.errorMessage === 'string' &&
    Array.isArray(value.trace) &&
    value.trace.every((frame) => typeof frame === 'string')
  );
}

const isOutputBytes = (value: unknown): value is OutputBytes => isObject(value) && isCount(value.stdout) && isCount(value.stderr);

/** The first field of the message that is missing or of the wrong type, if any. */
function badField(message: Fields): string | undefined {
  const checks: Record<string, readonly [string, (value: unknown) => boolean][]> = {
    ready: [],
    'init-error': [
      ['error', isErrorDocument],
      ['outputBytes', isOutputBytes],
    ],
    result: [
      ['requestId', (value) => typeof value === 'string'],
      ['payload', (value) => typeof value === 'string'],
      ['outputBytes', isOutputBytes],
    ],
    error: [
      ['requestId', (value) => typeof value === 'string'],
      ['error', isErrorDocument],
      ['outputBytes', isOutputBytes],
    ],
  };
  const type = String(message.type);
  const fields = checks[type];
  if (fields === undefined) return 'type';
  if (message.maxRssKb !== undefined && !isCount(message.maxRssKb)) return 'maxRssKb';
  return fields.find(([name, valid]) => !valid(message[name]))?.[0];
}

/** One line from the runtime process, checked. */
export function parseRuntimeMessage(line: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'a line that is not JSON' };
  }
  if (!isObject(value)) return { ok: false, reason: 'a message that is not an object' };
  const field = badField(value);
  if (field !== undefined)
    return { ok: false, reason: `a message of type ${JSON.stringify(value.type)} with a missing or invalid ${field}` };
  return { ok: true, message: value as unknown as RuntimeMessage };
}

/**
 * Splits the channel's bytes into lines, in time linear in the bytes; a line longer than
 * `maxBytes` is refused as soon as it is, without being held.
 */
export class MessageLines {
  private chunks: Buffer[] = [];
  private held = 0;
  private refused = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    if (this.refused) return;
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      if (!this.hold(chunk.subarray(start, newline))) return;
      const line = Buffer.concat(this.chunks, this.held).toString('utf8');
      this.chunks = [];
      this.held = 0;
      this.onLine(line);
      start = newline + 1;
    }
    this.hold(chunk.subarray(start));
  }

  private hold(bytes: Buffer): boolean {
    this.held += bytes.length;
    if (this.held > this.maxBytes) {
      this.chunks = [];
      this.refused = true;
      this.onTooLong();
      return false;
    }
    if (bytes.length > 0) this.chunks.push(bytes);
    return true;
  }
}
