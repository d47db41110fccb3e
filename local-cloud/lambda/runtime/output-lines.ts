/**
 * Splits a function's stdout/stderr into whole log lines, in time linear in the bytes (each byte
 * is scanned once; a partial line is kept as a list of chunks, never re-joined per chunk), and
 * caps each line at CloudWatch Logs' maximum event size: the rest of an over-long line is dropped
 * and a marker says how much. https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html
 */

/** CloudWatch Logs' maximum log event size: 256 KB. */
export const MAX_LOG_LINE_BYTES = 256 * 1024;

const NEWLINE = 0x0a;

/** Bytes of `buffer` up to `limit`, cut back to a UTF-8 character boundary. */
function utf8Prefix(buffer: Buffer, limit: number): Buffer {
  if (buffer.length <= limit) return buffer;
  let end = limit;
  // Step back over continuation bytes (10xxxxxx) so a character is never split.
  while (end > 0 && ((buffer[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return buffer.subarray(0, end);
}

export class LineSplitter {
  private chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;
  /** Every byte received, for the parent's wait for a child's last output. */
  received = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = MAX_LOG_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    this.received += chunk.length;
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, start); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.append(chunk.subarray(start, newline));
      this.emit();
      start = newline + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  /** Emits what is left once the stream has ended. */
  flush(): void {
    if (this.kept > 0 || this.dropped > 0) this.emit();
  }

  private append(bytes: Buffer): void {
    const room = this.maxLineBytes - this.kept;
    if (bytes.length <= room) {
      if (bytes.length > 0) this.chunks.push(bytes);
      this.kept += bytes.length;
      return;
    }
    const prefix = utf8Prefix(bytes, room);
    if (prefix.length > 0) this.chunks.push(prefix);
    this.kept += prefix.length;
    this.dropped += bytes.length - prefix.length;
  }

  private emit(): void {
    let line = Buffer.concat(this.chunks, this.kept).toString('utf8');
    if (this.dropped > 0) line += ` [local-cloud: line truncated at ${this.maxLineBytes} bytes, ${this.dropped} bytes dropped]`;
    this.chunks = [];
    this.kept = 0;
    this.dropped = 0;
    this.onLine(line);
  }
}
