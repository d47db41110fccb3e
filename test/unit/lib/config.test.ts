/**
 * The app's configuration from CDK context, as MultiSquareStack reads it first thing (before any
 * construct or bundle): defaults when none is given, a bad value refused naming the key. Read from
 * an App's context, as the stack reads it; the stack synthesized with a configuration:
 * test/integration/stack/multi-square-stack.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, readConfig } from '../../../lib/config';
import { appInTemporaryFolder } from '../../support/app-in-temporary-folder';

describe('configuration', () => {
  it.each([
    [{ authMode: 'public' }, 'context authMode must be "iam" or "none"'],
    [{ maxNumbers: 0 }, 'context maxNumbers must be an integer from 1 to 1980, got 0'],
    [{ maxNumbers: 1981 }, 'context maxNumbers must be an integer from 1 to 1980, got 1981'],
    [{ maxConcurrency: 'many' }, 'context maxConcurrency must be an integer from 1 to 1000, got "many"'],
    [{ coordinatorMemoryMb: 64 }, 'context coordinatorMemoryMb must be an integer from 128 to 10240'],
  ])('fails the synth on bad context %j', (context, message) => {
    expect(() => readConfig(appInTemporaryFolder({ context }).node)).toThrow(message);
  });

  it('reads defaults when no context is given', () => {
    expect(readConfig(appInTemporaryFolder().node)).toEqual(DEFAULT_CONFIG);
  });
});
