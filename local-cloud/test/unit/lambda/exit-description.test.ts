import { describe, expect, it } from 'vitest';
import { describeExit } from '../../../lambda/runtime/exit-description';

describe('describeExit, in the words of Lambda’s "Runtime exited with error: …"', () => {
  it('gives an exit status for a process that exited', () => {
    expect(describeExit(3, null)).toBe('exit status 3');
    expect(describeExit(null, null)).toBe('exit status 0');
  });

  // Lambda's platform is written in Go: its os.ProcessState names signals as Go's syscall table does
  // (`Runtime exited with error: signal: segmentation fault` in aws-lambda-cpp issue #30).
  it.each([
    ['SIGKILL', 'signal: killed'],
    ['SIGTERM', 'signal: terminated'],
    ['SIGABRT', 'signal: aborted'],
    ['SIGSEGV', 'signal: segmentation fault'],
    ['SIGBUS', 'signal: bus error'],
    ['SIGPIPE', 'signal: broken pipe'],
    ['SIGINT', 'signal: interrupt'],
  ] as const)('names %s as Go does: %s', (signal, expected) => {
    expect(describeExit(null, signal)).toBe(expected);
  });
});
