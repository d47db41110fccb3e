/**
 * What the managed Node.js runtime gives an environment besides its code: V8 heap limits sized
 * from the function's memory, a resident-memory reading for the part the heap limit misses, and a
 * trace header per invocation.
 */
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The managed runtime's `/var/runtime/bootstrap` sizes V8 from AWS_LAMBDA_FUNCTION_MEMORY_SIZE:
 * a tenth for the young generation (half of it per semi-space), the rest for the old generation.
 * Published dumps of that script (e.g. lambci's node-custom-lambda, the bootstrap quoted in
 * Lambda runtime investigations) agree on this split; AWS does not document it.
 */
export function heapLimitArguments(memorySizeMb: number): string[] {
  const newSpaceMb = Math.floor(memorySizeMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`, `--max-old-space-size=${memorySizeMb - newSpaceMb}`, '--expose-gc'];
}

/**
 * Resident memory of a process in MB, now (`VmRSS`) and at its peak (`VmHWM`), from Linux's /proc;
 * `undefined` elsewhere or once the process is gone.
 */
export function residentMemoryMb(pid: number): { readonly currentMb: number; readonly peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const current = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    const peak = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    if (current === undefined || peak === undefined) return undefined;
    return { currentMb: Math.ceil(Number(current) / 1024), peakMb: Math.ceil(Number(peak) / 1024) };
  } catch {
    return undefined;
  }
}

/**
 * An X-Ray trace header as Lambda passes one to a function whose tracing is PassThrough (not
 * sampled): `Root=1-<8 hex seconds>-<24 hex>;Parent=<16 hex>;Sampled=0`.
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
 */
export function newTraceId(now = Date.now()): string {
  const seconds = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${seconds}-${randomHex(12)};Parent=${randomHex(8)};Sampled=0`;
}

/**
 * Random bytes for trace IDs, drawn a page at a time: one call to the system's generator serves
 * about 200 invocations (a `randomBytes` call per invocation cost ~30 µs, two `randomUUID`s ~3 µs).
 */
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += bytes;
  return randomPool.toString('hex', randomOffset - bytes, randomOffset);
}
