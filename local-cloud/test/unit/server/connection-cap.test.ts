/**
 * Low of issue 17: the connection caps stay below the file descriptors the process may open
 * (RLIMIT_NOFILE), or idle sockets fill it and `accept` fails for everyone.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  applyConnectionLimits,
  connectionCapFor,
  DEFAULT_INVOKE_API_MAX_CONNECTIONS,
  defaultServerLimits,
  openFilesLimit,
} from '../../../server/server-limits';

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

  it('is said at start when a cap the user chose is lowered, and not when a default is', () => {
    const said: string[] = [];
    applyConnectionLimits(
      createServer(),
      defaultServerLimits(DEFAULT_INVOKE_API_MAX_CONNECTIONS),
      'Invoke API',
      (line) => said.push(line),
      2048,
    );
    expect(said).toEqual([]);
    applyConnectionLimits(createServer(), defaultServerLimits(5000), 'Invoke API', (line) => said.push(line), 2048);
    expect(said).toEqual([
      "Invoke API: at most 819 connections, not 5000: the process may open 2048 files (ulimit -n), shared with the other server and the functions' pipes",
    ]);
  });
});
