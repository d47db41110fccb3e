'use strict';
/**
 * The process of one local execution environment: plays the part of the Lambda Node.js runtime
 * (aws-lambda-nodejs-runtime-interface-client) for a bundled function. Plain CommonJS, so any
 * Node.js binary runs it without a TypeScript loader.
 *
 * The parent (execution-environment.ts) talks to it over the IPC channel:
 *   parent → { type: 'invoke', requestId, payload, deadlineEpochMs, invokedFunctionArn }
 *   child  → { type: 'ready', initDurationMs } | { type: 'init-error', error }
 *            { type: 'result', requestId, payload, outputBytes } | { type: 'error', requestId, error, outputBytes }
 * `outputBytes` counts what the child wrote to stdout and stderr, so the parent can wait for the
 * last log lines (a pipe) before it closes the invocation (IPC), keeping END after the function's output.
 *
 * argv[2] is a JSON object `{ handler, taskRoot }`; everything else comes from the Lambda
 * environment variables the parent sets, as in the real runtime.
 */
const path = require('node:path');
const fs = require('node:fs');
const util = require('node:util');
const { pathToFileURL } = require('node:url');

const { handler: handlerSetting, taskRoot } = JSON.parse(process.argv[2] ?? '{}');

/** The request being served; `undefined` during INIT, which is what Lambda prints then too. */
let currentRequestId;

// Count bytes written to stdout/stderr: see the header comment.
const outputBytes = { stdout: 0, stderr: 0 };
for (const streamName of ['stdout', 'stderr']) {
  const stream = process[streamName];
  const originalWrite = stream.write.bind(stream);
  stream.write = (chunk, encoding, callback) => {
    outputBytes[streamName] += typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk.length;
    return originalWrite(chunk, encoding, callback);
  };
}

/**
 * Console lines as the Node.js runtime writes them in text format: timestamp, request ID, level,
 * message, with newlines turned into carriage returns so one call stays one log event.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 */
function writeLogLine(level, args) {
  const line = [new Date().toISOString(), String(currentRequestId), level, util.format(...args)].join('\t');
  process.stdout.write(`${line.replace(/\n/g, '\r')}\n`);
}
const consoleLevels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
for (const [method, level] of Object.entries(consoleLevels)) {
  console[method] = (...args) => writeLogLine(level, args);
}

/** The runtime's error document: `{errorType, errorMessage, trace}` (utils/error.ts of the runtime client). */
function formatError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/** How the runtime logs an error: the document, with `stack` as a list, after a tab. */
function logError(label, error) {
  const document = error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, stack: typeof error.stack === 'string' ? error.stack.split('\n') : [] }
    : formatError(error);
  writeLogLine('ERROR', [`${label} \t${JSON.stringify(document)}`]);
}

function send(message) {
  if (process.send) process.send(message);
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
  const runtimeRequires = process.env.NODE_PATH.split(path.delimiter).filter(Boolean).map((directory) => createRequire(path.join(directory, 'noop.js')));
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (!error || error.code !== 'ERR_MODULE_NOT_FOUND' || specifier.startsWith('.') || specifier.startsWith('/')) throw error;
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

/** Finds `file.export` under the task root, trying .js, .mjs and .cjs as the runtime does. */
async function loadHandler() {
  const match = /^([^.]*|.*\/[^.]*)\.(.+)$/.exec(handlerSetting ?? '');
  if (match === null) throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handlerSetting}`);
  const [, modulePath, exportPath] = match;
  const base = path.resolve(taskRoot, modulePath);
  const file = ['.js', '.mjs', '.cjs'].map((extension) => base + extension).find((candidate) => fs.existsSync(candidate));
  if (file === undefined) {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  }
  let moduleExports;
  try {
    if (file.endsWith('.mjs')) {
      moduleExports = await import(pathToFileURL(file).href);
    } else {
      try {
        moduleExports = require(file);
      } catch (error) {
        if (error && error.code === 'ERR_REQUIRE_ESM') moduleExports = await import(pathToFileURL(file).href);
        else throw error;
      }
    }
  } catch (error) {
    // The runtime's names for code that cannot load. https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
    if (error instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`);
    if (error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: ${error.message}`);
    }
    throw error;
  }
  const handler = exportPath.split('.').reduce((value, key) => (value == null ? undefined : value[key]), moduleExports);
  if (typeof handler !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${path.basename(file)}.${exportPath} is undefined or not exported`);
  }
  return handler;
}

/** The context object of the Node.js runtime. https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html */
function createContext(requestId, deadlineEpochMs, invokedFunctionArn) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadlineEpochMs - Date.now()),
  };
}

// An error that escapes the handler ends the process, as in the runtime; the parent reports Runtime.ExitError.
process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  process.exit(129);
});
process.on('unhandledRejection', (reason) => {
  logError('Unhandled Promise Rejection', reason);
  process.exit(128);
});

// The platform went away (the local cloud was killed, even with SIGKILL): so does the sandbox,
// whatever timers or sockets the function left open.
process.on('disconnect', () => process.exit(0));

async function main() {
  const initStarted = performance.now();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    logError('Init Error', error);
    send({ type: 'init-error', error: formatError(error), outputBytes });
    return;
  }
  send({ type: 'ready', initDurationMs: performance.now() - initStarted });

  process.on('message', async (message) => {
    if (message === null || typeof message !== 'object' || message.type !== 'invoke') return;
    const { requestId, payload, deadlineEpochMs, invokedFunctionArn } = message;
    currentRequestId = requestId;
    try {
      const event = payload === '' ? {} : JSON.parse(payload);
      const result = await handler(event, createContext(requestId, deadlineEpochMs, invokedFunctionArn));
      // `undefined` serialises as `null`, as Lambda answers for a handler that returns nothing.
      const serialized = JSON.stringify(result);
      send({ type: 'result', requestId, payload: serialized === undefined ? 'null' : serialized, outputBytes });
    } catch (error) {
      logError('Invoke Error', error);
      send({ type: 'error', requestId, error: formatError(error), outputBytes });
    }
  });
}

main();
