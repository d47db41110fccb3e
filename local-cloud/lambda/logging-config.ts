/**
 * A function's `LoggingConfig`: read from the template, given to the runtime as environment
 * variables, reported by GetFunction, and applied to the platform's own lines.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
 */
import type { FunctionLoggingConfig } from '../types';

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

/**
 * `AWS_LAMBDA_LOG_FORMAT` / `AWS_LAMBDA_LOG_LEVEL`, as the runtime environment variables page lists
 * them: set from LoggingConfig (the level with JSON only).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export function loggingEnvironment(config: FunctionLoggingConfig | undefined): Record<string, string> {
  if (config === undefined || config.logFormat === 'Text') return { AWS_LAMBDA_LOG_FORMAT: 'Text' };
  return { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: config.applicationLogLevel ?? 'INFO' };
}

/** GetFunction's `LoggingConfig`. https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html */
export function loggingConfigResponse(config: FunctionLoggingConfig | undefined, logGroupName: string): Record<string, string> {
  if (config === undefined || config.logFormat === 'Text') return { LogFormat: 'Text', LogGroup: logGroupName };
  return {
    LogFormat: 'JSON',
    ApplicationLogLevel: config.applicationLogLevel ?? 'INFO',
    SystemLogLevel: config.systemLogLevel ?? 'INFO',
    LogGroup: logGroupName,
  };
}
