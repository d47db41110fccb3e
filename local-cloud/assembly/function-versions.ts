/**
 * A function's published versions (`AWS::Lambda::Version`) and aliases (`AWS::Lambda::Alias`), as
 * a deployment would create them: each version of a function gets the next number, in template
 * order, from 1; an alias points at one version (or `$LATEST`).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html
 */

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** What a stack's versions and aliases give its functions, by the function's local name. */
export interface FunctionQualifiers {
  readonly versions: readonly string[];
  readonly aliases: Readonly<Record<string, string>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stable key for a version's function: the logical ID it references, or the literal name it gives. */
function functionKey(value: unknown): string {
  if (isRecord(value) && typeof value.Ref === 'string') return `ref:${value.Ref}`;
  return `literal:${JSON.stringify(value)}`;
}

/**
 * The number each `AWS::Lambda::Version` of the template gets (by its logical ID): 1, 2, … for
 * each function in template order. From the template alone, so that `Fn::GetAtt [V, Version]`
 * resolves without knowing the functions yet.
 */
export function versionNumbers(resources: Readonly<Record<string, TemplateResource>>): ReadonlyMap<string, string> {
  const counts = new Map<string, number>();
  const numbers = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Version') continue;
    const key = functionKey(resource.Properties?.FunctionName);
    const next = (counts.get(key) ?? 0) + 1;
    counts.set(key, next);
    numbers.set(logicalId, String(next));
  }
  return numbers;
}

/** The local name of the function a `FunctionName` value names (a name, an ARN, a qualified ARN). */
function functionNameIn(resolved: string, functionNames: ReadonlySet<string>): string | undefined {
  if (functionNames.has(resolved)) return resolved;
  const match = /(?:^|:function:)([^:]+)(?::[^:]+)?$/.exec(resolved);
  return match?.[1] !== undefined && functionNames.has(match[1]) ? match[1] : undefined;
}

/**
 * Reads the versions and aliases of one stack's template onto the functions they belong to.
 * `resolve` resolves a template value to a string as CloudFormation would; a version or alias of
 * a function that is not in the assembly is left out, and one that cannot be read is said by `warn`.
 */
export function readFunctionQualifiers(
  resources: Readonly<Record<string, TemplateResource>>,
  functionNames: ReadonlySet<string>,
  resolve: (value: unknown, location: string) => string,
  warn: (message: string) => void,
): Map<string, FunctionQualifiers> {
  const numbers = versionNumbers(resources);
  const found = new Map<string, { versions: string[]; aliases: Record<string, string> }>();
  const entry = (name: string) => {
    let qualifiers = found.get(name);
    if (qualifiers === undefined) {
      qualifiers = { versions: [], aliases: {} };
      found.set(name, qualifiers);
    }
    return qualifiers;
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Version' && resource.Type !== 'AWS::Lambda::Alias') continue;
    const properties = resource.Properties ?? {};
    let name: string | undefined;
    try {
      name = functionNameIn(resolve(properties.FunctionName, `${logicalId}.FunctionName`), functionNames);
    } catch (error) {
      warn(`${resource.Type} ${logicalId} is ignored: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (name === undefined) continue;
    if (resource.Type === 'AWS::Lambda::Version') {
      const number = numbers.get(logicalId);
      if (number !== undefined) entry(name).versions.push(number);
      continue;
    }
    const aliasName = resolve(properties.Name, `${logicalId}.Name`);
    const version = resolve(properties.FunctionVersion, `${logicalId}.FunctionVersion`);
    entry(name).aliases[aliasName] = version;
  }
  return found;
}

/**
 * What a qualifier of a function names: `$LATEST`, one of its versions, or an alias (and the
 * version behind it); undefined when the function has no such qualifier.
 */
export function resolveQualifier(
  definition: { readonly versions?: readonly string[]; readonly aliases?: Readonly<Record<string, string>> },
  qualifier: string | undefined,
): { readonly qualifier: string; readonly version: string } | undefined {
  if (qualifier === undefined || qualifier === '$LATEST') return { qualifier: '$LATEST', version: '$LATEST' };
  if (definition.versions?.includes(qualifier)) return { qualifier, version: qualifier };
  const aliased = definition.aliases?.[qualifier];
  if (aliased !== undefined) return { qualifier, version: aliased };
  return undefined;
}
