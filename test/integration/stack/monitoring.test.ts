import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, inject, it } from 'vitest';
import { CoordinatorMetric, METRICS_NAMESPACE } from '../../../functions/commons/metric-names';
import { nagCheckedStack, onlyLogicalIdIn } from './support/stack-template';

/** The app as `cdk synth` builds it (test/integration/global-setup.ts), cdk-nag included: it synthesized without a finding. */
const cdkOut = inject('cdkOut');
const cdkOutTraced = inject('cdkOutTraced');
const templateJson = JSON.parse(readFileSync(path.join(cdkOut, 'MultiSquare.template.json'), 'utf8'));
const template = Template.fromJSON(templateJson);

const onlyLogicalId = onlyLogicalIdIn(template);

const squarerId = onlyLogicalId('AWS::Lambda::Function', { Timeout: 5 });
const coordinatorId = onlyLogicalId('AWS::Lambda::Function', { Timeout: 28 });
const apiId = onlyLogicalId('AWS::ApiGatewayV2::Api');
const topicId = onlyLogicalId('AWS::SNS::Topic');
const topic = { Ref: topicId };

/** Each alarm: its metric, statistic, threshold, period, and the topic as its action. */
describe('alarms', () => {
  const alarm = (props: Record<string, unknown>) => ({
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: [topic],
    OKActions: [topic],
    ...props,
  });

  it('there are exactly six', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
  });

  it('coordinator errors: any Lambda error of the coordinator in one minute', () => {
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      alarm({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: coordinatorId } }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 1,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
      }),
    );
  });

  it('API 5xx: at least 5 in five minutes on this API', () => {
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      alarm({
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 5,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
      }),
    );
  });

  it('squarer throttles: throttled in each of three consecutive five-minute periods', () => {
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      alarm({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: squarerId } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
      }),
    );
  });

  it("failed numbers: any, from the coordinator's own metric, in five minutes", () => {
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      alarm({
        Namespace: METRICS_NAMESPACE,
        MetricName: CoordinatorMetric.failed,
        Dimensions: [{ Name: 'service', Value: 'multi-square' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
      }),
    );
  });

  it('coordinator duration: a maximum of 80 % of its 28 s timeout in five minutes', () => {
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      alarm({
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: coordinatorId } }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 22_400,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
      }),
    );
  });
});

describe('jobs alarm', () => {
  it("failed jobs: any durable coordinator execution that FAILED or TIMED_OUT in five minutes, from Lambda's durable metrics", () => {
    const durableId = onlyLogicalId('AWS::Lambda::Function', { DurableConfig: Match.anyValue() });
    const durableMetric = (id: string, name: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/Lambda', MetricName: name, Dimensions: [{ Name: 'FunctionName', Value: { Ref: durableId } }] },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Metrics: [
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0)', ReturnData: true }),
        durableMetric('failed', 'DurableExecutionFailed'),
        durableMetric('timedOut', 'DurableExecutionTimedOut'),
      ],
    });
  });
});

describe('alarm topic', () => {
  it('is encrypted with a rotated customer managed key that CloudWatch may use, and refuses publishing without TLS', () => {
    const keyId = onlyLogicalId('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: '*',
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sns:Publish',
            Effect: 'Deny',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
  });

  it('has no subscription unless alarmEmail is given, and outputs its ARN', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.hasOutput('AlarmTopicArn', { Value: topic });
  });
});

describe('dashboard', () => {
  /** The dashboard body with each reference written as `${LogicalId}`, parsed. */
  const body = (() => {
    const dashboardId = onlyLogicalId('AWS::CloudWatch::Dashboard');
    const parts = templateJson.Resources[dashboardId].Properties.DashboardBody['Fn::Join'][1] as unknown[];
    const text = parts.map((part) => (typeof part === 'string' ? part : `\${${JSON.stringify(part).replace(/"/g, '')}}`)).join('');
    return JSON.parse(text) as { widgets: { type: string; properties: { title: string; metrics?: unknown[][]; alarms?: unknown[] } }[] };
  })();
  const widget = (title: string) => {
    const found = body.widgets.find((w) => w.properties.title === title);
    expect(found, `widget "${title}"`).toBeDefined();
    return found?.properties ?? { title, metrics: [] };
  };
  const api = `\${{Ref:${apiId}}}`;
  const squarer = `\${{Ref:${squarerId}}}`;
  const coordinator = `\${{Ref:${coordinatorId}}}`;

  it('shows the request rate and the API latency at p50 and p99', () => {
    expect(widget('Requests per minute').metrics).toContainEqual([
      'AWS/ApiGateway',
      'Count',
      'ApiId',
      api,
      { label: 'requests', period: 60, stat: 'Sum' },
    ]);
    expect(widget('API latency (ms)').metrics).toEqual([
      ['AWS/ApiGateway', 'Latency', 'ApiId', api, { label: 'p50', period: 60, stat: 'p50' }],
      ['AWS/ApiGateway', 'Latency', 'ApiId', api, { label: 'p99', period: 60, stat: 'p99' }],
    ]);
    expect(widget('Coordinator duration (ms)').metrics).toContainEqual([
      'AWS/Lambda',
      'Duration',
      'FunctionName',
      coordinator,
      { label: 'p99', period: 60, stat: 'p99' },
    ]);
  });

  it("shows failed numbers, retries and throttles from the coordinator's metrics, and Lambda's throttles", () => {
    const custom = (name: string, label: string) => [
      METRICS_NAMESPACE,
      name,
      'service',
      'multi-square',
      { label, period: 60, stat: 'Sum' },
    ];
    expect(widget('Numbers per minute').metrics).toContainEqual(custom(CoordinatorMetric.failed, 'failed'));
    expect(widget('Squarer retries and throttles per minute').metrics).toEqual([
      custom(CoordinatorMetric.retries, 'retries (coordinator)'),
      custom(CoordinatorMetric.throttles, 'throttles seen by the coordinator'),
      ['AWS/Lambda', 'Throttles', 'FunctionName', squarer, { label: 'throttles (Lambda)', period: 60, stat: 'Sum' }],
    ]);
  });

  it("shows the squarer's concurrency and duration, and the six alarms", () => {
    expect(widget('Squarer concurrency').metrics).toEqual([
      ['AWS/Lambda', 'ConcurrentExecutions', 'FunctionName', squarer, { label: 'max concurrent executions', period: 60, stat: 'Maximum' }],
    ]);
    expect(widget('Squarer duration (ms)').metrics).toEqual([
      ['AWS/Lambda', 'Duration', 'FunctionName', squarer, { label: 'p50', period: 60, stat: 'p50' }],
      ['AWS/Lambda', 'Duration', 'FunctionName', squarer, { label: 'p99', period: 60, stat: 'p99' }],
    ]);
    expect(widget('Alarms').alarms).toHaveLength(6);
  });

  it('has a jobs row: executions started and how they ended, their duration, and how many run', () => {
    const durableId = onlyLogicalId('AWS::Lambda::Function', { DurableConfig: Match.anyValue() });
    const durable = (name: string, label: string, stat = 'Sum') => [
      'AWS/Lambda',
      name,
      'FunctionName',
      `\${{Ref:${durableId}}}`,
      { label, period: 60, stat },
    ];
    expect(widget('Jobs per minute').metrics).toEqual([
      durable('DurableExecutionStarted', 'started'),
      durable('DurableExecutionSucceeded', 'succeeded'),
      durable('DurableExecutionFailed', 'failed'),
      durable('DurableExecutionTimedOut', 'timed out'),
    ]);
    expect(widget('Job duration (ms)').metrics).toContainEqual(durable('DurableExecutionDuration', 'max', 'Maximum'));
    expect(widget('Jobs running').metrics).toEqual([durable('ApproximateRunningDurableExecutions', 'running', 'Maximum')]);
  });

  it('has a generated name, and the stack outputs its console URL', () => {
    const dashboardId = onlyLogicalId('AWS::CloudWatch::Dashboard');
    expect(templateJson.Resources[dashboardId].Properties.DashboardName).toBeUndefined();
    const url = JSON.stringify(templateJson.Outputs.DashboardUrl.Value);
    expect(url).toContain('console.aws.amazon.com/cloudwatch/home?region=');
    expect(url).toContain(`{"Ref":"${dashboardId}"}`);
  });
});

describe('tracing', () => {
  const coordinatorCodeOf = (
    json: { Resources: Record<string, { Type: string; Properties: { Timeout?: number }; Metadata?: Record<string, string> }> },
    directory: string,
  ) => {
    const coordinator = Object.values(json.Resources).find(
      (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Timeout === 28,
    );
    return readFileSync(path.join(directory, coordinator?.Metadata?.['aws:asset:path'] ?? '', 'index.mjs'), 'utf8');
  };

  it('is off by default: no tracing config, no X-Ray permission, no X-Ray SDK in the coordinator, its metrics still there', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { TracingConfig: Match.anyValue() }, 0);
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('xray:');
    const code = coordinatorCodeOf(templateJson, cdkOut);
    expect(code.includes('aws-xray-sdk')).toBe(false);
    expect(code.includes(METRICS_NAMESPACE)).toBe(true);
  });

  it('with tracing=true: active on both functions, each role may send segments, the coordinator bundles the X-Ray SDK; still nag-clean', () => {
    // The app as `cdk synth -c tracing=true -c alarmEmail=…` builds it, cdk-nag included (it
    // synthesized without a finding), once for the run (test/integration/global-setup.ts).
    const tracedJson = JSON.parse(readFileSync(path.join(cdkOutTraced, 'MultiSquare.template.json'), 'utf8'));
    const configured = Template.fromJSON(tracedJson);
    configured.resourcePropertiesCountIs('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } }, 4);
    const policies = configured.findResources('AWS::IAM::Policy');
    for (const prefix of ['SquarerRole', 'CoordinatorRole']) {
      const [, policy] = Object.entries(policies).find(([id]) => id.startsWith(prefix)) ?? [];
      // X-Ray's two write actions take no resource: the one wildcard, acknowledged in lib/multi-square-stack.ts.
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual({
        Action: [
          expect.stringMatching(/^xray:Put(TraceSegments|TelemetryRecords)$/),
          expect.stringMatching(/^xray:Put(TraceSegments|TelemetryRecords)$/),
        ],
        Effect: 'Allow',
        Resource: '*',
      });
    }
    expect(coordinatorCodeOf(tracedJson, cdkOutTraced).includes('aws-xray-sdk')).toBe(true);
    configured.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: Match.anyValue(),
    });
  });

  it.each([
    [{ tracing: 'yes' }, 'context tracing must be true or false, got "yes"'],
    [{ alarmEmail: 'oncall' }, 'context alarmEmail must be one email address such as oncall@example.com, got "oncall"'],
    [{ alarmEmail: 'a@example.com,b@example.com' }, 'context alarmEmail must be one email address'],
    [{ alarmEmail: 42 }, 'context alarmEmail must be one email address'],
  ])('fails the synth on bad context %j', (context, message) => {
    expect(() => nagCheckedStack(context)).toThrow(message);
  });
});
