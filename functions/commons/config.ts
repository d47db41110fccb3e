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

/** A required integer variable of at least `min`. */
export function requiredInteger(name: string, min: number): number {
  const raw = requiredString(name);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`environment variable ${name} must be an integer of at least ${min}, got ${JSON.stringify(raw)}`);
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
