/**
 * The Lambda service checks each function's Node.js when it starts, not when the first
 * environment does: a binary that says it is Node 20 (a stand-in for the machine's own, as
 * `node --version` answers) stops the service from starting with a message for the command's own
 * stderr; `allowOldNode` (`npm start -- --allow-old-node`) runs the functions on it anyway.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { UnsupportedFunctionNodeError } from '../../../lambda/runtime/node-binary';
import { testFunction } from '../../support/function-definition';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'function-node-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A "node" that answers `--version` as Node 20 does, and runs the rest with the real one. */
function nodeReporting(version: string): string {
  const binary = path.join(scratch, `node-${version}`);
  writeFileSync(binary, `#!/bin/sh\n[ "$1" = --version ] && { echo ${version}; exit 0; }\nexec "${process.execPath}" "$@"\n`);
  chmodSync(binary, 0o755);
  return binary;
}

const code = path.join(scratch, 'code');
const definition = testFunction('Test-Old', code);

describe('a service whose functions would run on Node 20', () => {
  it('refuses to start, saying so on the error the command prints', () => {
    const start = () =>
      new LocalLambdaService({ functions: [definition], nodeBinary: nodeReporting('v20.20.2'), logSink: () => undefined });
    expect(start).toThrow(UnsupportedFunctionNodeError);
    expect(start).toThrow(/Functions of runtime nodejs24\.x would run on Node\.js v20\.20\.2 .*--allow-old-node/);
  });

  it('starts when allowOldNode accepts it', async () => {
    const service = new LocalLambdaService({
      functions: [definition],
      nodeBinary: nodeReporting('v20.20.2'),
      allowOldNode: true,
      logSink: () => undefined,
    });
    await service.close();
  });

  it('starts on Node 22 and later', async () => {
    const service = new LocalLambdaService({ functions: [definition], nodeBinary: nodeReporting('v22.1.0'), logSink: () => undefined });
    expect(service.functions.map((f) => f.name)).toEqual(['Test-Old']);
    await service.close();
  });
});
