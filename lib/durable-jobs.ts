import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DurableCoordinatorEnv, JobsEnv } from '../functions/commons/config';
import { MAX_JOB_NUMBERS_LIMIT } from '../functions/commons/job-limits';
import { NodeFunction } from './node-function';

const functionsDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'functions');

/**
 * How long one job may run before Lambda ends it TIMED_OUT (which the jobs alarm reports). A job of
 * the largest size is a few minutes of squarer time at the default concurrency; an hour leaves room
 * for throttling without letting a stuck job linger.
 */
export const JOB_EXECUTION_TIMEOUT = Duration.hours(1);
/** How long a finished job stays readable at `GET /jobs/{jobId}` (Lambda keeps its execution that long). */
export const JOB_RETENTION = Duration.days(7);
/**
 * One invocation of the durable coordinator: a replay of up to 25,000 checkpointed operations and
 * the start of the next wave of chained invokes. The execution's own limit is {@link JOB_EXECUTION_TIMEOUT}.
 */
const DURABLE_COORDINATOR_TIMEOUT = Duration.minutes(5);
/**
 * The jobs handler answers from up to 5 Invokes in turn (one per execution of a job), or up to 3 reads
 * of the durable execution APIs per execution, made at once.
 */
const JOBS_HANDLER_TIMEOUT = Duration.seconds(10);

export interface DurableJobsProps {
  /** The squarer: each number is one chained invoke of its version {@link DurableJobs.squarerVersion}. */
  readonly squarer: lambda.Function;
  /**
   * Most numbers in one durable execution; the jobs API splits a job into up to
   * 5 of them (`JOB_MAX_EXECUTIONS`). @default {@link MAX_JOB_NUMBERS_LIMIT}, also the most
   */
  readonly maxNumbers?: number;
  /** Most chained invokes of one job in flight. @default 100 */
  readonly maxConcurrency?: number;
  /** @default lambda.Tracing.DISABLED */
  readonly tracing?: lambda.Tracing;
}

/**
 * The jobs path beside the direct one: the durable coordinator (a durable function, run through its
 * alias), the jobs handler that starts and reads its executions, and the permissions each needs and
 * nothing more. The stack routes `POST /jobs` and `GET /jobs/{jobId}` to {@link jobsHandler}.
 */
export class DurableJobs extends Construct {
  // Construct IDs name neither "Coordinator" nor "Squarer", so that `npm run invoke -- Coordinator`
  // still means the direct coordinator alone (the local cloud picks a function by a part of its name).
  public readonly coordinator: NodeFunction;
  /** Jobs start here: a durable function is invoked by a qualified ARN. */
  public readonly coordinatorAlias: lambda.Alias;
  /** The squarer's version the chained invokes name, so a job's squarers do not change under it. */
  // The class, not IVersion: aws-cdk-lib's types do not line up under exactOptionalPropertyTypes.
  public readonly squarerVersion: lambda.Version;
  public readonly jobsHandler: NodeFunction;

  constructor(scope: Construct, id: string, props: DurableJobsProps) {
    super(scope, id);
    const { maxNumbers = MAX_JOB_NUMBERS_LIMIT, maxConcurrency = 100, tracing = lambda.Tracing.DISABLED } = props;
    // Misuse fails the synth, not the first job.
    if (!Number.isSafeInteger(maxNumbers) || maxNumbers < 1 || maxNumbers > MAX_JOB_NUMBERS_LIMIT) {
      throw new Error(`DurableJobs maxNumbers must be an integer from 1 to ${MAX_JOB_NUMBERS_LIMIT}, got ${maxNumbers}`);
    }
    const bundling = {
      // The SDK we test is the SDK we deploy; its ES module builds tree-shake far better.
      bundleAwsSDK: true,
      mainFields: ['module', 'main'],
    };

    this.squarerVersion = props.squarer.currentVersion;
    this.coordinator = new NodeFunction(this, 'DurableFanOut', {
      entry: path.join(functionsDirectory, 'durable-coordinator.ts'),
      description: 'A job as a durable execution: one chained invoke of the squarer per number',
      memorySize: 1024,
      timeout: DURABLE_COORDINATOR_TIMEOUT,
      tracing,
      durableConfig: { executionTimeout: JOB_EXECUTION_TIMEOUT, retentionPeriod: JOB_RETENTION },
      environment: {
        [DurableCoordinatorEnv.maxNumbers]: String(maxNumbers),
        [DurableCoordinatorEnv.maxConcurrency]: String(maxConcurrency),
      },
      bundling,
    });
    Validations.of(this.coordinator.function).acknowledge({
      id: 'Annotation::aws-lambda:Function.DurableConfig',
      reason: 'The durable coordinator is durable from its first deployment: no existing function is replaced',
    });
    // On its current version: a deployment that changes the code publishes a version and moves the alias.
    this.coordinatorAlias = this.coordinator.function.addAlias('live');
    // Every version's executions: their ARNs extend the function's, qualified by the version.
    // https://docs.aws.amazon.com/lambda/latest/dg/durable-security.html
    const executionsArn = `${this.coordinator.function.functionArn}:*`;

    // Grant and wire together: checkpoints of its own executions, and chained invokes of the squarer's version.
    // A policy of its own, not the role's default one: the function waits for its default policy,
    // and this statement names the function, which would make a cycle.
    new iam.Policy(this, 'DurableFanOutCheckpoints', {
      roles: [this.coordinator.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'],
          resources: [executionsArn],
        }),
      ],
    });
    this.coordinator.function.addEnvironment(DurableCoordinatorEnv.squarerFunction, this.squarerVersion.functionArn);
    this.coordinator.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.squarerVersion.functionArn] }),
    );

    this.jobsHandler = new NodeFunction(this, 'Api', {
      entry: path.join(functionsDirectory, 'jobs.ts'),
      description: 'POST /jobs starts up to 5 durable coordinator executions; GET /jobs/{jobId} joins them',
      memorySize: 1024,
      timeout: JOBS_HANDLER_TIMEOUT,
      tracing,
      environment: { [JobsEnv.maxNumbers]: String(maxNumbers) },
      bundling,
    });
    this.jobsHandler.function.addEnvironment(JobsEnv.coordinatorAlias, this.coordinatorAlias.functionArn);
    this.jobsHandler.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.coordinatorAlias.functionArn] }),
    );
    this.jobsHandler.function.addEnvironment(JobsEnv.coordinatorName, this.coordinator.function.functionName);
    this.jobsHandler.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:ListDurableExecutionsByFunction'],
        resources: [this.coordinator.function.functionArn],
      }),
    );
    this.jobsHandler.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:GetDurableExecution', 'lambda:GetDurableExecutionHistory'],
        resources: [executionsArn],
      }),
    );

    const coordinatorLogicalId = Stack.of(this).getLogicalId(this.coordinator.function.node.defaultChild as lambda.CfnFunction);
    for (const scope of [this.node.findChild('DurableFanOutCheckpoints'), this.jobsHandler.role]) {
      Validations.of(scope).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${coordinatorLogicalId}.Arn>:*]`,
        reason:
          "Durable execution ARNs extend the coordinator's ARN by version and execution (function:name:version/durable-execution/...): ':*' is every execution of this one function, as AWS documents for the durable APIs (https://docs.aws.amazon.com/lambda/latest/dg/durable-security.html)",
      });
    }
  }
}
