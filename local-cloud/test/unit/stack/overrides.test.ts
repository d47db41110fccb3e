/**
 * The pure parts of the development loop, without a stack: how a function is found by a part of
 * its name, SAM's --env-vars format, `-c key=value`, and which functions a reload replaces
 * (per-function log files: function-logs.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { selectFunction } from '../../../assembly/function-selector';
import { parseContextArguments } from '../../../cli/dev-loop-options';
import { UsageError } from '../../../core/errors';
import type { CloudAssemblyDefinition, FunctionDefinition } from '../../../core/types';
import { applyEnvVars, parseEnvVarsDocument } from '../../../stack/env-vars-file';
import { changesBetween } from '../../../stack/local-stack';

function fn(logicalId: string, environment: Record<string, string> = {}, codeDirectory = `/assets/${logicalId}`): FunctionDefinition {
  return {
    logicalId,
    stackName: 'App',
    constructPath: `App/${logicalId.replace(/[0-9A-F]{8}$/, '')}/Resource`,
    name: `App-${logicalId}`,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:App-${logicalId}`,
    handler: 'index.handler',
    codeDirectory,
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    memorySizeMb: 128,
    timeoutSeconds: 3,
    environment,
    logGroupName: `/aws/lambda/App-${logicalId}`,
  };
}

const squarer = fn('SquarerFunction13396830', { STAGE: 'prod' });
const coordinator = fn('CoordinatorFunction8BB9C49D', { STAGE: 'prod', SQUARER: 'App-SquarerFunction13396830' });
const functions = [squarer, coordinator];

describe('selectFunction', () => {
  it('finds a function by its exact name, its logical ID, or a part of either, ignoring case', () => {
    expect(selectFunction(functions, 'App-SquarerFunction13396830')).toBe(squarer);
    expect(selectFunction(functions, 'CoordinatorFunction8BB9C49D')).toBe(coordinator);
    expect(selectFunction(functions, 'squarer')).toBe(squarer);
  });

  it('refuses a part that matches several functions or none, listing them', () => {
    expect(() => selectFunction(functions, 'Function')).toThrow(
      /"Function" matches 2 functions; be more specific:\n {2}App-Squarer.*\n {2}App-Coordinator/,
    );
    expect(() => selectFunction(functions, 'Cuber')).toThrow(
      /No function matches "Cuber"\. The functions are:\n {2}App-SquarerFunction13396830 {2}\(logical ID SquarerFunction13396830, App\/SquarerFunction\/Resource\)/,
    );
  });
});

describe('--env-vars (SAM format)', () => {
  it("applies Parameters to the variables each function declares, and a function's own object over them", () => {
    const document = parseEnvVarsDocument(
      { Parameters: { STAGE: 'local', TABLE: 'not-declared' }, Squarer: { STAGE: 'mine', EXTRA: 1 } },
      'env.json',
    );
    const [newSquarer, newCoordinator] = applyEnvVars(functions, document);
    expect(newSquarer?.environment).toEqual({ STAGE: 'mine', EXTRA: '1' });
    expect(newCoordinator?.environment).toEqual({ STAGE: 'local', SQUARER: 'App-SquarerFunction13396830' });
  });

  it('refuses a key that names no function, listing the functions, and values that are not scalars', () => {
    expect(() => applyEnvVars(functions, parseEnvVarsDocument({ Cuber: { A: 'b' } }, 'env.json'))).toThrow(
      /"Cuber" matches no function\. The functions are:\n {2}App-Squarer/,
    );
    expect(() => parseEnvVarsDocument({ Squarer: { A: { nested: true } } }, 'env.json')).toThrow(
      'Squarer.A must be a string, number or boolean',
    );
    expect(() => parseEnvVarsDocument(['Parameters'], 'env.json')).toThrow('must be a JSON object');
  });

  it('refuses reserved keys from --env-vars with Lambda’s message, as CreateFunction does', () => {
    const document = { Parameters: { AWS_REGION: 'eu-west-1', STAGE: 'x' }, Squarer: { TZ: 'Europe/Paris', AWS_REGION: 'x' } };

    expect(() => parseEnvVarsDocument(document, 'env.json')).toThrow(
      '--env-vars env.json: Lambda was unable to configure your environment variables because the environment variables you have provided ' +
        'contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, TZ',
    );
  });
});

describe('-c key=value', () => {
  it('keeps everything after the first = as the value, as the CDK CLI does', () => {
    expect(parseContextArguments(['maxNumbers=3', 'url=a=b', 'empty='])).toEqual({ maxNumbers: '3', url: 'a=b', empty: '' });
  });

  it("refuses a pair without a key and the CDK's reserved aws: keys", () => {
    expect(() => parseContextArguments(['maxNumbers'])).toThrow(UsageError);
    expect(() => parseContextArguments(['=3'])).toThrow('expected key=value');
    expect(() => parseContextArguments(['aws:cdk:enable-asset-metadata=false'])).toThrow('reserved');
  });
});

describe('what a reload replaces', () => {
  const assembly = (fns: FunctionDefinition[]): CloudAssemblyDefinition => ({
    region: 'us-east-1',
    accountId: '000000000000',
    functions: fns,
    httpApis: [],
  });

  it('replaces a function whose code folder or environment changed, and only it', () => {
    const edited = fn('SquarerFunction13396830', { STAGE: 'prod' }, '/assets/asset.new-hash');
    expect(changesBetween(assembly(functions), assembly([edited, coordinator]))).toEqual({ replaced: [squarer.name], needsRestart: [] });
    expect(changesBetween(assembly(functions), assembly(functions))).toEqual({ replaced: [], needsRestart: [] });
  });

  it('asks for a restart when a function comes or goes', () => {
    expect(changesBetween(assembly(functions), assembly([squarer])).needsRestart).toEqual([`function ${coordinator.name} removed`]);
  });
});
