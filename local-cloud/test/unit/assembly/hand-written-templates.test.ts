/**
 * Reading a cloud assembly from small hand-written templates, for intrinsics CDK rarely emits and
 * for the bounds a deployment would refuse (the synthesized fixture stack, what CDK really writes,
 * is read in local-cloud/test/integration/assembly/cloud-assembly.test.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { writeInlineCode } from '../../../assembly/inline-code';

let workDirectory: string;

beforeAll(() => {
  workDirectory = mkdtempSync(path.join(os.tmpdir(), 'cloud-assembly-test-'));
});

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

/** Writes a one-stack assembly with the given resources, its code asset found through the asset manifest. */
function writeAssembly(directory: string, resources: Record<string, unknown>, parameters: Record<string, unknown> = {}): string {
  mkdirSync(path.join(directory, 'asset.abc123'), { recursive: true });
  writeFileSync(path.join(directory, 'asset.abc123', 'index.js'), 'exports.handler = async () => 1;');
  writeFileSync(path.join(directory, 'Hand.template.json'), JSON.stringify({ Parameters: parameters, Resources: resources }));
  writeFileSync(
    path.join(directory, 'Hand.assets.json'),
    JSON.stringify({
      version: '55.0.0',
      files: {
        abc123: { source: { path: 'asset.abc123', packaging: 'zip' }, destinations: { d: { bucketName: 'b', objectKey: 'abc123.zip' } } },
      },
    }),
  );
  writeFileSync(
    path.join(directory, 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: {
        'Hand.assets': { type: 'cdk:asset-manifest', properties: { file: 'Hand.assets.json' } },
        Hand: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://unknown-account/unknown-region',
          properties: { templateFile: 'Hand.template.json' },
          dependencies: ['Hand.assets'],
        },
      },
    }),
  );
  return directory;
}

function handWrittenFunction(environment: Record<string, unknown>) {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Code: { S3Bucket: 'b', S3Key: 'abc123.zip' },
      Environment: { Variables: environment },
    },
  };
}

describe('loadCloudAssembly on hand-written templates', () => {
  it('resolves Fn::Sub, Fn::Join, pseudo parameters, parameter defaults and other resources’ Refs', () => {
    const directory = writeAssembly(
      path.join(workDirectory, 'intrinsics'),
      {
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
        Fn: handWrittenFunction({
          SUBSTITUTED: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::bucket-${AWS::AccountId}-${AWS::Region}/${!Literal}' },
          WITH_VARIABLES: { 'Fn::Sub': ['${Greeting}, ${AWS::StackName}', { Greeting: 'hi' }] },
          JOINED: { 'Fn::Join': ['.', ['api', { Ref: 'AWS::URLSuffix' }]] },
          STAGE: { Ref: 'Stage' },
          QUEUE_NAME: { Ref: 'Queue' },
          QUEUE_ARN: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          SELF: { Ref: 'Fn' },
        }),
      },
      { Stage: { Type: 'String', Default: 'local' } },
    );
    const [fn] = loadCloudAssembly(directory, { region: 'eu-west-1', accountId: '111122223333' }).functions;

    expect(fn?.environment).toEqual({
      SUBSTITUTED: 'arn:aws:s3:::bucket-111122223333-eu-west-1/${Literal}',
      WITH_VARIABLES: 'hi, Hand',
      JOINED: 'api.amazonaws.com',
      STAGE: 'local',
      QUEUE_NAME: 'Hand-Queue',
      QUEUE_ARN: 'arn:aws:sqs:eu-west-1:111122223333:queue/Hand-Queue',
      SELF: 'Hand-Fn',
    });
    expect(fn?.arn).toBe('arn:aws:lambda:eu-west-1:111122223333:function:Hand-Fn');
    expect(fn?.codeDirectory).toBe(path.join(directory, 'asset.abc123'));
  });

  it('names the variable it cannot resolve', () => {
    const directory = writeAssembly(path.join(workDirectory, 'unresolvable'), {
      Fn: handWrittenFunction({ SHARED: { 'Fn::ImportValue': 'OtherStackExport' } }),
    });

    expect(() => loadCloudAssembly(directory)).toThrow(/Fn\.Environment\.Variables\.SHARED .*Fn::ImportValue is not supported locally/);
  });

  it('refuses a function whose template sets a reserved key, as CreateFunction would', () => {
    const directory = writeAssembly(path.join(workDirectory, 'reserved'), {
      Fn: handWrittenFunction({ AWS_REGION: 'eu-west-1', OK: '1' }),
    });

    expect(() => loadCloudAssembly(directory)).toThrow(
      /^Function Fn of stack Hand: Lambda was unable to configure your environment variables .*Reserved keys used in this request: AWS_REGION$/,
    );
  });

  it('puts a $LATEST EventInvokeConfig on the function it names by Ref or by name; ignores another qualifier and warns of it and of destinations', () => {
    const directory = writeAssembly(path.join(workDirectory, 'event-invoke-config'), {
      ByRef: handWrittenFunction({}),
      ByName: { ...handWrittenFunction({}), Properties: { ...handWrittenFunction({}).Properties, FunctionName: 'named-function' } },
      Plain: handWrittenFunction({}),
      Aliased: handWrittenFunction({}),
      RefConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: { FunctionName: { Ref: 'ByRef' }, Qualifier: '$LATEST', MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 120 },
      },
      NameConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: 'named-function',
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 1,
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } },
        },
      },
      AliasConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: { FunctionName: { Ref: 'Aliased' }, Qualifier: 'live', MaximumRetryAttempts: 0 },
      },
      OtherAccountConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: { FunctionName: 'not-in-this-assembly', Qualifier: '$LATEST', MaximumRetryAttempts: 0 },
      },
      Dlq: { Type: 'AWS::SQS::Queue', Properties: {} },
    });
    const warnings: string[] = [];
    const { functions } = loadCloudAssembly(directory, { warn: (message) => warnings.push(message) });
    const named = (logicalId: string) => functions.find((definition) => definition.logicalId === logicalId);

    expect(named('ByRef')?.asyncInvokeConfig).toEqual({ maximumRetryAttempts: 0, maximumEventAgeSeconds: 120 });
    expect(named('ByName')?.asyncInvokeConfig).toEqual({ maximumRetryAttempts: 1 });
    expect(named('Plain')?.asyncInvokeConfig).toBeUndefined();
    expect(named('Aliased')?.asyncInvokeConfig).toBeUndefined();
    expect(warnings).toEqual([
      'named-function has OnFailure destinations (EventInvokeConfig NameConfig of stack Hand): destinations are not emulated locally, ' +
        'nothing is sent to them; a discarded event still gets its EVENT DISCARDED line',
      'EventInvokeConfig AliasConfig of stack Hand is ignored: it configures Hand-Aliased:live, and the local cloud serves $LATEST only',
    ]);
  });

  it('refuses an EventInvokeConfig out of CloudFormation’s bounds, as a deployment would', () => {
    const directory = writeAssembly(path.join(workDirectory, 'event-invoke-config-bounds'), {
      Fn: handWrittenFunction({}),
      Config: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: { FunctionName: { Ref: 'Fn' }, Qualifier: '$LATEST', MaximumEventAgeInSeconds: 30 },
      },
    });

    expect(() => loadCloudAssembly(directory)).toThrow(
      'Config.MaximumEventAgeInSeconds of stack Hand must be an integer from 60 to 21600, got "30"',
    );
  });

  it('numbers a function’s versions in template order and maps each alias to its version', () => {
    const directory = writeAssembly(path.join(workDirectory, 'versions'), {
      Plain: handWrittenFunction({}),
      PlainVersionA: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Plain' } } },
      PlainVersionB: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Plain' } } },
      PlainLive: {
        Type: 'AWS::Lambda::Alias',
        Properties: { FunctionName: { Ref: 'Plain' }, FunctionVersion: { 'Fn::GetAtt': ['PlainVersionA', 'Version'] }, Name: 'live' },
      },
      PlainNext: {
        Type: 'AWS::Lambda::Alias',
        Properties: { FunctionName: { Ref: 'Plain' }, FunctionVersion: { 'Fn::GetAtt': ['PlainVersionB', 'Version'] }, Name: 'next' },
      },
    });

    const [plain] = loadCloudAssembly(directory).functions;

    expect(plain?.versions).toEqual(['1', '2']);
    expect(plain?.aliases).toEqual({ live: '1', next: '2' });
  });

  it('reads DurableConfig’s ExecutionTimeout and RetentionPeriodInDays', () => {
    const plain = handWrittenFunction({});
    const durable = { ...plain, Properties: { ...plain.Properties, DurableConfig: { ExecutionTimeout: 120, RetentionPeriodInDays: 7 } } };
    const directory = writeAssembly(path.join(workDirectory, 'durable-config'), {
      Durable: durable,
      DurableVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Durable' } } },
      Plain: plain,
    });

    const functions = loadCloudAssembly(directory).functions;

    expect(functions.find((definition) => definition.logicalId === 'Durable')?.durableConfig).toEqual({
      executionTimeoutSeconds: 120,
      retentionPeriodDays: 7,
    });
    expect(functions.find((definition) => definition.logicalId === 'Plain')?.durableConfig).toBeUndefined();
  });

  it('defaults to us-east-1 and account 000000000000', () => {
    const directory = writeAssembly(path.join(workDirectory, 'defaults'), { Fn: handWrittenFunction({}) });
    const previous = {
      region: process.env.AWS_REGION,
      defaultRegion: process.env.AWS_DEFAULT_REGION,
      account: process.env.LOCAL_CLOUD_ACCOUNT_ID,
    };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    delete process.env.LOCAL_CLOUD_ACCOUNT_ID;
    try {
      expect(loadCloudAssembly(directory)).toMatchObject({ region: 'us-east-1', accountId: '000000000000', httpApis: [] });
    } finally {
      for (const [key, value] of [
        ['AWS_REGION', previous.region],
        ['AWS_DEFAULT_REGION', previous.defaultRegion],
        ['LOCAL_CLOUD_ACCOUNT_ID', previous.account],
      ] as const) {
        if (value !== undefined) process.env[key] = value;
      }
    }
  });

  it('writes nothing while loading: inline code is carried as text, and written out only by writeInlineCode', () => {
    const directory = writeAssembly(path.join(workDirectory, 'inline-code'), {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { ZipFile: 'exports.handler = async () => 42;' } },
      },
    });
    const before = readdirSync(directory).sort();

    const [fn] = loadCloudAssembly(directory).functions;

    expect(readdirSync(directory).sort()).toEqual(before);
    expect(fn?.inlineCode).toBe('exports.handler = async () => 42;');
    expect(path.dirname(fn?.codeDirectory ?? '')).toBe(directory);
    writeInlineCode(fn === undefined ? [] : [fn]);
    expect(readFileSync(path.join(fn?.codeDirectory ?? '', 'index.js'), 'utf8')).toBe('exports.handler = async () => 42;');
  });
});
