/**
 * Concurrency as Lambda counts it: an invocation in flight counts against its function's reserved
 * concurrency when it has one, else against the account's unreserved concurrency (the account
 * limit less every reservation). Beyond either, Lambda answers 429 at once; nothing waits here.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
 */
import { LambdaServiceError } from '../core/types';

/** Lambda's default account concurrency quota. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

export function tooManyRequests(reason: ThrottleReason): LambdaServiceError {
  // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
  return new LambdaServiceError('TooManyRequestsException', 429, 'Rate Exceeded.', { Reason: reason });
}

export class ConcurrencyAdmission {
  private readonly inFlight = new Map<string, number>();
  private unreservedInFlight = 0;
  /** The account limit less every function's reservation: fixed, as reservations are for the service's life. */
  private readonly unreservedLimit: number;

  constructor(
    readonly accountLimit: number,
    private readonly reservations: ReadonlyMap<string, number>,
  ) {
    this.unreservedLimit = [...reservations.values()].reduce((left, reserved) => left - reserved, accountLimit);
  }

  /** Counts one invocation of `functionName` in flight, or throws Lambda's 429; returns its release. */
  admit(functionName: string): () => void {
    const reserved = this.reservations.get(functionName);
    const current = this.inFlight.get(functionName) ?? 0;
    if (reserved !== undefined) {
      if (current + 1 > reserved) throw tooManyRequests('ReservedFunctionConcurrentInvocationLimitExceeded');
    } else if (this.unreservedInFlight + 1 > this.unreservedLimit) {
      throw tooManyRequests('ConcurrentInvocationLimitExceeded');
    }
    this.inFlight.set(functionName, current + 1);
    if (reserved === undefined) this.unreservedInFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight.set(functionName, (this.inFlight.get(functionName) ?? 1) - 1);
      if (reserved === undefined) this.unreservedInFlight -= 1;
    };
  }

  /** The reason Lambda would give for a throttle of this function. */
  throttleReasonOf(functionName: string): ThrottleReason {
    return this.reservations.has(functionName) ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : 'ConcurrentInvocationLimitExceeded';
  }
}
