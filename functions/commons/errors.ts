/**
 * Domain errors. A squarer throws these; the Node.js runtime reports `error.name` as the
 * invocation's `errorType`, so the name says what was wrong.
 */

/** The value given is not something we square: not a finite number nor a decimal integer string. */
export class InvalidNumberError extends Error {
  override readonly name = 'InvalidNumber';
}

/** The square of a floating-point value does not fit in a double (Python raises OverflowError). */
export class SquareOverflowError extends Error {
  override readonly name = 'SquareOverflow';
}

/** A durable coordinator's input is not a job the jobs API would have started. */
export class InvalidJobInputError extends Error {
  override readonly name = 'InvalidJobInput';
}
