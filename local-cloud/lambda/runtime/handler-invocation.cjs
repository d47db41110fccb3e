'use strict';
/**
 * One invocation of a loaded handler: its context object, its result as the JSON Invoke answers,
 * and for a streaming handler a response stream collected whole.
 */
const { Writable } = require('node:stream');
const { errorTypes, RuntimeError } = require('./runtime-errors.cjs');

/**
 * The context object, as the client builds it (no callbackWaitsForEmptyEventLoop on nodejs24.x).
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
 */
function createContext(message) {
  const { deadlineEpochMs } = message;
  return {
    // The Invoke API checked that X-Amz-Client-Context is base64 of JSON; the client parses it.
    clientContext: message.clientContext === undefined ? undefined : JSON.parse(message.clientContext),
    identity: message.identity,
    invokedFunctionArn: message.invokedFunctionArn,
    awsRequestId: message.requestId,
    tenantId: message.tenantId,
    xRayTraceId: message.traceId,
    getRemainingTimeInMillis: () => deadlineEpochMs - Date.now(),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  };
}

/** `undefined` answers `null`; what JSON cannot hold (BigInt, a cycle) is Runtime.JSONStringifyError. */
function serialize(result) {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new RuntimeError(errorTypes.jsonStringify, 'Unable to stringify response body');
  }
}

/** A response stream that collects what the handler writes: the local Invoke API answers it whole. */
function createCollectingStream() {
  const chunks = [];
  let firstWrite = true;
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  stream.setContentType = () => {};
  const write = stream.write.bind(stream);
  stream.write = (chunk, encoding, callback) => {
    if (firstWrite && typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite((bytes) => write(bytes));
    firstWrite = false;
    return write(typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk), encoding, callback);
  };
  const finished = new Promise((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  return { stream, finished, body: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * The handler's answer as the JSON text Invoke returns (a streaming handler's body as written);
 * called on `receiver`, as the client calls it on its invoke processor (invoke-processor.cjs).
 */
async function runHandler(handler, streaming, event, context, receiver) {
  if (!streaming) return serialize(await handler.call(receiver, event, context));
  const { stream, finished, body } = createCollectingStream();
  const returned = handler.call(receiver, event, stream, context);
  if (typeof returned?.then !== 'function') throw new Error('Streaming does not support non-async handlers.');
  if ((await returned) !== undefined) console.warn('Streaming handlers ignore return values.');
  if (!stream.writableFinished) throw new Error('Response stream is not finished.');
  await finished;
  return body();
}

module.exports = { createContext, runHandler };
