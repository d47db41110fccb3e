/**
 * A function's `LoggingConfig` (read from the template by `assembly/logging-config.ts`), given to
 * the runtime as environment variables, reported by GetFunction, and applied to the platform's own lines.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
 */
import type { FunctionLoggingConfig } from '../core/types';

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
