/**
 * What Invoke checks before anything runs: the function's name in the forms it accepts, and the
 * payload's size and JSON. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import { resolveQualifier } from '../assembly/function-versions';
import { type FunctionDefinition, LambdaServiceError } from '../core/types';
import { MAX_ASYNC_PAYLOAD_BYTES } from './async-invocation-queue';
import type { InvocationType } from './lambda-service-options';
import { invalidUtf8 } from './payload-encoding';

/** Invoke request payload quota for synchronous invocations. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;

const FUNCTION_NAME =
  /^(?:arn:(?<partition>[^:]+):lambda:(?<region>[^:]+):)?(?:(?<account>\d{12}):function:)?(?<name>[^:]+)(?::(?<qualifier>[^:]+))?$/;

/** A function resolved with the qualifier it was asked for. https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html */
export interface QualifiedFunction {
  readonly definition: FunctionDefinition;
  /** `$LATEST` (also when none was given), a version number or an alias. */
  readonly qualifier: string;
  /** The version it runs: `$LATEST` or a number (an alias's target). */
  readonly version: string;
  /** Whether the caller gave a qualifier (in the name, the ARN or the Qualifier parameter). */
  readonly qualified: boolean;
  /** `arn:…:function:name:qualifier`, or the function's ARN when unqualified. */
  readonly invokedArn: string;
}

/**
 * The function a name, `name:qualifier`, partial ARN (`account:function:name`) or full ARN names,
 * as Invoke accepts, with the version its qualifier (`$LATEST`, a published version or an alias)
 * runs. ResourceNotFoundException when it names another account or region, a function that does
 * not exist or a qualifier the function does not have; InvalidParameterValueException when the
 * name's qualifier and the Qualifier parameter differ.
 */
export function qualifiedFunction(
  functionName: string,
  qualifier: string | undefined,
  here: { readonly region: string; readonly accountId: string; readonly definitionOf: (name: string) => FunctionDefinition | undefined },
): QualifiedFunction {
  const groups = FUNCTION_NAME.exec(functionName)?.groups ?? {};
  const name = groups.name ?? functionName;
  const effectiveQualifier = qualifier ?? groups.qualifier;
  // A qualifier in the name and another in the Qualifier parameter contradict each other.
  if (qualifier !== undefined && groups.qualifier !== undefined && qualifier !== groups.qualifier) {
    throw new LambdaServiceError(
      'InvalidParameterValueException',
      400,
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  const matchesAccount =
    (groups.account === undefined || groups.account === here.accountId) && (groups.region === undefined || groups.region === here.region);
  const definition = matchesAccount ? here.definitionOf(name) : undefined;
  const resolved = definition === undefined ? undefined : resolveQualifier(definition, effectiveQualifier);
  if (definition === undefined || resolved === undefined) {
    const arn = `arn:aws:lambda:${groups.region ?? here.region}:${groups.account ?? here.accountId}:function:${name}${effectiveQualifier === undefined ? '' : `:${effectiveQualifier}`}`;
    throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${arn}`);
  }
  return {
    definition,
    ...resolved,
    qualified: effectiveQualifier !== undefined,
    invokedArn: effectiveQualifier === undefined ? definition.arn : `${definition.arn}:${effectiveQualifier}`,
  };
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
