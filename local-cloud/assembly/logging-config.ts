/**
 * A function's `LoggingConfig`, read from the template.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
 */
import type { FunctionLoggingConfig } from '../core/types';

/** The values API_LoggingConfig allows: all six for the application, three for the system. */
const APPLICATION_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;

function levelOf(value: unknown, where: string, allowed: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  const level = typeof value === 'string' ? value.toUpperCase() : '';
  if (!allowed.includes(level)) throw new Error(`${where}: '${String(value)}' is not one of ${allowed.join(', ')}`);
  return level;
}

/**
 * `LogFormat`, `ApplicationLogLevel`, `SystemLogLevel` of `AWS::Lambda::Function.LoggingConfig`.
 * Levels apply to JSON only, where both default to INFO, as Lambda sets them.
 */
export function readLoggingConfig(properties: Record<string, unknown>, logicalId: string): FunctionLoggingConfig {
  const format = properties.LogFormat ?? 'Text';
  if (format !== 'Text' && format !== 'JSON')
    throw new Error(`${logicalId}.LoggingConfig.LogFormat: '${String(format)}' is not Text or JSON`);
  if (format === 'Text') return { logFormat: 'Text' };
  return {
    logFormat: 'JSON',
    applicationLogLevel:
      levelOf(properties.ApplicationLogLevel, `${logicalId}.LoggingConfig.ApplicationLogLevel`, APPLICATION_LOG_LEVELS) ?? 'INFO',
    systemLogLevel: levelOf(properties.SystemLogLevel, `${logicalId}.LoggingConfig.SystemLogLevel`, SYSTEM_LOG_LEVELS) ?? 'INFO',
  };
}
