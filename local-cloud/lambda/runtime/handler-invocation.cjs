'use strict';
/**
 * One invocation of a loaded handler: its context object, its result as the JSON Invoke answers,
 * and for a streaming handler a response stream collected whole.
 */
const { Writable } = require('node:stream');
const { errorTypes, RuntimeError } = require('./runtime-errors.cjs');
const { logError } = require('./runtime-logging.cjs');

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
  let written = false;
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  // The content type goes out with the response's headers, before the first write: after it, the client refuses.
  stream.setContentType = () => {
    if (written) throw new RuntimeError(errorTypes.invalidStreamingOperation, 'Cannot set content-type, too late.');
  };
  const write = stream.write.bind(stream);
  stream.write = (chunk, encoding, callback) => {
    if (!written && typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite((bytes) => write(bytes));
    written = true;
    return write(typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk), encoding, callback);
  };
  // Settles when the handler has ended the stream: the client waits for that (the Runtime API
  // answers an ended stream), so a stream never ended runs into the function's timeout.
  const finished = new Promise((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  return { stream, finished, body: () => Buffer.concat(chunks).toString('utf8') };
}

const isPromise = (value) => typeof value === 'object' && value !== null && typeof value.then === 'function';

/**
 * The handler's answer as the JSON text Invoke returns (a streaming handler's body as written);
 * called on `receiver`, as the client calls it on its invoke processor (invoke-processor.cjs).
 * A streaming handler that is not async fails, as the client fails it: a turn later, through the
 * stream, so a stream it has already ended keeps its body and only the error's log line remains.
 * `holdWhileStreaming` keeps the process alive until the streaming invocation has ended (runtime-channel.cjs).
 */
async function runHandler(handler, streaming, event, context, receiver, holdWhileStreaming = () => () => {}) {
  if (!streaming) return serialize(await handler.call(receiver, event, context));
  // Held from the start, as the client's request for the response is, until the stream has ended or failed.
  const release = holdWhileStreaming();
  try {
    return await runStreamingHandler(handler, event, context, receiver, release);
  } finally {
    release();
  }
}

async function runStreamingHandler(handler, event, context, receiver, release) {
  const { stream, finished, body } = createCollectingStream();
  finished.then(release, release);
  const returned = handler.call(receiver, event, stream, context);
  if (!isPromise(returned)) {
    const error = new Error('Streaming does not support non-async handlers.');
    await new Promise((resolve) => setImmediate(resolve));
    if (!stream.writableEnded) throw error;
    logError('Invoke Error', error);
    await finished;
    return body();
  }
  if ((await returned) !== undefined) console.warn('Streaming handlers ignore return values.');
  await finished;
  if (!stream.writableFinished) throw new Error('Response stream is not finished.');
  return body();
}

module.exports = { createContext, runHandler };
