/** The banner's line for a function: its versions and aliases, and a durable function's DurableConfig. */
import { describe, expect, it } from 'vitest';
import { functionSummary } from '../../../cli/function-summary';
import type { FunctionDefinition } from '../../../core/types';

const base: FunctionDefinition = {
  logicalId: 'Fn',
  stackName: 'S',
  name: 'S-Fn',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:S-Fn',
  handler: 'index.handler',
  codeDirectory: '/code',
  runtime: 'nodejs24.x',
  architecture: 'arm64',
  memorySizeMb: 256,
  timeoutSeconds: 30,
  environment: {},
  logGroupName: '/aws/lambda/S-Fn',
};

describe('functionSummary', () => {
  it('shows a plain function as before: runtime, memory, timeout', () => {
    expect(functionSummary(base)).toBe('S-Fn  (nodejs24.x, 256 MB, 30 s)');
  });

  it('lists a durable function’s versions, aliases and DurableConfig, with a qualified name to invoke', () => {
    const summary = functionSummary({
      ...base,
      versions: ['1', '2'],
      aliases: { live: '2' },
      durableConfig: { executionTimeoutSeconds: 900, retentionPeriodDays: 14 },
    });
    expect(summary.split('\n').map((line) => line.trim())).toEqual([
      'S-Fn  (nodejs24.x, 256 MB, 30 s)',
      'versions 1, 2; alias live → 2',
      'durable: execution timeout 900 s, history kept 14 days; invoke a qualified name, e.g. S-Fn:live',
    ]);
  });
});
