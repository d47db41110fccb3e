/**
 * Finds the function a person means by a short name, as `sam local invoke` does with a logical
 * ID: the exact local name or logical ID first, else the one function whose name, logical ID or
 * construct path contains the text (case-insensitive). No match, or several, is an error that
 * lists the functions to choose from.
 */
import { UsageError } from '../core/errors';
import type { FunctionDefinition } from '../core/types';

export class FunctionSelectionError extends UsageError {}

/** `Squarer` → the function `MultiSquare-Squarer4A1B2C3D` (construct path `MultiSquare/Squarer/Function/Resource`). */
export function selectFunction(functions: readonly FunctionDefinition[], query: string): FunctionDefinition {
  const matches = matchingFunctions(functions, query);
  const [only, ...others] = matches;
  if (only !== undefined && others.length === 0) return only;
  if (only === undefined) {
    throw new FunctionSelectionError(`No function matches "${query}". The functions are:\n${describeFunctions(functions)}`);
  }
  throw new FunctionSelectionError(`"${query}" matches ${matches.length} functions; be more specific:\n${describeFunctions(matches)}`);
}

/** The exact match when there is one, else every partial match. */
export function matchingFunctions(functions: readonly FunctionDefinition[], query: string): FunctionDefinition[] {
  const exact = functions.filter((f) => f.name === query || f.logicalId === query || f.constructPath === query);
  if (exact.length > 0) return exact;
  const needle = query.toLowerCase();
  if (needle === '') return [];
  return functions.filter((f) => [f.name, f.logicalId, f.constructPath ?? ''].some((text) => text.toLowerCase().includes(needle)));
}

/** One line per function: its local name, logical ID and construct path. */
export function describeFunctions(functions: readonly FunctionDefinition[]): string {
  if (functions.length === 0) return '  (the assembly has no functions)';
  return functions
    .map((f) => `  ${f.name}  (logical ID ${f.logicalId}${f.constructPath === undefined ? '' : `, ${f.constructPath}`})`)
    .join('\n');
}
