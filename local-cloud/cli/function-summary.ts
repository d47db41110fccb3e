/**
 * How `npm start` shows a function in its banner: runtime, memory and timeout, and what a
 * qualified Invoke may name (versions, aliases) and, for a durable function, its DurableConfig.
 */
import type { FunctionDefinition } from '../core/types';

/** `Name  (nodejs24.x, 256 MB, 30 s)`, then `versions 1, 2; aliases live → 1` and `durable: …` when it has them. */
export function functionSummary(definition: FunctionDefinition): string {
  const parts = [`${definition.name}  (${definition.runtime}, ${definition.memorySizeMb} MB, ${definition.timeoutSeconds} s)`];
  const versions = definition.versions ?? [];
  const aliases = Object.entries(definition.aliases ?? {});
  const qualifiers = [
    ...(versions.length === 0 ? [] : [`version${versions.length === 1 ? '' : 's'} ${versions.join(', ')}`]),
    ...(aliases.length === 0
      ? []
      : [`alias${aliases.length === 1 ? '' : 'es'} ${aliases.map(([name, version]) => `${name} → ${version}`).join(', ')}`]),
  ];
  if (qualifiers.length > 0) parts.push(qualifiers.join('; '));
  const durable = definition.durableConfig;
  if (durable !== undefined) {
    const example = aliases[0]?.[0] ?? versions[0] ?? '$LATEST';
    parts.push(
      `durable: execution timeout ${durable.executionTimeoutSeconds} s, history kept ${durable.retentionPeriodDays} days; invoke a qualified name, e.g. ${definition.name}:${example}`,
    );
  }
  return parts.join('\n                 ');
}
