'use strict';
/**
 * What the managed runtime adds to the process before the function loads: module resolution
 * through NODE_PATH for ES modules too, and the `awslambda` global (response streaming, InvokeStore).
 */
const path = require('node:path');
const { invokeStore } = require('./invoke-store.cjs');

/** The marks `awslambda.streamifyResponse` puts on a handler. */
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

/**
 * Lambda's Node.js runtime provides the AWS SDK v3 to ES modules as well as to CommonJS; NODE_PATH
 * only serves `require`, so resolve bare specifiers that fail through NODE_PATH too (Node >= 22.15).
 */
function installNodePathForImports() {
  const { registerHooks, createRequire } = require('node:module');
  if (typeof registerHooks !== 'function' || !process.env.NODE_PATH) return;
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

/** The `awslambda` global the runtime provides, unless AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA says not to. */
function installAwsLambdaGlobal() {
  if (['1', 'true'].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA ?? '')) return;
  globalThis.awslambda = {
    ...globalThis.awslambda,
    InvokeStore: invokeStore,
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

module.exports = { HANDLER_HIGHWATERMARK, HANDLER_STREAMING, installNodePathForImports, installAwsLambdaGlobal };
