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

/** Names of the variables the stack sets on the durable coordinator. */
export const DurableCoordinatorEnv = {
  /** The squarer's qualified ARN (a version), the target of each chained invoke. */
  squarerFunction: 'SQUARER_FUNCTION',
  maxNumbers: 'JOB_MAX_NUMBERS',
  maxConcurrency: 'JOB_MAX_CONCURRENCY',
} as const;

/** Names of the variables the stack sets on the jobs handler. */
export const JobsEnv = {
  /** The durable coordinator's alias ARN: jobs start there. */
  coordinatorAlias: 'DURABLE_COORDINATOR_ALIAS',
  /** The durable coordinator's unqualified name: its executions are listed by it, across versions. */
  coordinatorName: 'DURABLE_COORDINATOR_NAME',
  maxNumbers: 'JOB_MAX_NUMBERS',
} as const;
