/**
 * Intrinsic functions resolved the way CloudFormation would, with local stand-ins for what only a
 * deployment knows: a function's physical name is `${stackName}-${logicalId}`, any other
 * resource's is the same pattern, and the account is `000000000000` unless told otherwise.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
import { LocalCloudError } from '../core/errors';
import { versionNumbers } from './function-versions';
import { isRecord, type StackArtifact, type TemplateValue } from './manifest';

export interface ResolutionContext {
  readonly stack: StackArtifact;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
}

/** A value that names what only a deployment knows (an import, a custom resource's attribute). */
export class UnresolvableValueError extends LocalCloudError {}

/** Local physical name of any resource: what CloudFormation would generate, minus the random suffix. */
export function localPhysicalName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`;
}

export function functionArn(context: ResolutionContext, name: string): string {
  return `arn:${context.partition}:lambda:${context.region}:${context.accountId}:function:${name}`;
}

/** `Ref` of a resource, as its type documents it (a function gives its name, a log group its name). */
export function resolveRef(context: ResolutionContext, logicalId: string): string | undefined {
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
export function resolveGetAtt(context: ResolutionContext, logicalId: string, attribute: string): string {
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
export function resolveSub(context: ResolutionContext, argument: TemplateValue): string {
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
export function resolveValue(context: ResolutionContext, value: TemplateValue): unknown {
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

export function resolveString(context: ResolutionContext, value: TemplateValue): string {
  const resolved = resolveValue(context, value);
  if (typeof resolved === 'string') return resolved;
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  throw new UnresolvableValueError(`expected a string, got ${JSON.stringify(resolved)}`);
}

export function resolveWithLocation(context: ResolutionContext, value: TemplateValue, location: string): string {
  try {
    return resolveString(context, value);
  } catch (error) {
    if (error instanceof UnresolvableValueError) {
      throw new Error(`Cannot resolve ${location} in stack ${context.stack.stackName}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
