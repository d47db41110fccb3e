/**
 * Low of issue 17: the connection caps stay below the file descriptors the process may open
 * (RLIMIT_NOFILE), or idle sockets fill it and `accept` fails for everyone.
 */
import { describe, expect, it } from 'vitest';
import { connectionCapFor, DEFAULT_INVOKE_API_MAX_CONNECTIONS, openFilesLimit } from '../../../server/server-limits';

describe('the connection cap', () => {
  it('of the Invoke API is lowered under a 2048 open-files limit, leaving room for the other server and the pipes', () => {
    const cap = connectionCapFor(DEFAULT_INVOKE_API_MAX_CONNECTIONS, 2048);
    expect(cap).toBe(819);
    expect(2 * cap).toBeLessThan(2048);
  });

  it('is what was asked when the limit allows it, or cannot be read', () => {
    expect(connectionCapFor(1000, 1_048_576)).toBe(1000);
    expect(connectionCapFor(1000, undefined)).toBe(1000);
  });

  it.runIf(process.platform === 'linux')('reads the soft limit of this process', () => {
    expect(openFilesLimit()).toBeGreaterThan(0);
  });
});
