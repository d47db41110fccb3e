/**
 * The durable execution APIs on the local Lambda API's port, with Lambda's REST paths (API
 * version 2025-12-01), status codes and error types, and the Invoke of a durable function.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Operations.html
 */

import { LambdaServiceError } from '../core/types';
import type { ExtensionRequest, ExtensionResponse, InvokeApiExtension, InvokeExtensionRequest } from '../lambda/invoke-api-extension';
import type { QualifiedFunction } from '../lambda/lambda-service';
import type { DurableEngine } from './durable-engine';
import {
  DURABLE_LIMITS,
  type ErrorObject,
  type ExecutionStatus,
  executionNotFound,
  invalidParameter,
  type OperationUpdate,
} from './durable-types';
import { functionErrorPayload, wireEvent, wireExecution, wireExecutionSummary } from './wire-format';

const PREFIX = '/2025-12-01';
const EXECUTION_PATH = /^\/2025-12-01\/durable-executions\/([^/]+)(?:\/(checkpoint|state|history|stop))?\/?$/;
const CALLBACK_PATH = /^\/2025-12-01\/durable-execution-callbacks\/([^/]+)\/(succeed|fail|heartbeat)\/?$/;
const LIST_PATH = /^\/2025-12-01\/functions\/([^/]+)\/durable-executions\/?$/;
/** A synchronous Invoke waits this long for the execution, as Lambda's synchronous invocations do. */
const SYNC_WAIT_MS = 15 * 60_000;
const EXECUTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** How the API finds functions: the local Lambda service. */
export interface FunctionResolver {
  resolveQualified(functionName: string, qualifier?: string): QualifiedFunction;
}

function parseJson<T>(body: Buffer, what: string): T {
  try {
    return JSON.parse(body.length === 0 ? '{}' : body.toString('utf8')) as T;
  } catch {
    throw new LambdaServiceError('InvalidRequestContentException', 400, `Could not parse the ${what} request body as JSON.`);
  }
}

function integerParameter(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw invalidParameter(`${name} must be a positive integer.`);
  return number;
}

function timestampParameter(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return undefined;
  const milliseconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(milliseconds)) throw invalidParameter(`${name} is not a timestamp.`);
  return milliseconds;
}

export class DurableApi implements InvokeApiExtension {
  constructor(
    private readonly engine: DurableEngine,
    private readonly functions: FunctionResolver,
  ) {}

  bodyLimitFor(method: string, pathname: string): number | undefined {
    if (!pathname.startsWith(`${PREFIX}/`)) return undefined;
    if (method === 'GET') return 0;
    // A checkpoint batch's cap, with room for the request's own members.
    return DURABLE_LIMITS.maxCheckpointBatchBytes + 16_384;
  }

  async handle(request: ExtensionRequest): Promise<ExtensionResponse> {
    const { method, url, body } = request;
    const pathname = url.pathname;
    const execution = EXECUTION_PATH.exec(pathname);
    if (execution?.[1] !== undefined) {
      const arn = decodeURIComponent(execution[1]);
      const action = execution[2];
      if (method === 'POST' && action === 'checkpoint') return this.checkpoint(arn, body);
      if (method === 'POST' && action === 'stop') {
        const error = body.length === 0 ? undefined : parseJson<ErrorObject>(body, 'StopDurableExecution');
        return { statusCode: 200, body: { StopTimestamp: this.engine.stop(arn, error) / 1000 } };
      }
      if (method === 'GET' && action === 'state') {
        const state = this.engine.state(
          arn,
          url.searchParams.get('CheckpointToken') ?? '',
          url.searchParams.get('Marker') ?? undefined,
          integerParameter(url, 'MaxItems'),
        );
        return {
          statusCode: 200,
          body: { Operations: state.operations, ...(state.nextMarker === undefined ? {} : { NextMarker: state.nextMarker }) },
        };
      }
      if (method === 'GET' && action === 'history') return this.history(arn, url);
      if (method === 'GET' && action === undefined) {
        const record = this.engine.execution(arn);
        if (record === undefined) throw executionNotFound(arn);
        return { statusCode: 200, body: wireExecution(record, url.searchParams.get('IncludeExecutionData') !== 'false') };
      }
    }
    const callback = CALLBACK_PATH.exec(pathname);
    if (callback?.[1] !== undefined && method === 'POST') {
      const id = decodeURIComponent(callback[1]);
      if (body.length > DURABLE_LIMITS.maxCallbackPayloadBytes) {
        throw new LambdaServiceError(
          'RequestTooLargeException',
          413,
          `A callback's payload must be at most ${DURABLE_LIMITS.maxCallbackPayloadBytes} bytes.`,
        );
      }
      const outcome =
        callback[2] === 'succeed'
          ? { result: body.toString('utf8') }
          : callback[2] === 'fail'
            ? { error: parseJson<ErrorObject>(body, 'callback failure') }
            : 'heartbeat';
      this.engine.callback(id, outcome as Parameters<DurableEngine['callback']>[1]);
      return { statusCode: 200, body: {} };
    }
    const list = LIST_PATH.exec(pathname);
    if (list?.[1] !== undefined && method === 'GET') return this.list(decodeURIComponent(list[1]), url);
    throw new LambdaServiceError('UnknownOperationException', 404, `The local Lambda service does not implement ${method} ${pathname}`);
  }

  invoke(request: InvokeExtensionRequest): Promise<ExtensionResponse> | undefined {
    const target = this.functions.resolveQualified(request.functionName, request.qualifier);
    if (target.definition.durableConfig === undefined) return undefined;
    return this.startExecution(target, request);
  }

  private async startExecution(target: QualifiedFunction, request: InvokeExtensionRequest): Promise<ExtensionResponse> {
    if (!target.qualified) {
      throw invalidParameter(
        `${target.definition.name} is a durable function: invoke it by a qualified ARN (a version, an alias or $LATEST).`,
      );
    }
    if (request.body.length > DURABLE_LIMITS.maxPayloadBytes) {
      throw new LambdaServiceError(
        'RequestTooLargeException',
        413,
        `Request must be smaller than ${DURABLE_LIMITS.maxPayloadBytes} bytes for a durable function's input`,
      );
    }
    const input = request.body.length === 0 ? '{}' : request.body.toString('utf8');
    parseJson(request.body, 'Invoke');
    const nameHeader = request.headers['x-amz-durable-execution-name'];
    const name = Array.isArray(nameHeader) ? nameHeader[0] : nameHeader;
    if (name !== undefined && !EXECUTION_NAME.test(name)) {
      throw invalidParameter(`DurableExecutionName must be 1 to 64 letters, digits, hyphens or underscores, got ${JSON.stringify(name)}.`);
    }
    const headers = { 'X-Amz-Executed-Version': target.version };
    if (request.invocationType === 'DryRun') return { statusCode: 204, headers };
    const { record } = this.engine.start(target, input, {
      ...(name === undefined ? {} : { name }),
      asynchronous: request.invocationType === 'Event',
    });
    const withArn = { ...headers, 'X-Amz-Durable-Execution-Arn': record.arn };
    if (request.invocationType === 'Event') return { statusCode: 202, headers: withArn };
    const ended = await this.engine.whenEnded(record.arn, SYNC_WAIT_MS);
    if (ended === undefined) {
      const error = {
        ErrorType: 'DurableExecutionStillRunning',
        ErrorMessage: `The execution runs longer than a synchronous invocation waits (15 minutes): ${record.arn}`,
      };
      return { statusCode: 200, headers: { ...withArn, 'X-Amz-Function-Error': 'Unhandled' }, body: functionErrorPayload(error) };
    }
    if (ended.status === 'SUCCEEDED') return { statusCode: 200, headers: withArn, body: Buffer.from(ended.result ?? '') };
    return { statusCode: 200, headers: { ...withArn, 'X-Amz-Function-Error': 'Unhandled' }, body: functionErrorPayload(ended.error) };
  }

  private checkpoint(arn: string, body: Buffer): ExtensionResponse {
    if (body.length > DURABLE_LIMITS.maxCheckpointBatchBytes) {
      throw new LambdaServiceError(
        'RequestTooLargeException',
        413,
        `A checkpoint must be at most ${DURABLE_LIMITS.maxCheckpointBatchBytes} bytes.`,
      );
    }
    const request = parseJson<{ CheckpointToken?: unknown; Updates?: unknown; ClientToken?: unknown }>(body, 'CheckpointDurableExecution');
    if (typeof request.CheckpointToken !== 'string') throw invalidParameter('CheckpointToken is required.');
    if (request.Updates !== undefined && !Array.isArray(request.Updates)) throw invalidParameter('Updates must be a list.');
    if (request.ClientToken !== undefined && typeof request.ClientToken !== 'string')
      throw invalidParameter('ClientToken must be a string.');
    const result = this.engine.checkpoint(arn, request.CheckpointToken, (request.Updates ?? []) as OperationUpdate[], request.ClientToken);
    return { statusCode: 200, body: { CheckpointToken: result.token, NewExecutionState: { Operations: result.operations } } };
  }

  private history(arn: string, url: URL): ExtensionResponse {
    const maxItems = Math.min(integerParameter(url, 'MaxItems') ?? 100, 1000);
    const offset = Number(url.searchParams.get('Marker') ?? 0) || 0;
    const events = this.engine.history(arn, { offset, limit: maxItems + 1, reverse: url.searchParams.get('ReverseOrder') === 'true' });
    const includeData = url.searchParams.get('IncludeExecutionData') === 'true';
    return {
      statusCode: 200,
      body: {
        Events: events.slice(0, maxItems).map((event) => wireEvent(event, includeData)),
        ...(events.length > maxItems ? { NextMarker: String(offset + maxItems) } : {}),
      },
    };
  }

  private list(functionName: string, url: URL): ExtensionResponse {
    const definition = this.functions.resolveQualified(functionName).definition;
    const maxItems = Math.min(integerParameter(url, 'MaxItems') ?? 50, 1000);
    const offset = Number(url.searchParams.get('Marker') ?? 0) || 0;
    const qualifier = url.searchParams.get('Qualifier') ?? undefined;
    const name = url.searchParams.get('DurableExecutionName') ?? undefined;
    const startedAfter = timestampParameter(url, 'StartedAfter');
    const startedBefore = timestampParameter(url, 'StartedBefore');
    const executions = this.engine.list(
      {
        functionName: definition.name,
        ...(qualifier === undefined ? {} : { qualifier }),
        ...(name === undefined ? {} : { name }),
        statuses: url.searchParams.getAll('Statuses') as ExecutionStatus[],
        ...(startedAfter === undefined ? {} : { startedAfter }),
        ...(startedBefore === undefined ? {} : { startedBefore }),
        reverseOrder: url.searchParams.get('ReverseOrder') === 'true',
      },
      offset,
      maxItems + 1,
    );
    return {
      statusCode: 200,
      body: {
        DurableExecutions: executions.slice(0, maxItems).map(wireExecutionSummary),
        ...(executions.length > maxItems ? { NextMarker: String(offset + maxItems) } : {}),
      },
    };
  }
}
