/**
 * What every command that starts a local stack shares besides its flags (start-flags.ts): the
 * usage error they throw, and how `-c key=value` reads, as the CDK CLI reads it.
 */

import { UsageError } from '../core/errors';

/** `key=value` pairs, as the CDK CLI reads them: the value is everything after the first `=`, a string. */
export function parseContextArguments(assignments: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw new UsageError(`-c ${assignment}: expected key=value`);
    const key = assignment.slice(0, equals);
    // The CLI refuses these too: they are the CDK's own.
    if (key.startsWith('aws:')) throw new UsageError(`-c ${assignment}: keys prefixed with "aws:" are reserved for the CDK`);
    context[key] = assignment.slice(equals + 1);
  }
  return context;
}
