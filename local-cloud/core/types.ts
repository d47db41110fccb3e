import { LocalCloudError } from './errors';
/**
 * The shapes the local cloud works with: what it reads from a synthesized cloud assembly
 * (`cdk.out`), and the contract between the local HTTP API and the local Lambda service.
 * Nothing here knows about squaring: any stack of Node.js functions behind an HTTP API fits.
 */

/** One `AWS::Lambda::Function` of the assembly, with intrinsics resolved to local names. */
export interface FunctionDefinition {
  /** CloudFormation logical ID, e.g. `Squarer4A1B2C3D`. */
  readonly logicalId: string;
  /** The stack that holds it. */
  readonly stackName: string;
  /** The construct path (`aws:cdk:path` metadata, e.g. `MultiSquare/Squarer/Function/Resource`), when the assembly has it. */
  readonly constructPath?: string;
  /** Local physical name, `${stackName}-${logicalId}` (AWS would add a random suffix). */
  readonly name: string;
  /** `arn:aws:lambda:${region}:${account}:function:${name}` */
  readonly arn: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  /**
   * Absolute path of the bundled asset directory in `cdk.out`: the code `cdk deploy` uploads. For
   * inline code, the directory its `index.js` is written to when the stack starts.
   */
  readonly codeDirectory: string;
  /** The template's inline code (`Code.ZipFile`), which Lambda runs as `index.js`. */
  readonly inlineCode?: string;
  /** e.g. `nodejs24.x`. */
  readonly runtime: string;
  /** `arm64` or `x86_64`. */
  readonly architecture: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  /** The function's own environment variables, intrinsics resolved (Ref of a function gives its local name). */
  readonly environment: Readonly<Record<string, string>>;
  /** `ReservedConcurrentExecutions`, when set. */
  readonly reservedConcurrency?: number;
  /** `/aws/lambda/${name}`, or the name of the explicit log group the function is configured with. */
  readonly logGroupName: string;
  /** `LoggingConfig` format and levels (Text when not set). */
  readonly loggingConfig?: FunctionLoggingConfig;
  /** Its `AWS::Lambda::EventInvokeConfig` for `$LATEST`, when it has one. */
  readonly asyncInvokeConfig?: AsyncInvokeConfig;
  /** Numbers of its published versions (`AWS::Lambda::Version`), `['1', '2']`, in template order. */
  readonly versions?: readonly string[];
  /** Its aliases (`AWS::Lambda::Alias`): name → the version it points at (a number or `$LATEST`). */
  readonly aliases?: Readonly<Record<string, string>>;
  /** `DurableConfig`, for a durable function. */
  readonly durableConfig?: DurableConfig;
}

/**
 * A durable function's settings (`AWS::Lambda::Function.DurableConfig`).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-lambda-function-durableconfig.html
 */
export interface DurableConfig {
  /** `ExecutionTimeout`: 1 to 31 622 400 seconds. */
  readonly executionTimeoutSeconds: number;
  /** `RetentionPeriodInDays`: 1 to 90, 14 when not set. */
  readonly retentionPeriodDays: number;
}

/**
 * A function's own settings for `Event` invocations (`AWS::Lambda::EventInvokeConfig`): where set,
 * they win over the service-wide ones, as Lambda's defaults give way to a function's configuration.
 * Destinations are not here: the local cloud does not emulate them.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html
 */
export interface AsyncInvokeConfig {
  /** `MaximumRetryAttempts`: retries after a function error, 0 to 2. */
  readonly maximumRetryAttempts?: number;
  /** `MaximumEventAgeInSeconds`: 60 to 21 600 on AWS. */
  readonly maximumEventAgeSeconds?: number;
}

/** `AWS::Lambda::Function.LoggingConfig` without the log group. */
export interface FunctionLoggingConfig {
  readonly logFormat: 'Text' | 'JSON';
  /** JSON only; INFO when not set. */
  readonly applicationLogLevel?: string;
  /** JSON only; INFO when not set. */
  readonly systemLogLevel?: string;
}

export type AuthorizationType = 'NONE' | 'AWS_IAM' | 'JWT' | 'CUSTOM';

/** One `AWS::ApiGatewayV2::Route` of an HTTP API with a Lambda proxy integration. */
export interface RouteDefinition {
  /** e.g. `POST /square`, `ANY /items/{id}`, `GET /{proxy+}` or `$default`. */
  readonly routeKey: string;
  readonly authorizationType: AuthorizationType;
  readonly integration: {
    /** Local name of the function the integration invokes. */
    readonly functionName: string;
    readonly payloadFormatVersion: '1.0' | '2.0';
    /** HTTP API default and maximum: 30 000 ms. */
    readonly timeoutMs: number;
  };
}

/** One `AWS::ApiGatewayV2::Api` with protocol HTTP. */
export interface HttpApiDefinition {
  readonly logicalId: string;
  readonly stackName: string;
  readonly name: string;
  /** A local API ID (10 lower-case alphanumerics, derived from the logical ID). */
  readonly apiId: string;
  readonly routes: readonly RouteDefinition[];
  /** `$default` for an auto-deployed default stage. */
  readonly stageName: string;
  /** Stage default route throttling, when set. */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
}

export interface CloudAssemblyDefinition {
  readonly region: string;
  readonly accountId: string;
  readonly functions: readonly FunctionDefinition[];
  readonly httpApis: readonly HttpApiDefinition[];
}

/** What an invocation gave, as the Invoke API would report it. */
export interface InvokeOutcome {
  /** The invocation's awsRequestId, also the `x-amzn-RequestId` of the Invoke response. */
  readonly requestId: string;
  /** The function's response, or for a function error the `{errorType, errorMessage, trace}` document. */
  readonly payload: Buffer;
  /** Set when the function failed: `Unhandled` (as the Node.js runtime reports all errors). */
  readonly functionError?: 'Unhandled' | 'Handled';
  /** The last 4 KB of the invocation's log, when asked for (`LogType: Tail`). */
  readonly logTail?: string;
  readonly executedVersion: string;
}

/**
 * An error of the Lambda service itself (not of the function), with the code, HTTP status and
 * message the Invoke API answers with, e.g. `TooManyRequestsException` 429.
 */
export class LambdaServiceError extends LocalCloudError {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    /** Extra members of the error body, e.g. `{ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }`. */
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** The local Lambda service as the HTTP API integration sees it. */
export interface LambdaInvoker {
  /** `traceId`: the X-Ray trace header to hand the function (`_X_AMZN_TRACE_ID`), as API Gateway passes its `X-Amzn-Trace-Id`. */
  invoke(
    functionName: string,
    payload: Buffer,
    options?: { readonly signal?: AbortSignal; readonly traceId?: string },
  ): Promise<InvokeOutcome>;
}
