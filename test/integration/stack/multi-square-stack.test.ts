import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../lib/config';
import { nagCheckedStack, onlyLogicalIdIn } from './support/stack-template';

/** A synthesis in process bundles all four functions: on a loaded 2-core machine that has taken over 60 s. */
const SYNTH_TIMEOUT_MS = 180_000;

/** The app as `cdk synth` builds it (test/integration/global-setup.ts), cdk-nag included: it synthesized without a finding. */
const cdkOut = inject('cdkOut');
const templateJson = JSON.parse(readFileSync(path.join(cdkOut, 'MultiSquare.template.json'), 'utf8'));
const template = Template.fromJSON(templateJson);

const logicalIdOf = onlyLogicalIdIn(template);

describe('MultiSquareStack', () => {
  let squarerId: string;
  let coordinatorId: string;

  beforeAll(() => {
    squarerId = logicalIdOf('AWS::Lambda::Function', { Timeout: 5 });
    coordinatorId = logicalIdOf('AWS::Lambda::Function', { Timeout: 28 });
  });

  it('runs every function (the direct pair and the jobs pair) on nodejs24.x, arm64, with explicit log groups', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' },
      4,
    );
    for (const id of [squarerId, coordinatorId]) {
      const logGroup = template.toJSON().Resources[id].Properties.LoggingConfig.LogGroup;
      expect(logGroup).toEqual({ Ref: expect.stringMatching(/LogGroup/) });
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 5);
    // `cdk destroy` removes every log group with the stack, as the README says.
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.map((logGroup) => logGroup.DeletionPolicy)).toEqual(Array(5).fill('Delete'));
  });

  it("keeps the coordinator's timeout below API Gateway's 30 s and sizes memory from config", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 28,
      MemorySize: DEFAULT_CONFIG.coordinatorMemoryMb,
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 5, MemorySize: DEFAULT_CONFIG.squarerMemoryMb });
  });

  it("loads source maps at start only in the small squarer, sparing the coordinator's cold start", () => {
    const variables = (id: string) => template.toJSON().Resources[id].Properties.Environment?.Variables ?? {};
    expect(variables(squarerId).NODE_OPTIONS).toBe('--enable-source-maps');
    expect(variables(coordinatorId).NODE_OPTIONS).toBeUndefined();
  });

  it("wires the squarer's name and the limits into the coordinator's environment", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 28,
      Environment: {
        Variables: Match.objectLike({
          SQUARER_FUNCTION_NAME: { Ref: squarerId },
          MAX_NUMBERS: String(DEFAULT_CONFIG.maxNumbers),
          MAX_CONCURRENCY: String(DEFAULT_CONFIG.maxConcurrency),
        }),
      },
    });
  });

  it('lets the coordinator invoke the squarer, and nothing else', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('CoordinatorRole'));
    const statements = policies.flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
    const invokes = statements.filter((statement) => JSON.stringify(statement.Action).includes('lambda:'));
    expect(invokes).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [squarerId, 'Arn'] } }]);
  });

  it('gives each role only its own log group to write to, and no managed policies', () => {
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(4);
    for (const role of Object.values(roles)) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
    for (const [fn, logGroupMatch] of [
      ['Squarer', /^SquarerLogGroup/],
      ['Coordinator', /^CoordinatorLogGroup/],
    ] as const) {
      const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith(fn));
      const statements = policy?.[1].Properties.PolicyDocument.Statement;
      expect(statements[0]).toEqual({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(logGroupMatch), 'Arn'] },
      });
      expect(statements).toHaveLength(fn === 'Squarer' ? 1 : 2);
    }
  });

  it('routes POST /square to the coordinator with IAM authorization', () => {
    const integrationId = logicalIdOf('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [coordinatorId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /square',
      AuthorizationType: 'AWS_IAM',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    });
    // The jobs routes are tested in durable-jobs.test.ts.
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
  });

  it('throttles the stage and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: DEFAULT_CONFIG.throttleRateLimit,
        ThrottlingBurstLimit: DEFAULT_CONFIG.throttleBurstLimit,
      },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] } },
    });
  });

  it('names no physical resource and outputs the API URL and both function names', () => {
    const namedResources = Object.entries(template.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>)
      .filter(([, resource]) => ['FunctionName', 'RoleName', 'LogGroupName'].some((key) => typeof resource.Properties?.[key] === 'string'))
      .map(([id]) => id);
    expect(namedResources).toEqual([]);
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApi'), 'ApiEndpoint'] } });
    template.hasOutput('CoordinatorFunctionName', { Value: { Ref: coordinatorId } });
    template.hasOutput('SquarerFunctionName', { Value: { Ref: squarerId } });
  });

  it('bundles the squarer without any AWS SDK and the coordinator with it', () => {
    const assetPath = (id: string, file: string) => path.join(cdkOut, templateJson.Resources[id].Metadata['aws:asset:path'], file);
    // Booleans, not the code itself: a failure should not print a 400 KB bundle.
    const squarerCode = readFileSync(assetPath(squarerId, 'index.js'), 'utf8');
    expect(/@aws-sdk|smithy/.test(squarerCode)).toBe(false);
    // The coordinator is an ES module, so that INIT waits for its client's preparation (a top-level await).
    const coordinatorCode = readFileSync(assetPath(coordinatorId, 'index.mjs'), 'utf8');
    expect(coordinatorCode.includes('"@aws-sdk/client-lambda"')).toBe(true);
    // Credentials from the environment only, as Lambda provides them: no profiles, SSO or web identity.
    expect(coordinatorCode.includes('AWS_SESSION_TOKEN')).toBe(true);
    expect(/sso_start_url|credential_process|web_identity_token_file/.test(coordinatorCode)).toBe(false);
    expect(statSync(assetPath(coordinatorId, 'index.mjs')).size).toBeGreaterThan(100_000);
  });
});

describe('configuration', () => {
  it(
    'makes the route public only when authMode is "none", with cdk-nag\'s finding acknowledged',
    () => {
      const { app, stack } = nagCheckedStack({ authMode: 'none', maxNumbers: 50, maxConcurrency: '20' });
      expect(() => app.synth()).not.toThrow();
      const configured = Template.fromStack(stack);
      configured.hasResourceProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'NONE' });
      configured.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ MAX_NUMBERS: '50', MAX_CONCURRENCY: '20' }) },
      });
    },
    SYNTH_TIMEOUT_MS,
  );
});
