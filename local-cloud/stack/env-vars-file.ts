/**
 * `--env-vars FILE`: environment overrides in SAM CLI's format. `Parameters` applies to every
 * function, but only to the variables a function already declares (so a global `TABLE_NAME` does
 * not appear in functions that have none); an object named after a function sets its variables
 * and wins over `Parameters`. A function is named by its logical ID, its local name, or a part of
 * its name or construct path, as everywhere in the local cloud.
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-invoke.html#serverless-sam-cli-using-invoke-environment-file
 */

import { readFileSync } from 'node:fs';
import { describeFunctions, matchingFunctions } from '../assembly/function-selector';
import { UsageError } from '../core/errors';
import { reservedKeysRefusal } from '../core/reserved-variables';
import type { FunctionDefinition } from '../core/types';

/** `{ "Parameters": { K: V }, "<function>": { K: V } }`, values as strings. */
export type EnvVarsDocument = Readonly<Record<string, Readonly<Record<string, string>>>>;

export class EnvVarsFileError extends UsageError {}

/** Reads and checks the shape of an env-vars file: an object of objects of scalars. */
export function readEnvVarsFile(file: string): EnvVarsDocument {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new EnvVarsFileError(`--env-vars ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseEnvVarsDocument(document, file);
}

export function parseEnvVarsDocument(document: unknown, source: string): EnvVarsDocument {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new EnvVarsFileError(`--env-vars ${source}: must be a JSON object such as {"Parameters": {"STAGE": "dev"}}`);
  }
  const result: Record<string, Record<string, string>> = {};
  for (const [key, variables] of Object.entries(document)) {
    if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
      throw new EnvVarsFileError(`--env-vars ${source}: "${key}" must be an object of variables, got ${JSON.stringify(variables)}`);
    }
    result[key] = {};
    for (const [name, value] of Object.entries(variables)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new EnvVarsFileError(
          `--env-vars ${source}: ${key}.${name} must be a string, number or boolean, got ${JSON.stringify(value)}`,
        );
      }
      result[key][name] = String(value);
    }
  }
  // Lambda refuses them in any function's configuration, so an override may not set them either.
  const refusal = reservedKeysRefusal(Object.values(result).flatMap((variables) => Object.keys(variables)));
  if (refusal !== undefined) throw new EnvVarsFileError(`--env-vars ${source}: ${refusal}`);
  return result;
}

/** The functions with the file's variables applied. A key that names no function, or several, is an error listing the functions. */
export function applyEnvVars(functions: readonly FunctionDefinition[], document: EnvVarsDocument): FunctionDefinition[] {
  const perFunction = new Map<string, Readonly<Record<string, string>>>();
  for (const [key, variables] of Object.entries(document)) {
    if (key === 'Parameters') continue;
    const matches = matchingFunctions(functions, key);
    const [only, ...others] = matches;
    if (only === undefined || others.length > 0) {
      throw new EnvVarsFileError(
        `--env-vars: "${key}" ${only === undefined ? 'matches no function' : `matches ${matches.length} functions`}. The functions are:\n${describeFunctions(functions)}`,
      );
    }
    perFunction.set(only.name, { ...perFunction.get(only.name), ...variables });
  }
  const global = document.Parameters ?? {};
  return functions.map((definition) => {
    const declaredOverrides = Object.fromEntries(Object.entries(global).filter(([name]) => name in definition.environment));
    const own = perFunction.get(definition.name) ?? {};
    if (Object.keys(declaredOverrides).length === 0 && Object.keys(own).length === 0) return definition;
    return { ...definition, environment: { ...definition.environment, ...declaredOverrides, ...own } };
  });
}
