'use strict';
/**
 * The process of one local execution environment: plays the part of the managed nodejs24.x
 * runtime, whose runtime client is AWS's `aws-lambda-ric` 4.x (the conformance suite in
 * local-cloud/test/integration/conformance runs that client as the oracle for every behaviour below). Plain CommonJS, so
 * any Node.js binary runs it without a TypeScript loader; its entry is the ES module index.mjs, as on Lambda.
 *
 * Why not run aws-lambda-ric itself: it talks to the Runtime API over HTTP through a native
 * client, which costs 3-5x per warm invocation against this channel.
 *
 * The parent (runtime-process.ts) talks to it over runtime-channel.cjs (fd 3, one JSON document a line):
 *   parent → { type: 'invoke', requestId, payload, deadlineEpochMs, invokedFunctionArn, traceId?, clientContext?, identity?, tenantId? }
 *   child  → { type: 'ready', maxRssKb } | { type: 'init-error', error, outputBytes }
 *            { type: 'result', requestId, payload, outputBytes, maxRssKb } | { type: 'error', requestId, error, outputBytes, maxRssKb }
 * `outputBytes` counts what the child wrote to stdout and stderr, so the parent can wait for the
 * last log lines (a pipe) before it closes the invocation (the channel), keeping END after the function's output.
 * `maxRssKb` is the process's peak resident memory so far (getrusage's ru_maxrss, the figure /proc
 * gives as VmHWM), for REPORT's Max Memory Used: one system call here instead of a read of /proc
 * in the parent for every invocation.
 *
 * Everything else comes from the Lambda environment variables the parent sets (`_HANDLER`,
 * `LAMBDA_TASK_ROOT`, `AWS_LAMBDA_LOG_FORMAT`, ...), as in the real runtime.
 *
 * The runtime client's parts are the CommonJS modules beside this file: runtime-logging.cjs
 * (LogPatch), runtime-errors.cjs, runtime-globals.cjs (NODE_PATH for imports, `awslambda`), invoke-store.cjs,
 * handler-loader.cjs (UserFunctionLoader) and handler-invocation.cjs (context, result, streaming).
 *
 * Like the runtime client, it installs no `uncaughtException` / `unhandledRejection` handlers:
 * Node's default ends the process with exit status 1, which the parent reports as Runtime.ExitError.
 */
const { createRequire } = require('node:module');
const path = require('node:path');
const { formatError } = require('./runtime-errors.cjs');
const { currentInvocation, logError, patchConsole } = require('./runtime-logging.cjs');
const { installAwsLambdaGlobal, installNodePathForImports } = require('./runtime-globals.cjs');
const { loadHandler } = require('./handler-loader.cjs');
const { createContext, runHandler } = require('./handler-invocation.cjs');
const { createProcessor } = require('./invoke-processor.cjs');
const { runWithInvokeContext } = require('./invoke-store.cjs');
const runtimeChannel = require('./runtime-channel.cjs');

const { awaitNext, holdWhileStreaming, onInvoke, send, withinChannel } = runtimeChannel;

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

patchConsole();
installNodePathForImports();
installAwsLambdaGlobal();

async function main() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  let loaded;
  try {
    // Resolved as from the entry, so a require stack lists index.mjs alone, as the client's lists its own.
    loaded = await loadHandler(taskRoot, process.env._HANDLER ?? '', createRequire(path.join(__dirname, 'index.mjs')));
  } catch (error) {
    logError('Init Error', error);
    send({ type: 'init-error', error: formatError(error), outputBytes });
    return;
  }
  const { handler, streaming } = loaded;
  const processor = createProcessor(handler, streaming, runtimeChannel);
  send({ type: 'ready', maxRssKb: resourceUsage().maxRSS });
  awaitNext();

  onInvoke(async (message) => {
    const { requestId } = message;
    currentInvocation.requestId = requestId;
    currentInvocation.tenantId = message.tenantId;
    // The runtime client moves the trace header into the environment for each invocation.
    if (message.traceId) process.env._X_AMZN_TRACE_ID = message.traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    let reply;
    try {
      // An Invoke without a payload gives the handler `{}`.
      const event = message.payload === '' ? {} : JSON.parse(message.payload);
      const payload = await runWithInvokeContext(message, () =>
        runHandler(handler, streaming, event, createContext(message), processor, holdWhileStreaming),
      );
      // The client answers after a turn of the event loop, so `setImmediate` work of the handler runs first.
      await new Promise((resolve) => setImmediate(resolve));
      reply = { type: 'result', requestId, payload: withinChannel(payload) };
    } catch (error) {
      await new Promise((resolve) => setImmediate(resolve));
      logError('Invoke Error', error);
      reply = { type: 'error', requestId, error: formatError(error) };
    }
    send({ ...reply, outputBytes, maxRssKb: resourceUsage().maxRSS });
    awaitNext();
  });
}

main();
