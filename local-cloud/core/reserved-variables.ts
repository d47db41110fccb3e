/**
 * The environment variables Lambda sets itself and refuses in a function's configuration, and its
 * refusal, word for word (CreateFunction/UpdateFunctionConfiguration's InvalidParameterValueException).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */

export const RESERVED_ENVIRONMENT_VARIABLES: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
]);

/** Lambda's refusal of the reserved ones among `names` (each once, in order), or undefined when there is none. */
export function reservedKeysRefusal(names: Iterable<string>): string | undefined {
  const reserved = [...new Set([...names].filter((name) => RESERVED_ENVIRONMENT_VARIABLES.has(name)))];
  if (reserved.length === 0) return undefined;
  return (
    'Lambda was unable to configure your environment variables because the environment variables you have provided contains ' +
    `reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`
  );
}
