'use strict';
/**
 * The process of one local execution environment: plays the part of the managed nodejs24.x
 * runtime, whose runtime client is AWS's `aws-lambda-ric` 4.x (the conformance suite in
 * local-cloud/test/integration/conformance runs that client as the oracle for every behaviour below). Plain CommonJS, so
 * any Node.js binary runs it without a TypeScript loader.
 *
 * Why not run aws-lambda-ric itself: it talks to the Runtime API over HTTP through a native
 * client, which costs 3-5x per warm invocation against this channel.
 *
 * The parent (runtime-process.ts) talks to it over a channel of its own on fd 3, one JSON document a
 * line (runtime-messages.ts says why not Node's IPC channel):
 *   parent → { type: 'invoke', requestId, payload, deadlineEpochMs, invokedFunctionArn, traceId?, clientContext?, identity?, tenantId? }
 *   child  → { type: 'ready', maxRssKb } | { type: 'init-error', error, outputBytes }
 *            { type: 'result', requestId, payload, outputBytes, maxRssKb } | { type: 'error', requestId, error, outputBytes, maxRssKb }
 * `outputBytes` counts what the child wrote to stdout and stderr, so the parent can wait for the
 * last log lines (a pipe) before it closes the invocation (IPC), keeping END after the function's output.
 * `maxRssKb` is the process's peak resident memory so far (getrusage's ru_maxrss, the figure /proc
 * gives as VmHWM), for REPORT's Max Memory Used: one system call here instead of a read of /proc
 * in the parent for every invocation.
 *
 * Everything else comes from the Lambda environment variables the parent sets (`_HANDLER`,
 * `LAMBDA_TASK_ROOT`, `AWS_LAMBDA_LOG_FORMAT`, ...), as in the real runtime.
 *
 * Like the runtime client, it installs no `uncaughtException` / `unhandledRejection` handlers:
 * Node's default ends the process with exit status 1, which the parent reports as Runtime.ExitError.
 */
const path = require('node:path');
const fs = require('node:fs');
const util = require('node:util');
const net = require('node:net');
const { Writable } = require('node:stream');

// Taken before the function's code loads, so that the function cannot change what REPORT says.
const resourceUsage = process.resourceUsage.bind(process);

// Count bytes written to stdout/stderr: see the header comment.
const outputBytes = { stdout: 0, stderr: 0 };
for (const streamName of ['stdout', 'stderr']) {
  const stream = process[streamName];
  const originalWrite = stream.write.bind(stream);
  stream.write = (chunk, encoding, callback) => {
    outputBytes[streamName] +=
      typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk.length;
    return originalWrite(chunk, encoding, callback);
  };
}

/** The invocation being served; the runtime client prints `-` as the request ID outside one. */
let current = { requestId: undefined, tenantId: undefined };

// ---------------------------------------------------------------------------------------------
// Logging, as the runtime client's LogPatch does it.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
// ---------------------------------------------------------------------------------------------
const LOG_LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const logFormat = (process.env.AWS_LAMBDA_LOG_FORMAT ?? '').toUpperCase() === 'JSON' ? 'JSON' : 'TEXT';
// The client's default is TRACE: the managed runtime sets AWS_LAMBDA_LOG_LEVEL (INFO by default
// with JSON) from the function's LoggingConfig.
const minimumLevel = LOG_LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL ?? '').toUpperCase()] ?? LOG_LEVELS.TRACE;

/** The client's JSON replacer: an Error is logged with its constructor's name as errorType. */
function jsonErrorReplacer(_key, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function formatJsonLine(timestamp, level, message, params) {
  const record = { timestamp, level, requestId: current.requestId ?? '-' };
  if (current.tenantId) record.tenantId = current.tenantId;
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = util.format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(message, ...params);
  const error = params.find((param) => param instanceof Error);
  if (error !== undefined) {
    record.errorType = error?.constructor?.name ?? 'UnknownError';
    record.errorMessage = error.message;
    record.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

function writeLogLine(level, message, params) {
  const timestamp = new Date().toISOString();
  const line =
    logFormat === 'JSON'
      ? formatJsonLine(timestamp, level, message, params)
      : [timestamp, current.requestId ?? '-', level, util.format(message, ...params)].join('\t');
  // One call stays one log event: newlines become carriage returns.
  process.stdout.write(`${line.replace(/\n/g, '\r')}\n`);
}

function consoleMethod(level) {
  if (LOG_LEVELS[level] < minimumLevel) return () => {};
  return (message, ...params) => writeLogLine(level, message, params);
}
console.trace = consoleMethod('TRACE');
console.debug = consoleMethod('DEBUG');
console.info = consoleMethod('INFO');
console.warn = consoleMethod('WARN');
console.error = consoleMethod('ERROR');
console.fatal = consoleMethod('FATAL');
console.log = console.info;

// ---------------------------------------------------------------------------------------------
// Errors, as the runtime client formats them.
// ---------------------------------------------------------------------------------------------
/** The error document posted to the Runtime API: `{errorType, errorMessage, trace}`. */
function formatError(error) {
  try {
    if (error instanceof Error) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

function intoError(error) {
  return error instanceof Error ? error : new Error(String(error));
}

/** The text form of a logged error: a tab, then JSON with name, message, code and stack as a list. */
function toFormatted(error) {
  const withEnumerableProperties = (_key, value) => {
    if (!(value instanceof Error)) return value;
    const document = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
    if (typeof value.stack === 'string') document.stack = value.stack.split('\n');
    return document;
  };
  try {
    return `\t${JSON.stringify(error, withEnumerableProperties)}`;
  } catch {
    return `\t${JSON.stringify(formatError(error))}`;
  }
}

function logError(label, error) {
  if (logFormat === 'JSON') console.error(intoError(error));
  else console.error(label, toFormatted(intoError(error)));
}

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

/**
 * Lambda's Node.js runtime provides the AWS SDK v3 to ES modules as well as to CommonJS; NODE_PATH
 * only serves `require`, so resolve bare specifiers that fail through NODE_PATH too (Node >= 22.15).
 */
const { registerHooks, createRequire } = require('node:module');
if (typeof registerHooks === 'function' && process.env.NODE_PATH) {
  const { pathToFileURL } = require('node:url');
  const runtimeRequires = process.env.NODE_PATH.split(path.delimiter)
    .filter(Boolean)
    .map((directory) => createRequire(path.join(directory, 'noop.js')));
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (error?.code !== 'ERR_MODULE_NOT_FOUND' || specifier.startsWith('.') || specifier.startsWith('/')) throw error;
        for (const runtimeRequire of runtimeRequires) {
          try {
            return { url: pathToFileURL(runtimeRequire.resolve(specifier)).href, shortCircuit: true };
          } catch {
            // Not in this directory: try the next.
          }
        }
        throw error;
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The `awslambda` global the runtime provides (response streaming).
// ---------------------------------------------------------------------------------------------
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
if (!['1', 'true'].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA ?? '')) {
  globalThis.awslambda = {
    ...globalThis.awslambda,
    streamifyResponse(handler, options) {
      handler[HANDLER_STREAMING] = 'response';
      if (typeof options?.highWaterMark === 'number') handler[HANDLER_HIGHWATERMARK] = Number.parseInt(String(options.highWaterMark), 10);
      return handler;
    },
    HttpResponseStream: {
      /** The HTTP integration prelude: JSON metadata, then 8 zero bytes, before the body. */
      from(stream, prelude) {
        stream.setContentType('application/vnd.awslambda.http-integration-response');
        stream._onBeforeFirstWrite = (write) => {
          write(JSON.stringify(prelude));
          write(new Uint8Array(8));
        };
        return stream;
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Loading the handler, as the client's UserFunctionLoader does.
// ---------------------------------------------------------------------------------------------
/** `import()` of `file` + each extension that exists, then a CommonJS resolve (whose error carries `Require stack`). */
async function loadModule(taskRoot, moduleRoot, moduleName) {
  const base = path.resolve(taskRoot, moduleRoot, moduleName);
  try {
    for (const extension of ['', '.js', '.mjs', '.cjs']) {
      if (fs.existsSync(base + extension)) return await import(base + extension);
    }
    const resolved = require.resolve(moduleName, { paths: [taskRoot, path.join(taskRoot, moduleRoot)] });
    return require(resolved);
  } catch (error) {
    if (error instanceof SyntaxError) {
      const syntaxError = new RuntimeError('Runtime.UserCodeSyntaxError', String(error));
      syntaxError.stack = error.stack;
      throw syntaxError;
    }
    // Only CommonJS's code: an ES module's ERR_MODULE_NOT_FOUND stays a plain Error, as in the client.
    if (error instanceof Error && error.code === 'MODULE_NOT_FOUND') throw new RuntimeError('Runtime.ImportModuleError', String(error));
    throw error;
  }
}

function findIn(handlerName, moduleValue) {
  return handlerName.split('.').reduce((nested, key) => (nested && typeof nested === 'object' ? nested[key] : undefined), moduleValue);
}

async function loadHandler(taskRoot, handlerString) {
  if (handlerString.includes('..')) {
    throw new RuntimeError(
      'Runtime.MalformedHandlerName',
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const fileAndExport = path.basename(handlerString);
  const moduleRoot = handlerString.substring(0, handlerString.indexOf(fileAndExport)).replace(/\/$/, '');
  const match = /^([^.]*)\.(.*)$/.exec(fileAndExport);
  if (match === null) throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const [, moduleName, handlerName] = match;
  const moduleValue = await loadModule(taskRoot, moduleRoot, moduleName);
  let handler = findIn(handlerName, moduleValue);
  // An ES module whose handler is on its default export (`export default { handler }`).
  if (!handler && typeof moduleValue === 'object' && moduleValue !== null && 'default' in moduleValue)
    handler = findIn(handlerName, moduleValue.default);
  if (!handler) throw new RuntimeError('Runtime.HandlerNotFound', `${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', `${handlerString} is not a function`);

  const streamingValue = handler[HANDLER_STREAMING];
  if (streamingValue && streamingValue !== 'response')
    throw new RuntimeError('Runtime.MalformedStreamingHandler', 'Only response streaming is supported.');
  const streaming = Boolean(streamingValue);
  // nodejs24.x refuses callback-style handlers at init. https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
  if (handler.length >= 3 && !streaming) {
    throw new RuntimeError(
      'Runtime.CallbackHandlerDeprecated',
      process.env.AWS_EXECUTION_ENV === 'AWS_Lambda_nodejs22.x'
        ? 'ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.'
        : 'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
  }
  return { handler, streaming };
}

// ---------------------------------------------------------------------------------------------
// Invocations.
// ---------------------------------------------------------------------------------------------
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

// The channel to the platform. Not a Node.js IPC channel, so `process.send` is undefined here, as on Lambda.
const channel = new net.Socket({ fd: 3, readable: true, writable: true });

function send(message) {
  channel.write(`${JSON.stringify(message)}\n`);
}

/** The service refuses a response over 6 MB (Function.ResponseSizeTooLarge): what it cannot use need not cross the channel. */
const RESPONSE_LIMIT_BYTES = 6_291_556;

/** Cut just past the limit, so the parent still sees that it was exceeded (a character is at least one byte). */
function withinChannel(payload) {
  return payload.length > RESPONSE_LIMIT_BYTES ? payload.slice(0, RESPONSE_LIMIT_BYTES + 1) : payload;
}

/** `undefined` answers `null`; what JSON cannot hold (BigInt, a cycle) is Runtime.JSONStringifyError. */
function serialize(result) {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new RuntimeError('Runtime.JSONStringifyError', 'Unable to stringify response body');
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

async function runHandler(handler, streaming, event, context) {
  if (!streaming) return serialize(await handler(event, context));
  const { stream, finished, body } = createCollectingStream();
  const returned = handler(event, stream, context);
  if (typeof returned?.then !== 'function') throw new Error('Streaming does not support non-async handlers.');
  if ((await returned) !== undefined) console.warn('Streaming handlers ignore return values.');
  if (!stream.writableFinished) throw new Error('Response stream is not finished.');
  await finished;
  return body();
}

async function main() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  let loaded;
  try {
    loaded = await loadHandler(taskRoot, process.env._HANDLER ?? '');
  } catch (error) {
    logError('Init Error', error);
    send({ type: 'init-error', error: formatError(error), outputBytes });
    return;
  }
  const { handler, streaming } = loaded;
  send({ type: 'ready', maxRssKb: resourceUsage().maxRSS });

  onInvoke(async (message) => {
    const { requestId } = message;
    current = { requestId, tenantId: message.tenantId };
    // The runtime client moves the trace header into the environment for each invocation.
    if (message.traceId) process.env._X_AMZN_TRACE_ID = message.traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    let reply;
    try {
      // An Invoke without a payload gives the handler `{}`.
      const event = message.payload === '' ? {} : JSON.parse(message.payload);
      const payload = await runHandler(handler, streaming, event, createContext(message));
      // The client answers after a turn of the event loop, so `setImmediate` work of the handler runs first.
      await new Promise((resolve) => setImmediate(resolve));
      reply = { type: 'result', requestId, payload: withinChannel(payload) };
    } catch (error) {
      await new Promise((resolve) => setImmediate(resolve));
      logError('Invoke Error', error);
      reply = { type: 'error', requestId, error: formatError(error) };
    }
    send({ ...reply, outputBytes, maxRssKb: resourceUsage().maxRSS });
  });
}

/** Calls `handle` with each invoke message from the platform, one line each. */
function onInvoke(handle) {
  let partial = [];
  channel.setEncoding('utf8');
  channel.on('data', (text) => {
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      partial.push(text.slice(start, newline));
      const message = JSON.parse(partial.join(''));
      partial = [];
      start = newline + 1;
      if (message !== null && typeof message === 'object' && message.type === 'invoke') handle(message);
    }
    if (start < text.length) partial.push(text.slice(start));
  });
}

// The environment ends with the local service: a parent that died (even by SIGKILL) closes the
// channel, and the sandbox goes, whatever timers or sockets the function left open.
channel.on('end', () => process.exit(0));
channel.on('error', () => process.exit(0));

main();
