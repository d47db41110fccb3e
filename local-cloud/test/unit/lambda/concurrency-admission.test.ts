import { describe, expect, it } from 'vitest';
import { LambdaServiceError } from '../../../core/types';
import { ConcurrencyAdmission, DEFAULT_ACCOUNT_CONCURRENCY, tooManyRequests } from '../../../lambda/concurrency-admission';

function reasonOf(attempt: () => unknown): unknown {
  try {
    attempt();
  } catch (error) {
    return error instanceof LambdaServiceError ? error.extra.Reason : error;
  }
  return undefined;
}

describe('ConcurrencyAdmission', () => {
  it('admits up to a function’s reserved concurrency, then throttles with its reason', () => {
    const admission = new ConcurrencyAdmission(10, new Map([['Reserved', 2]]));
    admission.admit('Reserved');
    admission.admit('Reserved');

    expect(reasonOf(() => admission.admit('Reserved'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('admits again once an invocation in flight ends', () => {
    const admission = new ConcurrencyAdmission(10, new Map([['Reserved', 1]]));
    const leave = admission.admit('Reserved');

    leave();

    expect(() => admission.admit('Reserved')).not.toThrow();
  });

  it('counts a release once, however often it is called', () => {
    const admission = new ConcurrencyAdmission(10, new Map([['Reserved', 1]]));
    const leave = admission.admit('Reserved');
    leave();
    leave();
    admission.admit('Reserved');

    expect(reasonOf(() => admission.admit('Reserved'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('shares the account limit less every reservation among unreserved functions', () => {
    const admission = new ConcurrencyAdmission(5, new Map([['Reserved', 3]]));
    admission.admit('A');
    admission.admit('B');

    expect(reasonOf(() => admission.admit('A'))).toBe('ConcurrentInvocationLimitExceeded');
  });

  it('keeps a reservation for its function even when the unreserved pool is full', () => {
    const admission = new ConcurrencyAdmission(3, new Map([['Reserved', 2]]));
    admission.admit('A');

    expect(() => admission.admit('Reserved')).not.toThrow();
    expect(() => admission.admit('Reserved')).not.toThrow();
  });

  it('does not count a reserved function’s invocations against the unreserved pool', () => {
    const admission = new ConcurrencyAdmission(3, new Map([['Reserved', 2]]));
    admission.admit('Reserved');
    admission.admit('Reserved');

    expect(() => admission.admit('A')).not.toThrow();
  });

  it('answers 429 TooManyRequestsException, Rate Exceeded., as Invoke does', () => {
    const error = tooManyRequests('ConcurrentInvocationLimitExceeded');

    expect([error.code, error.statusCode, error.message]).toEqual(['TooManyRequestsException', 429, 'Rate Exceeded.']);
  });

  it('names the reason Lambda would give for a throttle of each function', () => {
    const admission = new ConcurrencyAdmission(10, new Map([['Reserved', 1]]));

    expect(admission.throttleReasonOf('Reserved')).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(admission.throttleReasonOf('Other')).toBe('ConcurrentInvocationLimitExceeded');
  });

  it('has Lambda’s default account quota of 1000', () => {
    expect(DEFAULT_ACCOUNT_CONCURRENCY).toBe(1000);
  });
});
