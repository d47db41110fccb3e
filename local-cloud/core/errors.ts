/**
 * The local cloud's errors: one base class to catch, and a usage error for what the user gave.
 * Lambda's own error types (`Runtime.ExitError`, ...) are in lambda/error-types.ts.
 */

/** An error the local cloud raises on purpose (not a bug): its message is meant for a person. */
export class LocalCloudError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Something the user gave is wrong (a flag, a file, a function's name, a stack to choose): a CLI
 * prints the message alone and exits 2.
 */
export class UsageError extends LocalCloudError {}
