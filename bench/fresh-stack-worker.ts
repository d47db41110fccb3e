/**
 * A fresh local stack's first `POST /square` of N numbers, then a few warm ones, with the
 * squarer's environments counted after each: what the environment scheduler and the pacing of
 * cold starts decide. Run by hand, on its own:
 *   node --import tsx bench/fresh-stack-worker.ts 1000 [--max-concurrent-inits n] [--environment-per-invocation]
 * Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { formatLogRecord, LOCAL_CREDENTIALS, startLocalStack } from '@multi-square/local-cloud';
import { projectDirectory } from './child';
import { squareOnStack } from './square-on-stack';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'max-concurrent-inits': { type: 'string' }, 'environment-per-invocation': { type: 'boolean' } },
});
const N = Number(positionals[0] ?? '1000');
const WARM_RUNS = 3;
const inits = values['max-concurrent-inits'];
/** The last log lines, shown when a request fails. */
const lines: string[] = [];

const stack = await startLocalStack({
  projectDirectory,
  httpPort: 0,
  lambdaPort: 0,
  credentials: LOCAL_CREDENTIALS,
  writeStateFile: false,
  logSink: (record) => {
    lines.push(formatLogRecord(record));
    if (lines.length > 40) lines.shift();
  },
  lambda: {
    ...(inits === undefined ? {} : { maxConcurrentInits: Number(inits) }),
    ...(values['environment-per-invocation'] ? { environmentPerInvocation: true } : {}),
  },
});
try {
  const squarer = stack.assembly.functions.find((f) => f.logicalId.startsWith('Squarer'));
  if (squarer === undefined) throw new Error('no squarer in the assembly');
  const body = JSON.stringify({ numbers: Array.from({ length: N }, (_, i) => i + 2) });
  const square = async (): Promise<{ ms: number; environments: number }> => {
    const { ms } = await squareOnStack(stack, body, () => `\n${lines.join('\n')}`);
    return { ms: Math.round(ms), environments: stack.invokeApi.service.environmentCount(squarer.name) };
  };
  const first = await square();
  const warm = [];
  for (let i = 0; i < WARM_RUNS; i += 1) warm.push(await square());
  process.stdout.write(`${JSON.stringify({ n: N, maxConcurrentInits: stack.invokeApi.service.maxConcurrentInits, first, warm })}\n`);
} finally {
  await stack.close();
}
process.exit(0);
