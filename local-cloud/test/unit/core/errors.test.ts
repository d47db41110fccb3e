import { describe, expect, it } from 'vitest';
import { FunctionSelectionError } from '../../../assembly/function-selector';
import { LocalCloudError, UsageError } from '../../../core/errors';
import { LambdaServiceError } from '../../../core/types';
import { RouteEventError } from '../../../http-api/route-event';
import { LambdaErrorType } from '../../../lambda/error-types';
import { EnvVarsFileError } from '../../../stack/env-vars-file';
import { AmbiguousLocalStackError } from '../../../stack/local-stack-state';

describe('the local cloud errors', () => {
  it.each([
    ['FunctionSelectionError', FunctionSelectionError],
    ['EnvVarsFileError', EnvVarsFileError],
    ['RouteEventError', RouteEventError],
    ['AmbiguousLocalStackError', AmbiguousLocalStackError],
  ])('%s is a UsageError a CLI can catch by class, named after its class', (name, ErrorClass) => {
    const error = new ErrorClass('bad input');
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toBeInstanceOf(LocalCloudError);
    expect(error.name).toBe(name);
    expect(error.message).toBe('bad input');
  });

  it('a Lambda service error is a LocalCloudError but not a usage error, named by its code', () => {
    const error = new LambdaServiceError('TooManyRequestsException', 429, 'Rate exceeded');
    expect(error).toBeInstanceOf(LocalCloudError);
    expect(error).not.toBeInstanceOf(UsageError);
    expect(error.name).toBe('TooManyRequestsException');
  });

  it("Lambda's error types are the names Lambda uses", () => {
    expect(LambdaErrorType.exit).toBe('Runtime.ExitError');
    expect(LambdaErrorType.timeout).toBe('Sandbox.Timedout');
    expect(new Set(Object.values(LambdaErrorType)).size).toBe(Object.keys(LambdaErrorType).length);
  });
});
