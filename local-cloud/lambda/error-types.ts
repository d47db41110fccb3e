/**
 * The `errorType` of each error the platform or the runtime produces, as Lambda names them: one
 * table (runtime/error-types.json) that the bootstrap, a CommonJS process, requires too.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
 */
import errorTypes from './runtime/error-types.json' with { type: 'json' };

export const LambdaErrorType: Readonly<typeof errorTypes> = errorTypes;
