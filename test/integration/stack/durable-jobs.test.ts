import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, inject, it } from 'vitest';
import { MAX_JOB_NUMBERS_LIMIT } from '../../../functions/commons/job-limits';
import { DEFAULT_CONFIG } from '../../../lib/config';
import { nagCheckedStack, onlyLogicalIdIn } from './support/stack-template';

/** A synthesis in process bundles all four functions: on a loaded 2-core machine that has taken over 60 s. */
const SYNTH_TIMEOUT_MS = 180_000;

/** The app as `cdk synth` builds it (test/integration/global-setup.ts), cdk-nag included: it synthesized without a finding. */
const cdkOut = inject('cdkOut');
const templateJson = JSON.parse(readFileSync(path.join(cdkOut, 'MultiSquare.template.json'), 'utf8'));
const template = Template.fromJSON(templateJson);

const onlyLogicalId = onlyLogicalIdIn(template);

const durableId = onlyLogicalId('AWS::Lambda::Function', { DurableConfig: Match.anyValue() });
const jobsId = onlyLogicalId('AWS::Lambda::Function', { Timeout: 10 });
const squarerId = onlyLogicalId('AWS::Lambda::Function', { Timeout: 5 });
const squarerVersionId = onlyLogicalId('AWS::Lambda::Version', { FunctionName: { Ref: squarerId } });
const aliasId = onlyLogicalId('AWS::Lambda::Alias', { FunctionName: { Ref: durableId } });
const executionsArn = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [durableId, 'Arn'] }, ':*']] };

/** Every statement of the policies attached to the role of the function `functionId`. */
function statementsOf(functionId: string): unknown[] {
  const role = templateJson.Resources[functionId].Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const logsStatement = { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: expect.anything() };

describe('DurableJobs', () => {
  it('makes the durable coordinator durable: an hour per job, kept readable 7 days', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      DurableConfig: { ExecutionTimeout: 3600, RetentionPeriodInDays: 7 },
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
  });

  it("starts jobs on an alias of the coordinator's published version", () => {
    const versionId = onlyLogicalId('AWS::Lambda::Version', { FunctionName: { Ref: durableId } });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionName: { Ref: durableId },
      FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
    });
  });

  it("wires the squarer's version and the job limits into the durable coordinator, and the alias into the jobs handler", () => {
    expect(templateJson.Resources[durableId].Properties.Environment.Variables).toMatchObject({
      SQUARER_FUNCTION: { Ref: squarerVersionId },
      JOB_MAX_NUMBERS: String(DEFAULT_CONFIG.jobMaxNumbers),
      JOB_MAX_CONCURRENCY: String(DEFAULT_CONFIG.jobMaxConcurrency),
    });
    expect(templateJson.Resources[jobsId].Properties.Environment.Variables).toMatchObject({
      DURABLE_COORDINATOR_ALIAS: { Ref: aliasId },
      DURABLE_COORDINATOR_NAME: { Ref: durableId },
      JOB_MAX_NUMBERS: String(DEFAULT_CONFIG.jobMaxNumbers),
    });
  });

  it("lets the durable coordinator checkpoint its own executions and invoke the squarer's version, and nothing else", () => {
    expect(statementsOf(durableId)).toEqual([
      logsStatement,
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: squarerVersionId } },
      {
        Action: ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'],
        Effect: 'Allow',
        Resource: executionsArn,
      },
    ]);
  });

  it("lets the jobs handler start executions on the alias and read the coordinator's executions, and nothing else", () => {
    expect(statementsOf(jobsId)).toEqual([
      logsStatement,
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: aliasId } },
      { Action: 'lambda:ListDurableExecutionsByFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [durableId, 'Arn'] } },
      { Action: ['lambda:GetDurableExecution', 'lambda:GetDurableExecutionHistory'], Effect: 'Allow', Resource: executionsArn },
    ]);
  });

  it('routes POST /jobs and GET /jobs/{jobId} to the jobs handler with IAM authorization', () => {
    const integrationId = onlyLogicalId('AWS::ApiGatewayV2::Integration', { IntegrationUri: { 'Fn::GetAtt': [jobsId, 'Arn'] } });
    for (const routeKey of ['POST /jobs', 'GET /jobs/{jobId}']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'AWS_IAM',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
    }
  });

  it('bundles the durable execution SDK into the durable coordinator', () => {
    const asset = path.join(cdkOut, templateJson.Resources[durableId].Metadata['aws:asset:path'], 'index.js');
    const code = readFileSync(asset, 'utf8');
    expect(code.includes('CheckpointDurableExecution')).toBe(true);
    expect(code.includes('square-')).toBe(true);
  });
});

describe('jobs configuration', () => {
  it(
    'takes jobMaxNumbers and jobMaxConcurrency from context, and stays nag-clean with tracing on',
    () => {
      const { app, stack } = nagCheckedStack({ jobMaxNumbers: 500, jobMaxConcurrency: '20', tracing: 'true' });
      expect(() => app.synth()).not.toThrow();
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        DurableConfig: Match.anyValue(),
        Environment: { Variables: Match.objectLike({ JOB_MAX_NUMBERS: '500', JOB_MAX_CONCURRENCY: '20' }) },
      });
    },
    SYNTH_TIMEOUT_MS,
  );

  it.each([
    [{ jobMaxNumbers: 0 }, `context jobMaxNumbers must be an integer from 1 to ${MAX_JOB_NUMBERS_LIMIT}, got 0`],
    [{ jobMaxNumbers: MAX_JOB_NUMBERS_LIMIT + 1 }, `context jobMaxNumbers must be an integer from 1 to ${MAX_JOB_NUMBERS_LIMIT}`],
    [{ jobMaxConcurrency: 1001 }, 'context jobMaxConcurrency must be an integer from 1 to 1000, got 1001'],
  ])('fails the synth on bad context %j', (context, message) => {
    expect(() => nagCheckedStack(context)).toThrow(message);
  });
});
