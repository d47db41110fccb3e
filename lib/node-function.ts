import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NodeFunctionProps extends Omit<NodejsFunctionProps, 'role' | 'logGroup' | 'runtime' | 'architecture'> {
  /** The handler's source file. */
  readonly entry: string;
  /** How long the function's log is kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Whether Node loads the bundle's source map at start (`--enable-source-maps`), so stack traces
   * point at the TypeScript. It costs load time in proportion to the bundle's size.
   * @default true
   */
  readonly enableSourceMaps?: boolean;
}

/**
 * A Node.js Lambda function with this project's defaults fixed in one place: nodejs24.x on arm64,
 * bundled by esbuild (minified, with source maps), an explicit log group with retention, and a role
 * of its own that may write to that log group and do nothing else until granted more.
 */
export class NodeFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const { logRetention = logs.RetentionDays.ONE_MONTH, enableSourceMaps = true, bundling, environment, ...functionProps } = props;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of our own rather than the AWSLambdaBasicExecutionRole managed policy, which may
    // write to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Writes its function's own log group; other permissions are granted explicitly",
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(3),
      ...functionProps,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.TEXT,
      environment: {
        ...(enableSourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node24',
        format: OutputFormat.CJS,
        // esbuild's warnings and errors, not its per-file size summary on every synth (the bundle
        // sizes are in the bench report).
        logLevel: LogLevel.WARNING,
        ...bundling,
      },
    });
  }
}
