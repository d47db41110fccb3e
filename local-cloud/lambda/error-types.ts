/**
 * The `errorType` of each error the platform or the runtime produces, as Lambda names them: one
 * table (runtime/error-types.json) that the bootstrap, a CommonJS process, requires too.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
 */
import errorTypes from './runtime/error-types.json' with { type: 'json' };

export const LambdaErrorType: Readonly<typeof errorTypes> = errorTypes;

/**
 * The errorType of a runtime that exited before answering: exit status 0 means the event loop
 * emptied with the handler's promise unsettled, which Lambda reports as its own type.
 * https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-invocation-nodejs-exit
 */
export function exitErrorType(description: string): string {
  return description === 'exit status 0' ? LambdaErrorType.nodejsExit : LambdaErrorType.exit;
}
