/**
 * Reads a synthesized cloud assembly (`cdk.out`) and turns its templates into the definitions the
 * local cloud runs: Lambda functions (with their bundled asset directories) and HTTP APIs.
 *
 * Intrinsic functions are resolved the way CloudFormation would, with local stand-ins for what
 * only a deployment knows: a function's physical name is `${stackName}-${logicalId}`, any other
 * resource's is the same pattern, and the account is `000000000000`.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type ArtifactManifest,
  ArtifactType,
  type AssetManifestProperties,
  type AwsCloudFormationStackProperties,
  Manifest,
  type NestedCloudAssemblyProperties,
} from '@aws-cdk/cloud-assembly-schema';
import { DEFAULT_LOCAL_ACCOUNT_ID, DEFAULT_LOCAL_REGION } from '../core/defaults';
import type {
  AsyncInvokeConfig,
  AuthorizationType,
  CloudAssemblyDefinition,
  DurableConfig,
  FunctionDefinition,
  HttpApiDefinition,
  RouteDefinition,
} from '../core/types';
import { readFunctionQualifiers, versionNumbers } from './function-versions';
import { readLoggingConfig } from './logging-config';

/** CloudFormation's defaults for `AWS::Lambda::Function` MemorySize and Timeout. */
const DEFAULT_MEMORY_SIZE_MB = 128;
const DEFAULT_TIMEOUT_SECONDS = 3;
/** HTTP API integration default (and maximum) timeout. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000;

export interface LoadCloudAssemblyOptions {
  /** @default env `AWS_REGION`, then `AWS_DEFAULT_REGION`, then `us-east-1` */
  readonly region?: string;
  /** @default env `LOCAL_CLOUD_ACCOUNT_ID`, then `000000000000` */
  readonly accountId?: string;
  /**
   * Told, one message a call, of what the assembly asks for that the local cloud ignores
   * (an EventInvokeConfig of another version than `$LATEST`, destinations).
   * @default writes `[local-cloud] warning: <message>` to stderr
   */
  readonly warn?: (message: string) => void;
}

type TemplateValue = unknown;

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, TemplateValue>;
  readonly Metadata?: Record<string, TemplateValue>;
}

interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, { readonly Default?: TemplateValue }>;
}

interface StackArtifact {
  readonly stackName: string;
  readonly template: Template;
  /** Directory of the assembly that holds the stack; asset paths are relative to it. */
  readonly assemblyDirectory: string;
  /** `objectKey` of each file asset → its source directory, from the stack's asset manifest. */
  readonly assetDirectoriesByObjectKey: ReadonlyMap<string, string>;
}

/** What intrinsic resolution needs to know about the stack being read. */
interface ResolutionContext {
  readonly stack: StackArtifact;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
}

class UnresolvableValueError extends Error {
  override readonly name = 'UnresolvableValueError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/** Reads `cdk.out` and returns the functions and HTTP APIs of every stack in it (nested assemblies included). */
export function loadCloudAssembly(cdkOutDir: string, options: LoadCloudAssemblyOptions = {}): CloudAssemblyDefinition {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_LOCAL_REGION;
  const accountId = options.accountId ?? process.env.LOCAL_CLOUD_ACCOUNT_ID ?? DEFAULT_LOCAL_ACCOUNT_ID;
  const warn = options.warn ?? ((message: string) => process.stderr.write(`[local-cloud] warning: ${message}\n`));
  const contexts = readStackArtifacts(path.resolve(cdkOutDir)).map(
    (stack): ResolutionContext => ({
      stack,
      region,
      accountId,
      partition: 'aws',
    }),
  );
  const functions: FunctionDefinition[] = [];
  const httpApis: HttpApiDefinition[] = [];
  for (const context of contexts) {
    const stackFunctions = withQualifiers(context, readFunctions(context), warn);
    functions.push(...stackFunctions);
    httpApis.push(...readHttpApis(context, stackFunctions));
  }
  // After every stack's functions: a config may name a function of another stack by its name.
  const configs = new Map(contexts.flatMap((context) => readEventInvokeConfigs(context, functions, warn)));
  return {
    region,
    accountId,
    functions: functions.map((definition) => {
      const config = configs.get(definition.name);
      return config === undefined ? definition : { ...definition, asyncInvokeConfig: config };
    }),
    httpApis,
  };
}

/**
 * Stacks of the assembly, following nested assemblies (CDK Stages). The manifests are read with the
 * CDK's own schema package, which validates them and refuses an assembly newer than it knows.
 * https://docs.aws.amazon.com/cdk/v2/guide/apps.html
 */
function readStackArtifacts(assemblyDirectory: string): StackArtifact[] {
  const manifestFile = path.join(assemblyDirectory, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new Error(`${manifestFile} does not exist: is ${assemblyDirectory} a synthesized cloud assembly?`);
  }
  const artifacts = Manifest.loadAssemblyManifest(manifestFile).artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type === ArtifactType.NESTED_CLOUD_ASSEMBLY) {
      const { directoryName } = artifact.properties as NestedCloudAssemblyProperties;
      stacks.push(...readStackArtifacts(path.join(assemblyDirectory, directoryName)));
      continue;
    }
    if (artifact.type !== ArtifactType.AWS_CLOUDFORMATION_STACK) continue;
    const properties = artifact.properties as AwsCloudFormationStackProperties;
    const template = readJson(path.join(assemblyDirectory, properties.templateFile)) as Template;
    stacks.push({
      stackName: properties.stackName ?? artifactId,
      template,
      assemblyDirectory,
      assetDirectoriesByObjectKey: readAssetDirectories(assemblyDirectory, artifacts, artifact.dependencies ?? []),
    });
  }
  return stacks;
}

/** Maps each file asset's S3 object key to its directory, from the asset manifests a stack depends on. */
function readAssetDirectories(
  assemblyDirectory: string,
  artifacts: Readonly<Record<string, ArtifactManifest>>,
  dependencies: readonly string[],
): Map<string, string> {
  const directories = new Map<string, string>();
  for (const dependency of dependencies) {
    const artifact = artifacts[dependency];
    if (artifact?.type !== ArtifactType.ASSET_MANIFEST) continue;
    const { file } = artifact.properties as AssetManifestProperties;
    const assetManifest = Manifest.loadAssetManifest(path.join(assemblyDirectory, file));
    for (const asset of Object.values(assetManifest.files ?? {})) {
      if (asset.source.path === undefined) continue;
      const sourceDirectory = path.resolve(assemblyDirectory, asset.source.path);
      for (const destination of Object.values(asset.destinations)) {
        directories.set(destination.objectKey, sourceDirectory);
      }
    }
  }
  return directories;
}

function resourcesOfType(template: Template, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
}

/** Local physical name of any resource: what CloudFormation would generate, minus the random suffix. */
function localPhysicalName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`;
}

function functionArn(context: ResolutionContext, name: string): string {
  return `arn:${context.partition}:lambda:${context.region}:${context.accountId}:function:${name}`;
}

/** `Ref` of a resource, as its type documents it (a function gives its name, a log group its name). */
function resolveRef(context: ResolutionContext, logicalId: string): string | undefined {
  switch (logicalId) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return context.partition;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stack.stackName;
    case 'AWS::StackId':
      return `arn:${context.partition}:cloudformation:${context.region}:${context.accountId}:stack/${context.stack.stackName}/local`;
    case 'AWS::NoValue':
      return undefined;
  }
  const parameter = context.stack.template.Parameters?.[logicalId];
  if (parameter !== undefined) {
    if (parameter.Default === undefined) throw new UnresolvableValueError(`parameter ${logicalId} has no default`);
    return resolveString(context, parameter.Default);
  }
  const resource = context.stack.template.Resources?.[logicalId];
  if (resource === undefined) throw new UnresolvableValueError(`Ref to unknown resource ${logicalId}`);
  // A version's Ref is its ARN (`…:function:name:3`), an alias's too (`…:function:name:live`).
  if (resource.Type === 'AWS::Lambda::Version' || resource.Type === 'AWS::Lambda::Alias') {
    const functionName = resolveString(context, resource.Properties?.FunctionName);
    const arn = functionName.startsWith('arn:') ? functionName : functionArn(context, functionName);
    const qualifier =
      resource.Type === 'AWS::Lambda::Version'
        ? versionNumbers(context.stack.template.Resources ?? {}).get(logicalId)
        : resolveString(context, resource.Properties?.Name);
    return `${arn}:${qualifier ?? ''}`;
  }
  const explicitName = resource.Type === 'AWS::Logs::LogGroup' ? resource.Properties?.LogGroupName : resource.Properties?.FunctionName;
  if (explicitName !== undefined && (resource.Type === 'AWS::Logs::LogGroup' || resource.Type === 'AWS::Lambda::Function')) {
    return resolveString(context, explicitName);
  }
  return localPhysicalName(context.stack.stackName, logicalId);
}

/** `Fn::GetAtt`: a function's `Arn` is its local ARN; other attributes get a deterministic stand-in. */
function resolveGetAtt(context: ResolutionContext, logicalId: string, attribute: string): string {
  const resource = context.stack.template.Resources?.[logicalId];
  if (resource === undefined) throw new UnresolvableValueError(`Fn::GetAtt of unknown resource ${logicalId}`);
  if (resource.Type === 'AWS::Lambda::Version' && attribute === 'Version') {
    const number = versionNumbers(context.stack.template.Resources ?? {}).get(logicalId);
    if (number !== undefined) return number;
  }
  const name = resolveRef(context, logicalId) ?? localPhysicalName(context.stack.stackName, logicalId);
  if (attribute === 'Arn') {
    if (resource.Type === 'AWS::Lambda::Function') return functionArn(context, name);
    // e.g. AWS::SQS::Queue → arn:aws:sqs:us-east-1:000000000000:queue/<name>: close enough to look like an ARN.
    const [, service = 'local', kind = 'resource'] = resource.Type.split('::');
    return `arn:${context.partition}:${service.toLowerCase()}:${context.region}:${context.accountId}:${kind.toLowerCase()}/${name}`;
  }
  return `${name}.${attribute}`;
}

/** `Fn::Sub` with `${Name}`, `${Resource.Attribute}`, `${!Literal}` and an optional variable map. */
function resolveSub(context: ResolutionContext, argument: TemplateValue): string {
  const [pattern, variables] = Array.isArray(argument) ? [argument[0], argument[1]] : [argument, undefined];
  if (typeof pattern !== 'string') throw new UnresolvableValueError('Fn::Sub needs a string');
  return pattern.replace(/\$\{([^}]+)\}/g, (_match, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    if (isRecord(variables) && expression in variables) return resolveString(context, variables[expression]);
    const dot = expression.indexOf('.');
    if (dot > 0) return resolveGetAtt(context, expression.slice(0, dot), expression.slice(dot + 1));
    return resolveRef(context, expression) ?? '';
  });
}

/** Resolves a template value to what CloudFormation would pass to the resource (strings, lists, objects). */
function resolveValue(context: ResolutionContext, value: TemplateValue): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(context, item));
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  const [intrinsic] = keys;
  if (keys.length !== 1 || intrinsic === undefined || !(intrinsic === 'Ref' || intrinsic.startsWith('Fn::'))) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveValue(context, item)]));
  }
  const argument = value[intrinsic];
  switch (intrinsic) {
    case 'Ref':
      if (typeof argument !== 'string') throw new UnresolvableValueError('Ref needs a logical ID');
      return resolveRef(context, argument);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = typeof argument === 'string' ? argument.split('.') : Array.isArray(argument) ? argument : [];
      if (typeof logicalId !== 'string' || typeof attribute !== 'string') throw new UnresolvableValueError('malformed Fn::GetAtt');
      return resolveGetAtt(context, logicalId, attribute);
    }
    case 'Fn::Join': {
      if (!Array.isArray(argument) || typeof argument[0] !== 'string') throw new UnresolvableValueError('malformed Fn::Join');
      const parts = resolveValue(context, argument[1]);
      if (!Array.isArray(parts)) throw new UnresolvableValueError('Fn::Join needs a list');
      return parts.map((part) => String(part)).join(argument[0]);
    }
    case 'Fn::Sub':
      return resolveSub(context, argument);
    case 'Fn::Select': {
      if (!Array.isArray(argument)) throw new UnresolvableValueError('malformed Fn::Select');
      const list = resolveValue(context, argument[1]);
      if (!Array.isArray(list)) throw new UnresolvableValueError('Fn::Select needs a list');
      return list[Number(resolveValue(context, argument[0]))];
    }
    case 'Fn::Split': {
      if (!Array.isArray(argument) || typeof argument[0] !== 'string') throw new UnresolvableValueError('malformed Fn::Split');
      return resolveString(context, argument[1]).split(argument[0]);
    }
    default:
      throw new UnresolvableValueError(`${intrinsic} is not supported locally`);
  }
}

function resolveString(context: ResolutionContext, value: TemplateValue): string {
  const resolved = resolveValue(context, value);
  if (typeof resolved === 'string') return resolved;
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  throw new UnresolvableValueError(`expected a string, got ${JSON.stringify(resolved)}`);
}

function resolveWithLocation(context: ResolutionContext, value: TemplateValue, location: string): string {
  try {
    return resolveString(context, value);
  } catch (error) {
    if (error instanceof UnresolvableValueError) {
      throw new Error(`Cannot resolve ${location} in stack ${context.stack.stackName}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function optionalNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : fallback;
}

/**
 * Where the function's code is: the `aws:asset:path` metadata the CDK CLI asks for, else the asset
 * manifest entry whose object key is the function's `Code.S3Key`, else inline `ZipFile` code.
 * https://docs.aws.amazon.com/cdk/v2/guide/assets.html
 */
function codeDirectoryOf(context: ResolutionContext, logicalId: string, resource: TemplateResource): string {
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath === 'string') return path.resolve(context.stack.assemblyDirectory, assetPath);
  const code = resource.Properties?.Code;
  if (isRecord(code) && code.S3Key !== undefined) {
    const objectKey = resolveWithLocation(context, code.S3Key, `${logicalId}.Code.S3Key`);
    const directory = context.stack.assetDirectoriesByObjectKey.get(objectKey);
    if (directory !== undefined) return directory;
  }
  if (isRecord(code) && typeof code.ZipFile === 'string') {
    // Inline code (CloudFormation writes it to index.js): written beside the assembly, never to a
    // shared temporary path; the Lambda service stages it privately like any asset.
    const directory = path.join(
      context.stack.assemblyDirectory,
      `inline-code.${createHash('sha256').update(code.ZipFile).digest('hex').slice(0, 16)}`,
    );
    mkdirSync(directory, { recursive: true });
    writeFileSync(path.join(directory, 'index.js'), code.ZipFile);
    return directory;
  }
  throw new Error(`Function ${logicalId} of stack ${context.stack.stackName}: cannot find its code in the assembly`);
}

function readFunctions(context: ResolutionContext): FunctionDefinition[] {
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
      codeDirectory: codeDirectoryOf(context, logicalId, resource),
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

/** The stack's functions with the versions and aliases its template publishes for them. */
function withQualifiers(
  context: ResolutionContext,
  functions: readonly FunctionDefinition[],
  warn: (message: string) => void,
): FunctionDefinition[] {
  const qualifiers = readFunctionQualifiers(
    context.stack.template.Resources ?? {},
    new Set(functions.map((definition) => definition.name)),
    (value, location) => resolveWithLocation(context, value, location),
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
 * `[function name, config]`. The local cloud serves `$LATEST` only: a config of a version or alias
 * is ignored, and a destination is not emulated; each is said in a warning. A config whose
 * FunctionName is not a function of the assembly configures nothing served locally.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html
 */
function readEventInvokeConfigs(
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

function readHttpApis(context: ResolutionContext, functions: readonly FunctionDefinition[]): HttpApiDefinition[] {
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
