/**
 * Reading a cloud assembly: the synthesized fixture stack, what CDK really writes (the small
 * hand-written templates for intrinsics CDK rarely emits are in local-cloud/test/unit/assembly/).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import type { CloudAssemblyDefinition } from '../../../core/types';
import { FIXTURE_STACK_NAME, fixtureFunctionNamed } from '../../fixtures/fixture-app/fixture-stack';

let assembly: CloudAssemblyDefinition;

beforeAll(() => {
  assembly = loadCloudAssembly(inject('fixtureCdkOut'), { region: 'us-east-1', accountId: '000000000000' });
}, 60_000);

describe('loadCloudAssembly on a synthesized stack', () => {
  it('reads a function’s handler, runtime, architecture, memory, timeout, environment and bundled asset', () => {
    const echo = fixtureFunctionNamed(assembly.functions, 'Echo');

    expect(echo).toMatchObject({
      stackName: FIXTURE_STACK_NAME,
      name: `${FIXTURE_STACK_NAME}-${echo.logicalId}`,
      arn: `arn:aws:lambda:us-east-1:000000000000:function:${FIXTURE_STACK_NAME}-${echo.logicalId}`,
      handler: 'index.echo',
      runtime: 'nodejs24.x',
      architecture: 'arm64',
      memorySizeMb: 256,
      timeoutSeconds: 5,
      environment: { GREETING: 'hello' },
      logGroupName: `/aws/lambda/${echo.name}`,
    });
    expect(readFileSync(path.join(echo.codeDirectory, 'index.js'), 'utf8')).toContain('exports');
    expect(existsSync(path.join(fixtureFunctionNamed(assembly.functions, 'EchoEsm').codeDirectory, 'index.mjs'))).toBe(true);
  });

  it('applies CloudFormation’s defaults of 128 MB and 3 seconds', () => {
    expect(fixtureFunctionNamed(assembly.functions, 'Fail')).toMatchObject({ memorySizeMb: 128, timeoutSeconds: 3 });
    expect(fixtureFunctionNamed(assembly.functions, 'Fail').reservedConcurrency).toBeUndefined();
  });

  it('resolves Ref and Fn::GetAtt of a function in environment variables to its local name and ARN', () => {
    const echo = fixtureFunctionNamed(assembly.functions, 'Echo');

    expect(fixtureFunctionNamed(assembly.functions, 'InvokeOther').environment).toEqual({
      TARGET_FUNCTION_NAME: echo.name,
      TARGET_FUNCTION_ARN: echo.arn,
    });
  });

  it('reads reserved concurrency and an explicit log group’s name', () => {
    expect(fixtureFunctionNamed(assembly.functions, 'Limited').reservedConcurrency).toBe(1);
    expect(fixtureFunctionNamed(assembly.functions, 'Log').logGroupName).toBe('/fixture/log-function');
  });

  it('reads the HTTP API’s routes, Lambda proxy integrations and stage throttling', () => {
    expect(assembly.httpApis).toHaveLength(1);
    const [api] = assembly.httpApis;

    expect(api).toMatchObject({
      stackName: FIXTURE_STACK_NAME,
      name: 'Api',
      stageName: '$default',
      throttling: { rateLimit: 100, burstLimit: 50 },
      routes: [
        {
          routeKey: 'POST /echo',
          authorizationType: 'NONE',
          integration: {
            functionName: fixtureFunctionNamed(assembly.functions, 'Echo').name,
            payloadFormatVersion: '2.0',
            timeoutMs: 30_000,
          },
        },
      ],
    });
    expect(api?.apiId).toMatch(/^[a-z0-9]{10}$/);
  });
});
