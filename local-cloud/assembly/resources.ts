/**
 * The resources the local cloud runs, read from a stack's template: Lambda functions (with where
 * their code is), their EventInvokeConfigs, and HTTP APIs with their routes and integrations.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { reservedKeysRefusal } from '../core/reserved-variables';
import type {
  AsyncInvokeConfig,
  AuthorizationType,
  DurableConfig,
  FunctionDefinition,
  HttpApiDefinition,
  RouteDefinition,
} from '../core/types';
import { readFunctionQualifiers } from './function-versions';
import {
  functionArn,
  localPhysicalName,
  type ResolutionContext,
  resolveRef,
  resolveString,
  resolveWithLocation,
  UnresolvableValueError,
} from './intrinsics';
import { readLoggingConfig } from './logging-config';
import { isRecord, resourcesOfType, type TemplateResource, type TemplateValue } from './manifest';

/** CloudFormation's defaults for `AWS::Lambda::Function` MemorySize and Timeout. */
const DEFAULT_MEMORY_SIZE_MB = 128;
const DEFAULT_TIMEOUT_SECONDS = 3;
/** HTTP API integration default (and maximum) timeout. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000;

function optionalNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : fallback;
}

/**
 * Where the function's code is: the `aws:asset:path` metadata the CDK CLI asks for, else the asset
 * manifest entry whose object key is the function's `Code.S3Key`, else inline `ZipFile` code.
 * https://docs.aws.amazon.com/cdk/v2/guide/assets.html
 */
function codeOf(
  context: ResolutionContext,
  logicalId: string,
  resource: TemplateResource,
): Pick<FunctionDefinition, 'codeDirectory' | 'inlineCode'> {
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath === 'string') return { codeDirectory: path.resolve(context.stack.assemblyDirectory, assetPath) };
  const code = resource.Properties?.Code;
  if (isRecord(code) && code.S3Key !== undefined) {
    const objectKey = resolveWithLocation(context, code.S3Key, `${logicalId}.Code.S3Key`);
    const directory = context.stack.assetDirectoriesByObjectKey.get(objectKey);
    if (directory !== undefined) return { codeDirectory: directory };
  }
  if (isRecord(code) && typeof code.ZipFile === 'string') {
    // Inline code (CloudFormation writes it to index.js): its directory is named here, beside the
    // assembly and never a shared temporary path, and written when the stack starts (inline-code.ts).
    const codeDirectory = path.join(
      context.stack.assemblyDirectory,
      `inline-code.${createHash('sha256').update(code.ZipFile).digest('hex').slice(0, 16)}`,
    );
    return { codeDirectory, inlineCode: code.ZipFile };
  }
  throw new Error(`Function ${logicalId} of stack ${context.stack.stackName}: cannot find its code in the assembly`);
}

export function readFunctions(context: ResolutionContext): FunctionDefinition[] {
  return resourcesOfType(context.stack.template, 'AWS::Lambda::Function').map(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    const name = resolveRef(context, logicalId) ?? localPhysicalName(context.stack.stackName, logicalId);
    const variables =
      isRecord(properties.Environment) && isRecord(properties.Environment.Variables) ? properties.Environment.Variables : {};
    const environment = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [
        key,
        resolveWithLocation(context, value, `${logicalId}.Environment.Variables.${key}`),
      ]),
    );
    // As CreateFunction would: such a template never deploys.
    const refusal = reservedKeysRefusal(Object.keys(environment));
    if (refusal !== undefined) throw new Error(`Function ${logicalId} of stack ${context.stack.stackName}: ${refusal}`);
    const loggingConfig = isRecord(properties.LoggingConfig) ? properties.LoggingConfig : {};
    const logGroupName =
      loggingConfig.LogGroup === undefined
        ? `/aws/lambda/${name}`
        : resolveWithLocation(context, loggingConfig.LogGroup, `${logicalId}.LoggingConfig.LogGroup`);
    const architectures = Array.isArray(properties.Architectures) ? properties.Architectures : [];
    const reserved = properties.ReservedConcurrentExecutions;
    const constructPath = resource.Metadata?.['aws:cdk:path'];
    return {
      logicalId,
      stackName: context.stack.stackName,
      ...(typeof constructPath === 'string' ? { constructPath } : {}),
      name,
      arn: functionArn(context, name),
      handler: typeof properties.Handler === 'string' ? properties.Handler : 'index.handler',
      ...codeOf(context, logicalId, resource),
      runtime: typeof properties.Runtime === 'string' ? properties.Runtime : 'provided',
      architecture: typeof architectures[0] === 'string' ? architectures[0] : 'x86_64',
      memorySizeMb: optionalNumber(properties.MemorySize, DEFAULT_MEMORY_SIZE_MB),
      timeoutSeconds: optionalNumber(properties.Timeout, DEFAULT_TIMEOUT_SECONDS),
      environment,
      ...(reserved === undefined ? {} : { reservedConcurrency: optionalNumber(reserved, 0) }),
      logGroupName,
      loggingConfig: readLoggingConfig(loggingConfig, logicalId),
      ...optionalDurableConfig(context, logicalId, properties.DurableConfig),
    };
  });
}

/**
 * `DurableConfig` within the bounds CloudFormation validates (ExecutionTimeout 1 to 31 622 400 s,
 * RetentionPeriodInDays 1 to 90, 14 when not set). KMSKeyArn has no local meaning.
 */
function optionalDurableConfig(context: ResolutionContext, logicalId: string, value: TemplateValue): { durableConfig?: DurableConfig } {
  if (!isRecord(value)) return {};
  const { ExecutionTimeout: timeout, RetentionPeriodInDays: retention } = value;
  return {
    durableConfig: {
      executionTimeoutSeconds: integerProperty(context, timeout, `${logicalId}.DurableConfig.ExecutionTimeout`, 1, 31_622_400),
      retentionPeriodDays:
        retention === undefined ? 14 : integerProperty(context, retention, `${logicalId}.DurableConfig.RetentionPeriodInDays`, 1, 90),
    },
  };
}

/** The stack's functions with the versions and aliases its template publishes for them (function-versions.ts). */
export function withQualifiers(
  context: ResolutionContext,
  functions: readonly FunctionDefinition[],
  warn: (message: string) => void,
): FunctionDefinition[] {
  const qualifiers = readFunctionQualifiers(
    context.stack.template.Resources ?? {},
    new Set(functions.map((definition) => definition.name)),
    (value, location) => resolveWithLocation(context, value as TemplateValue, location),
    (message) => warn(`stack ${context.stack.stackName}: ${message}`),
  );
  return functions.map((definition) => {
    const found = qualifiers.get(definition.name);
    return found === undefined ? definition : { ...definition, versions: found.versions, aliases: found.aliases };
  });
}

/** An integer property within the bounds CloudFormation validates, as a deployment would refuse it otherwise. */
function integerProperty(context: ResolutionContext, value: TemplateValue, location: string, min: number, max: number): number {
  const text = resolveWithLocation(context, value, location);
  const number = Number(text);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(
      `${location} of stack ${context.stack.stackName} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return number;
}

/**
 * The stack's `AWS::Lambda::EventInvokeConfig`s for `$LATEST` of a function of the assembly, as
 * `[function name, config]`. The local cloud applies Event settings to `$LATEST` only: a config of a version or alias
 * is ignored, and a destination is not emulated; each is said in a warning. A config whose
 * FunctionName is not a function of the assembly configures nothing served locally.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html
 */
export function readEventInvokeConfigs(
  context: ResolutionContext,
  functions: readonly FunctionDefinition[],
  warn: (message: string) => void,
): [string, AsyncInvokeConfig][] {
  const configs: [string, AsyncInvokeConfig][] = [];
  for (const [logicalId, resource] of resourcesOfType(context.stack.template, 'AWS::Lambda::EventInvokeConfig')) {
    const properties = resource.Properties ?? {};
    const where = `EventInvokeConfig ${logicalId} of stack ${context.stack.stackName}`;
    let functionName: string;
    try {
      functionName = resolveString(context, properties.FunctionName);
    } catch (error) {
      if (!(error instanceof UnresolvableValueError)) throw error;
      warn(`${where} is ignored: its FunctionName cannot be resolved locally (${error.message})`);
      continue;
    }
    const target = functionForIntegrationUri(functionName, functions);
    if (target === undefined) continue;
    const qualifier = resolveWithLocation(context, properties.Qualifier, `${logicalId}.Qualifier`);
    if (qualifier !== '$LATEST') {
      warn(`${where} is ignored: it configures ${target.name}:${qualifier}, and the local cloud serves $LATEST only`);
      continue;
    }
    const destinationConfig = isRecord(properties.DestinationConfig) ? properties.DestinationConfig : {};
    const destinations = ['OnFailure', 'OnSuccess'].filter((key) => destinationConfig[key] !== undefined);
    if (destinations.length > 0) {
      warn(
        `${target.name} has ${destinations.join(' and ')} destinations (${where}): destinations are not emulated locally, ` +
          'nothing is sent to them; a discarded event still gets its EVENT DISCARDED line',
      );
    }
    const { MaximumRetryAttempts: retries, MaximumEventAgeInSeconds: age } = properties;
    configs.push([
      target.name,
      {
        ...(retries === undefined
          ? {}
          : { maximumRetryAttempts: integerProperty(context, retries, `${logicalId}.MaximumRetryAttempts`, 0, 2) }),
        ...(age === undefined
          ? {}
          : { maximumEventAgeSeconds: integerProperty(context, age, `${logicalId}.MaximumEventAgeInSeconds`, 60, 21_600) }),
      },
    ]);
  }
  return configs;
}

/** A stable 10-character lower-case alphanumeric API ID, like API Gateway's, derived from the logical ID. */
function localApiId(stackName: string, logicalId: string): string {
  const digest = createHash('sha256').update(`${stackName}/${logicalId}`).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(digest.subarray(0, 10), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** The logical ID an `ApiId: {Ref: X}` property points at. */
function referencedLogicalId(value: unknown): string | undefined {
  return isRecord(value) && typeof value.Ref === 'string' ? value.Ref : undefined;
}

/** Finds the function an integration URI names: its ARN, an ARN with a qualifier, or an apigateway `.../functions/<arn>/invocations` URI. */
function functionForIntegrationUri(uri: string, functions: readonly FunctionDefinition[]): FunctionDefinition | undefined {
  return functions.find(
    (candidate) =>
      uri === candidate.arn || uri === candidate.name || new RegExp(`:function:${escapeRegExp(candidate.name)}(?:$|[:/])`).test(uri),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function readHttpApis(context: ResolutionContext, functions: readonly FunctionDefinition[]): HttpApiDefinition[] {
  const template = context.stack.template;
  const apis = resourcesOfType(template, 'AWS::ApiGatewayV2::Api').filter(([, resource]) => resource.Properties?.ProtocolType === 'HTTP');
  return apis.map(([apiLogicalId, apiResource]) => {
    const belongsToApi = ([, resource]: [string, TemplateResource]) => referencedLogicalId(resource.Properties?.ApiId) === apiLogicalId;
    const integrations = new Map(resourcesOfType(template, 'AWS::ApiGatewayV2::Integration').filter(belongsToApi));
    const routes: RouteDefinition[] = [];
    for (const [routeLogicalId, route] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route').filter(belongsToApi)) {
      const properties = route.Properties ?? {};
      if (properties.Target === undefined) continue;
      const target = resolveWithLocation(context, properties.Target, `${routeLogicalId}.Target`);
      // Target is `integrations/<Ref of the integration>`: match it against each integration's Ref.
      const integrationLogicalId = [...integrations.keys()].find(
        (logicalId) => target === `integrations/${resolveRef(context, logicalId)}`,
      );
      if (integrationLogicalId === undefined) continue;
      const integration = integrations.get(integrationLogicalId)?.Properties ?? {};
      // Only Lambda proxy integrations run locally; HTTP proxies and service integrations are left out.
      if (integration.IntegrationType !== 'AWS_PROXY' || integration.IntegrationUri === undefined) continue;
      const uri = resolveWithLocation(context, integration.IntegrationUri, `${integrationLogicalId}.IntegrationUri`);
      const targetFunction = functionForIntegrationUri(uri, functions);
      if (targetFunction === undefined) {
        throw new Error(
          `Integration ${integrationLogicalId} of stack ${context.stack.stackName} targets ${uri}, which is not a function of the assembly`,
        );
      }
      const payloadFormatVersion = integration.PayloadFormatVersion === '1.0' ? '1.0' : '2.0';
      routes.push({
        routeKey: resolveWithLocation(context, properties.RouteKey, `${routeLogicalId}.RouteKey`),
        authorizationType: (typeof properties.AuthorizationType === 'string' ? properties.AuthorizationType : 'NONE') as AuthorizationType,
        integration: {
          functionName: targetFunction.name,
          payloadFormatVersion,
          timeoutMs: optionalNumber(integration.TimeoutInMillis, DEFAULT_INTEGRATION_TIMEOUT_MS),
        },
      });
    }
    // Prefer the auto-deployed `$default` stage, as the URL a CDK HttpApi outputs points at it.
    const stages = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').filter(belongsToApi);
    const stage = stages.find(([, resource]) => resource.Properties?.StageName === '$default') ?? stages[0];
    const stageProperties = stage?.[1].Properties ?? {};
    const routeSettings = isRecord(stageProperties.DefaultRouteSettings) ? stageProperties.DefaultRouteSettings : {};
    const throttling =
      routeSettings.ThrottlingRateLimit === undefined && routeSettings.ThrottlingBurstLimit === undefined
        ? undefined
        : {
            rateLimit: optionalNumber(routeSettings.ThrottlingRateLimit, 10_000),
            burstLimit: optionalNumber(routeSettings.ThrottlingBurstLimit, 5_000),
          };
    return {
      logicalId: apiLogicalId,
      stackName: context.stack.stackName,
      name:
        apiResource.Properties?.Name === undefined
          ? apiLogicalId
          : resolveWithLocation(context, apiResource.Properties.Name, `${apiLogicalId}.Name`),
      apiId: localApiId(context.stack.stackName, apiLogicalId),
      routes,
      stageName:
        stage === undefined ? '$default' : resolveWithLocation(context, stageProperties.StageName ?? '$default', `${stage[0]}.StageName`),
      ...(throttling === undefined ? {} : { throttling }),
    };
  });
}
