/**
 * Configuration read once per execution environment, from the environment the stack sets.
 * A required variable that is missing or malformed fails the environment's initialisation with
 * the variable's name, rather than every request later.
 */

export function requiredString(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is required`);
  }
  return value;
}

export function positiveInteger(name: string, defaultValue: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return defaultValue;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`environment variable ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function nonNegativeInteger(name: string, defaultValue: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return defaultValue;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`environment variable ${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Names of the variables the stack sets on the coordinator. */
export const CoordinatorEnv = {
  squarerFunctionName: 'SQUARER_FUNCTION_NAME',
  maxNumbers: 'MAX_NUMBERS',
  maxConcurrency: 'MAX_CONCURRENCY',
  deadlineMarginMs: 'DEADLINE_MARGIN_MS',
} as const;
