import type { Context } from 'aws-lambda';
import { InvalidNumberError } from './commons/errors';
import { parseNumberValue, square } from './commons/square';
import type { SquareResult } from './commons/squarer-contract';

/**
 * Squares one number, like the tutorial's `squarer(number)` in its own process. Invalid input
 * throws, so the invocation fails with an errorType that names the problem (`InvalidNumber`,
 * `SquareOverflow`). No AWS SDK and no logger: this bundle stays a few hundred bytes.
 */
export async function handler(event: unknown, context: Context): Promise<SquareResult> {
  if (typeof event !== 'object' || event === null || !('number' in event)) {
    throw new InvalidNumberError('expected an event of the form {"number": N}');
  }
  const input = event.number;
  if (typeof input !== 'number' && typeof input !== 'string') {
    throw new InvalidNumberError(`"number" must be a JSON number or a string of decimal digits`);
  }
  const parsed = parseNumberValue(input);
  return {
    number: input,
    result: square(parsed),
    processName: context.awsRequestId,
  };
}
