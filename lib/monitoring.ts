import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { CoordinatorMetric, METRICS_NAMESPACE, SERVICE_DIMENSION, SERVICE_NAME } from '../functions/commons/metric-names';

export interface MonitoringProps {
  readonly coordinator: lambda.IFunction;
  /** The coordinator's timeout: the duration alarm fires at {@link DURATION_ALARM_FRACTION} of it. */
  readonly coordinatorTimeout: Duration;
  readonly squarer: lambda.IFunction;
  /** The durable coordinator: one execution per job. */
  readonly durableCoordinator: lambda.IFunction;
  // The class, not IHttpApi: aws-cdk-lib's types do not line up under exactOptionalPropertyTypes.
  readonly httpApi: apigwv2.HttpApi;
  /** Subscribed to the alarm topic by email when given. @default no subscription */
  readonly alarmEmail?: string;
}

/** The duration alarm's threshold, as a fraction of the coordinator's timeout. */
export const DURATION_ALARM_FRACTION = 0.8;

/**
 * What a person on call needs: six alarms on an encrypted SNS topic, and a dashboard of the
 * request rate, latency, failed numbers, retries, throttles and the squarer's concurrency and
 * duration. The README ("Operating it") says what each alarm means and what to do.
 *
 * Every alarm treats missing data as not breaching: no traffic is not an incident, and the custom
 * metrics only exist for requests that were fanned out.
 */
export class Monitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly coordinatorErrors: cloudwatch.Alarm;
  public readonly api5xx: cloudwatch.Alarm;
  public readonly squarerThrottles: cloudwatch.Alarm;
  public readonly failedNumbers: cloudwatch.Alarm;
  public readonly coordinatorDuration: cloudwatch.Alarm;
  public readonly failedJobs: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { coordinator, squarer, httpApi } = props;

    // CloudWatch can publish to an encrypted topic only with a customer managed key whose policy
    // lets it use the key (the AWS managed alias/aws/sns key does not), as AWS documents it:
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the multi-square alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        // A key policy's resource is the key itself.
        resources: ['*'],
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'multi-square alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    const fiveMinutes = Duration.minutes(5);
    const customMetric = (name: string, statistic: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { [SERVICE_DIMENSION]: SERVICE_NAME },
        statistic,
        period: fiveMinutes,
        ...(label === undefined ? {} : { label }),
      });

    // The coordinator catches every error it can and answers with a body, so a Lambda error is a
    // crash, a timeout or a failed initialisation: a bug, never load. One in a minute pages.
    this.coordinatorErrors = this.alarm('CoordinatorErrors', {
      description: 'The coordinator crashed, timed out or failed to start: see its log group.',
      metric: coordinator.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
    });

    // API Gateway's 5xx include the coordinator's own 502s (numbers failed after retries) and its
    // 500s, but also what the coordinator never sees: its invocation throttled or failed, an
    // event over 6 MB. One 502 can be a squarer hanging past a request's deadline; five in five
    // minutes is a pattern worth waking for.
    this.api5xx = this.alarm('Api5xx', {
      description: 'The API answered 5xx at least 5 times in 5 minutes: see the access log and the coordinator log.',
      metric: httpApi.metricServerError({ statistic: cloudwatch.Stats.SUM, period: fiveMinutes }),
      threshold: 5,
      evaluationPeriods: 1,
    });

    // Throttles are expected in bursts: a fan-out meets the account's concurrency limit, backs off
    // and retries (stats.throttles). Only throttling in three consecutive five-minute periods means
    // the account's concurrency is too small for the steady load.
    this.squarerThrottles = this.alarm('SquarerThrottles', {
      description: 'The squarer was throttled in each of 3 consecutive 5-minute periods: concurrency is short for the load.',
      metric: squarer.metricThrottles({ statistic: cloudwatch.Stats.SUM, period: fiveMinutes }),
      threshold: 1,
      evaluationPeriods: 3,
    });

    // A failed number is a client-visible failure after up to 6 attempts: retries did not save it.
    this.failedNumbers = this.alarm('FailedNumbers', {
      description: "Numbers failed after retries (502 answers): see the coordinator log for each item's error type.",
      metric: customMetric(CoordinatorMetric.failed, cloudwatch.Stats.SUM),
      threshold: 1,
      evaluationPeriods: 1,
    });

    // The coordinator stops fanning out 1 s before its timeout; a request that takes 80 % of it is
    // one slow wave away from DeadlineExceeded answers. The maximum, not a percentile: one such
    // request is worth knowing about.
    const durationThresholdMs = props.coordinatorTimeout.toMilliseconds() * DURATION_ALARM_FRACTION;
    this.coordinatorDuration = this.alarm('CoordinatorDurationNearTimeout', {
      description: `A coordinator invocation took ${durationThresholdMs / 1000} s or more of its ${props.coordinatorTimeout.toSeconds()} s timeout.`,
      metric: coordinator.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period: fiveMinutes }),
      threshold: durationThresholdMs,
      evaluationPeriods: 1,
    });

    // A job's execution that FAILED or TIMED_OUT is a job whose client gets no results: a crash of the
    // durable coordinator's code, bad input sent around the jobs API, or a job stuck past its
    // execution timeout. (A number that failed is not one: its job still SUCCEEDED, with the error in
    // place, and FailedNumbers does not count jobs.) Lambda publishes both per function:
    // https://docs.aws.amazon.com/lambda/latest/dg/durable-monitoring.html
    this.failedJobs = this.alarm('FailedJobs', {
      description: "A job's durable execution FAILED or TIMED_OUT: see GET /jobs/{jobId} for its error, and the durable coordinator's log.",
      metric: failedOrTimedOutJobs(props.durableCoordinator, fiveMinutes),
      threshold: 1,
      evaluationPeriods: 1,
    });

    this.dashboard = this.buildDashboard(props, customMetric);
  }

  private alarm(
    id: string,
    props: { description: string; metric: cloudwatch.IMetric; threshold: number; evaluationPeriods: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods,
      datapointsToAlarm: props.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new actions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }

  private buildDashboard(
    props: MonitoringProps,
    customMetric: (name: string, statistic: string, label?: string) => cloudwatch.Metric,
  ): cloudwatch.Dashboard {
    const { coordinator, squarer, httpApi } = props;
    const oneMinute = Duration.minutes(1);
    const apiMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: httpApi.apiId },
        statistic,
        period: oneMinute,
        label,
      });
    const perMinute = (name: string, label: string) => customMetric(name, cloudwatch.Stats.SUM, label).with({ period: oneMinute });
    const graph = (title: string, left: cloudwatch.IMetric[], unit?: string) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...(unit ? { leftYAxis: { label: unit, showUnits: false } } : {}) });

    // No dashboardName: CloudFormation generates one, and the stack outputs its URL.
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      graph('Requests per minute', [
        apiMetric('Count', cloudwatch.Stats.SUM, 'requests'),
        apiMetric('5xx', cloudwatch.Stats.SUM, '5xx'),
        apiMetric('4xx', cloudwatch.Stats.SUM, '4xx'),
      ]),
      graph(
        'API latency (ms)',
        [apiMetric('Latency', cloudwatch.Stats.p(50), 'p50'), apiMetric('Latency', cloudwatch.Stats.p(99), 'p99')],
        'ms',
      ),
      graph(
        'Coordinator duration (ms)',
        [
          coordinator.metricDuration({ statistic: cloudwatch.Stats.p(50), period: oneMinute, label: 'p50' }),
          coordinator.metricDuration({ statistic: cloudwatch.Stats.p(99), period: oneMinute, label: 'p99' }),
          coordinator.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period: oneMinute, label: 'max' }),
        ],
        'ms',
      ),
    );
    dashboard.addWidgets(
      graph('Numbers per minute', [perMinute(CoordinatorMetric.numbers, 'numbers'), perMinute(CoordinatorMetric.failed, 'failed')]),
      graph('Squarer retries and throttles per minute', [
        perMinute(CoordinatorMetric.retries, 'retries (coordinator)'),
        perMinute(CoordinatorMetric.throttles, 'throttles seen by the coordinator'),
        squarer.metricThrottles({ statistic: cloudwatch.Stats.SUM, period: oneMinute, label: 'throttles (Lambda)' }),
      ]),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [this.coordinatorErrors, this.api5xx, this.squarerThrottles, this.failedNumbers, this.coordinatorDuration, this.failedJobs],
        width: 8,
        height: 6,
      }),
    );
    dashboard.addWidgets(
      // Lambda emits ConcurrentExecutions for every function; MAX is the statistic to read it with:
      // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html
      graph('Squarer concurrency', [
        new cloudwatch.Metric({
          namespace: 'AWS/Lambda',
          metricName: 'ConcurrentExecutions',
          dimensionsMap: { FunctionName: squarer.functionName },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: oneMinute,
          label: 'max concurrent executions',
        }),
      ]),
      graph(
        'Squarer duration (ms)',
        [
          squarer.metricDuration({ statistic: cloudwatch.Stats.p(50), period: oneMinute, label: 'p50' }),
          squarer.metricDuration({ statistic: cloudwatch.Stats.p(99), period: oneMinute, label: 'p99' }),
        ],
        'ms',
      ),
      graph(
        'Fan-out duration per request (ms)',
        [
          customMetric(CoordinatorMetric.durationMs, cloudwatch.Stats.p(50), 'p50').with({ period: oneMinute }),
          customMetric(CoordinatorMetric.durationMs, cloudwatch.Stats.p(99), 'p99').with({ period: oneMinute }),
        ],
        'ms',
      ),
    );
    // The jobs row: executions started and how they ended, how long they ran, and how many run now.
    const durable = (metricName: string, statistic: string, label: string) =>
      durableMetric(props.durableCoordinator, metricName, statistic, oneMinute, label);
    dashboard.addWidgets(
      graph('Jobs per minute', [
        durable('DurableExecutionStarted', cloudwatch.Stats.SUM, 'started'),
        durable('DurableExecutionSucceeded', cloudwatch.Stats.SUM, 'succeeded'),
        durable('DurableExecutionFailed', cloudwatch.Stats.SUM, 'failed'),
        durable('DurableExecutionTimedOut', cloudwatch.Stats.SUM, 'timed out'),
      ]),
      graph(
        'Job duration (ms)',
        [
          durable('DurableExecutionDuration', cloudwatch.Stats.p(50), 'p50'),
          durable('DurableExecutionDuration', cloudwatch.Stats.MAXIMUM, 'max'),
        ],
        'ms',
      ),
      graph('Jobs running', [durable('ApproximateRunningDurableExecutions', cloudwatch.Stats.MAXIMUM, 'running')]),
    );
    return dashboard;
  }
}

function durableMetric(fn: lambda.IFunction, metricName: string, statistic: string, period: Duration, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { FunctionName: fn.functionName },
    statistic,
    period,
    ...(label === undefined ? {} : { label }),
  });
}

/** Executions of `fn` that ended FAILED or TIMED_OUT: one figure, so that one alarm covers both. */
function failedOrTimedOutJobs(fn: lambda.IFunction, period: Duration): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
    usingMetrics: {
      failed: durableMetric(fn, 'DurableExecutionFailed', cloudwatch.Stats.SUM, period),
      timedOut: durableMetric(fn, 'DurableExecutionTimedOut', cloudwatch.Stats.SUM, period),
    },
    label: 'failed or timed-out jobs',
    period,
  });
}
