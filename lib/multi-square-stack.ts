import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CoordinatorEnv } from '../functions/commons/config';
import { type MultiSquareConfig, readConfig } from './config';
import { DurableJobs } from './durable-jobs';
import { Monitoring } from './monitoring';
import { NodeFunction } from './node-function';

const functionsDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'functions');

/**
 * The coordinator's timeout. API Gateway's HTTP API gives an integration 30 s at most; the
 * coordinator stops starting invocations 1 s before its own timeout and answers, so the client
 * always gets a body, never a gateway timeout.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
 */
const COORDINATOR_TIMEOUT = Duration.seconds(28);
/**
 * The squarer's timeout. Squaring takes microseconds and a cold start well under a second; a few
 * seconds bound a stuck environment, which the coordinator then retries in a fresh one.
 */
const SQUARER_TIMEOUT = Duration.seconds(5);

export interface MultiSquareStackProps extends StackProps {
  /** @default read from CDK context, see lib/config.ts */
  readonly config?: MultiSquareConfig;
}

/** The coordinator behind an HTTP API, and the squarer it fans out to. */
export class MultiSquareStack extends Stack {
  public readonly squarer: NodeFunction;
  public readonly coordinator: NodeFunction;
  public readonly jobs: DurableJobs;
  public readonly httpApi: apigwv2.HttpApi;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: MultiSquareStackProps = {}) {
    super(scope, id, props);
    const config = props.config ?? readConfig(this.node);
    // X-Ray active tracing on both functions; HTTP APIs have no X-Ray integration (only REST APIs
    // do), so a trace starts at the coordinator:
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html
    const tracing = config.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED;

    this.squarer = new NodeFunction(this, 'Squarer', {
      entry: path.join(functionsDirectory, 'squarer.ts'),
      description: 'Squares one number; its request ID is its process name',
      memorySize: config.squarerMemoryMb,
      timeout: SQUARER_TIMEOUT,
      tracing,
      bundling: {
        // The squarer uses no AWS SDK: keep it out of the bundle entirely.
        externalModules: ['@aws-sdk/*'],
      },
    });

    this.coordinator = new NodeFunction(this, 'Coordinator', {
      entry: path.join(functionsDirectory, 'coordinator.ts'),
      description: 'Fans a request out to one squarer invocation per number and waits for all',
      // Its CPU share follows its memory, and its fan-out is CPU-bound: see lib/config.ts.
      memorySize: config.coordinatorMemoryMb,
      timeout: COORDINATOR_TIMEOUT,
      tracing,
      environment: {
        [CoordinatorEnv.maxNumbers]: String(config.maxNumbers),
        [CoordinatorEnv.maxConcurrency]: String(config.maxConcurrency),
        [CoordinatorEnv.deadlineMarginMs]: '1000',
      },
      bundling: {
        // Bundle the SDK we test with, rather than the runtime's copy: the SDK we test is the SDK we deploy.
        bundleAwsSDK: true,
        // The SDK's ES module builds tree-shake far better than its CommonJS ones (575 KB then; the
        // bundle and its load time today are in bench/REPORT.md, part 3).
        mainFields: ['module', 'main'],
        // An ES module (index.mjs), so that INIT waits for the client's preparation, a top-level
        // await (functions/coordinator.ts); `require` for the CommonJS packages bundled in it.
        format: OutputFormat.ESM,
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        // On Lambda, credentials come from the environment: the SDK's full provider chain only
        // adds load time (functions/commons/lambda-credentials.ts).
        esbuildArgs: {
          '--alias:@aws-sdk/credential-provider-node': path.join(functionsDirectory, 'commons', 'lambda-credentials.ts'),
          // Tracing off: no X-Ray SDK in the bundle (functions/commons/tracer.ts).
          ...(config.tracing
            ? {}
            : { '--alias:@aws-lambda-powertools/tracer': path.join(functionsDirectory, 'commons', 'tracer-disabled.ts') }),
        },
      },
      // Source maps stay in the asset, but Node does not load them at start: that costs the
      // coordinator ~15 ms of every cold start (bench/REPORT.md, part 3). Map a stack trace with
      // the shipped index.js.map, or set NODE_OPTIONS=--enable-source-maps while debugging.
      enableSourceMaps: false,
    });

    // Grant and wire together: the coordinator learns the squarer's name and may invoke it, and
    // only it (the unqualified ARN: no other versions or aliases).
    this.coordinator.function.addEnvironment(CoordinatorEnv.squarerFunctionName, this.squarer.function.functionName);
    this.coordinator.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.squarer.function.functionArn],
      }),
    );

    // The jobs path beside the direct one: each job one durable execution (lib/durable-jobs.ts, docs/jobs.md).
    this.jobs = new DurableJobs(this, 'Jobs', {
      squarer: this.squarer.function,
      maxNumbers: config.jobMaxNumbers,
      maxConcurrency: config.jobMaxConcurrency,
      tracing,
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'multi-square: POST /square, POST /jobs, GET /jobs/{jobId}',
      createDefaultStage: false,
    });
    this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // The fields of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            user: '$context.identity.user',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            integrationError: '$context.integrationErrorMessage',
            integrationLatency: '$context.integrationLatency',
          }),
        ),
      },
    });

    const authorizer = () => (config.authMode === 'iam' ? new HttpIamAuthorizer() : new apigwv2.HttpNoneAuthorizer());
    this.httpApi.addRoutes({
      path: '/square',
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('CoordinatorIntegration', this.coordinator.function),
      authorizer: authorizer(),
    });
    const jobsIntegration = new HttpLambdaIntegration('JobsIntegration', this.jobs.jobsHandler.function);
    this.httpApi.addRoutes({ path: '/jobs', methods: [apigwv2.HttpMethod.POST], integration: jobsIntegration, authorizer: authorizer() });
    this.httpApi.addRoutes({
      path: '/jobs/{jobId}',
      methods: [apigwv2.HttpMethod.GET],
      integration: jobsIntegration,
      authorizer: authorizer(),
    });

    if (config.authMode === 'none') {
      Validations.of(this.httpApi).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'authMode=none was chosen explicitly in context, for a public demo API',
      });
    }

    if (config.tracing) {
      for (const fn of [this.squarer, this.coordinator, this.jobs.coordinator, this.jobs.jobsHandler]) {
        Validations.of(fn.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html)',
        });
      }
    }

    this.monitoring = new Monitoring(this, 'Monitoring', {
      coordinator: this.coordinator.function,
      coordinatorTimeout: COORDINATOR_TIMEOUT,
      squarer: this.squarer.function,
      durableCoordinator: this.jobs.coordinator.function,
      httpApi: this.httpApi,
      ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.apiEndpoint, description: 'POST {ApiUrl}/square' });
    new CfnOutput(this, 'CoordinatorFunctionName', { value: this.coordinator.function.functionName });
    new CfnOutput(this, 'SquarerFunctionName', { value: this.squarer.function.functionName });
    new CfnOutput(this, 'DurableCoordinatorFunctionName', { value: this.jobs.coordinator.function.functionName });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
      description: 'The CloudWatch dashboard: request rate, latency, failed numbers, retries, throttles, squarer concurrency and duration',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.alarmTopic.topicArn,
      description: 'Subscribe to it to receive the alarms',
    });
  }
}
