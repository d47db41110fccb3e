import { DEFAULT_LOCAL_ACCOUNT_ID, DEFAULT_LOCAL_REGION } from '../../core/defaults';
import type { FunctionDefinition } from '../../core/types';

/**
 * A function definition written by hand, for tests that run code the fixture app has no handler
 * for: a Node.js 24 `index.handler` in `codeDirectory`, named `name`, with `settings` on top.
 */
export function testFunction(name: string, codeDirectory: string, settings: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return {
    logicalId: name,
    stackName: 'Test',
    name,
    arn: `arn:aws:lambda:${DEFAULT_LOCAL_REGION}:${DEFAULT_LOCAL_ACCOUNT_ID}:function:${name}`,
    handler: 'index.handler',
    codeDirectory,
    runtime: 'nodejs24.x',
    architecture: 'x86_64',
    memorySizeMb: 256,
    timeoutSeconds: 10,
    environment: {},
    logGroupName: `/aws/lambda/${name}`,
    ...settings,
  };
}
