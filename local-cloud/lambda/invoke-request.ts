/**
 * What Invoke checks before anything runs: the function's name in the forms it accepts, and the
 * payload's size and JSON. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import { LambdaServiceError } from '../core/types';
import { MAX_ASYNC_PAYLOAD_BYTES } from './async-invocation-queue';
import type { InvocationType } from './lambda-service-options';
import { invalidUtf8 } from './payload-encoding';

/** Invoke request payload quota for synchronous invocations. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;

const FUNCTION_NAME =
  /^(?:arn:(?<partition>[^:]+):lambda:(?<region>[^:]+):)?(?:(?<account>\d{12}):function:)?(?<name>[^:]+)(?::(?<qualifier>[^:]+))?$/;

/**
 * The local name of a function given by name, `name:qualifier`, partial ARN
 * (`account:function:name`) or full ARN, as Invoke accepts; ResourceNotFoundException when it
 * names another account or region, or a qualifier other than `$LATEST` (the only one locally).
 */
export function localFunctionName(
  functionName: string,
  qualifier: string | undefined,
  here: { readonly region: string; readonly accountId: string; readonly exists: (name: string) => boolean },
): string {
  const groups = FUNCTION_NAME.exec(functionName)?.groups ?? {};
  const name = groups.name ?? functionName;
  const effectiveQualifier = qualifier ?? groups.qualifier;
  const matchesAccount =
    (groups.account === undefined || groups.account === here.accountId) && (groups.region === undefined || groups.region === here.region);
  if (!here.exists(name) || !matchesAccount || (effectiveQualifier !== undefined && effectiveQualifier !== '$LATEST')) {
    const arn = `arn:aws:lambda:${groups.region ?? here.region}:${groups.account ?? here.accountId}:function:${name}${effectiveQualifier === undefined ? '' : `:${effectiveQualifier}`}`;
    throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${arn}`);
  }
  return name;
}

/** Throws Lambda's error for a payload over the invocation type's quota, or one that is not JSON. */
export function validatePayload(payload: Buffer, invocationType: InvocationType): void {
  const limit = invocationType === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
  if (payload.length > limit) {
    throw new LambdaServiceError(
      'RequestTooLargeException',
      413,
      `Request must be smaller than ${limit} bytes for the ${invocationType === 'Event' ? 'InvokeAsync' : 'InvokeFunction'} operation`,
    );
  }
  if (payload.length === 0) return;
  const malformed = invalidUtf8(payload);
  try {
    if (malformed !== undefined) throw new Error(malformed);
    JSON.parse(payload.toString('utf8'));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new LambdaServiceError(
      'InvalidRequestContentException',
      400,
      `Could not parse request body into json: Could not parse payload into json: ${detail}`,
    );
  }
}
