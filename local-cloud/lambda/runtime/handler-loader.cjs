'use strict';
/**
 * Loading the handler named by `_HANDLER`, as the runtime client's UserFunctionLoader does, with
 * the same error types for each way it can fail.
 */
const path = require('node:path');
const fs = require('node:fs');
const { errorTypes, RuntimeError } = require('./runtime-errors.cjs');
const { HANDLER_STREAMING } = require('./runtime-globals.cjs');

/**
 * `import()` of `file` + each extension that exists, then a CommonJS resolve (whose error carries
 * `Require stack`). `runtimeRequire` is a `require` of the runtime's entry (index.mjs): resolved from this module,
 * the stack would list two runtime files where the client's lists one.
 */
async function loadModule(taskRoot, moduleRoot, moduleName, runtimeRequire) {
  const base = path.resolve(taskRoot, moduleRoot, moduleName);
  try {
    for (const extension of ['', '.js', '.mjs', '.cjs']) {
      if (fs.existsSync(base + extension)) return await import(base + extension);
    }
    const resolved = runtimeRequire.resolve(moduleName, { paths: [taskRoot, path.join(taskRoot, moduleRoot)] });
    return runtimeRequire(resolved);
  } catch (error) {
    if (error instanceof SyntaxError) {
      const syntaxError = new RuntimeError(errorTypes.userCodeSyntax, String(error));
      syntaxError.stack = error.stack;
      throw syntaxError;
    }
    // Only CommonJS's code: an ES module's ERR_MODULE_NOT_FOUND stays a plain Error, as in the client.
    if (error instanceof Error && error.code === 'MODULE_NOT_FOUND') throw new RuntimeError(errorTypes.importModule, String(error));
    throw error;
  }
}

function findIn(handlerName, moduleValue) {
  return handlerName.split('.').reduce((nested, key) => (nested && typeof nested === 'object' ? nested[key] : undefined), moduleValue);
}

/** `{ handler, streaming }` for `handlerString` (e.g. `dist/index.handler`) under `taskRoot`. */
async function loadHandler(taskRoot, handlerString, runtimeRequire) {
  if (handlerString.includes('..')) {
    throw new RuntimeError(
      errorTypes.malformedHandlerName,
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const fileAndExport = path.basename(handlerString);
  const moduleRoot = handlerString.substring(0, handlerString.indexOf(fileAndExport)).replace(/\/$/, '');
  const match = /^([^.]*)\.(.*)$/.exec(fileAndExport);
  if (match === null) throw new RuntimeError(errorTypes.malformedHandlerName, 'Bad handler');
  const [, moduleName, handlerName] = match;
  const moduleValue = await loadModule(taskRoot, moduleRoot, moduleName, runtimeRequire);
  let handler = findIn(handlerName, moduleValue);
  // An ES module whose handler is on its default export (`export default { handler }`).
  if (!handler && typeof moduleValue === 'object' && moduleValue !== null && 'default' in moduleValue)
    handler = findIn(handlerName, moduleValue.default);
  if (!handler) throw new RuntimeError(errorTypes.handlerNotFound, `${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new RuntimeError(errorTypes.handlerNotFound, `${handlerString} is not a function`);

  const streamingValue = handler[HANDLER_STREAMING];
  if (streamingValue && streamingValue !== 'response')
    throw new RuntimeError(errorTypes.malformedStreamingHandler, 'Only response streaming is supported.');
  const streaming = Boolean(streamingValue);
  // nodejs24.x refuses callback-style handlers at init. https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
  if (handler.length >= 3 && !streaming) {
    throw new RuntimeError(
      errorTypes.callbackHandlerDeprecated,
      process.env.AWS_EXECUTION_ENV === 'AWS_Lambda_nodejs22.x'
        ? 'ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.'
        : 'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
  }
  return { handler, streaming };
}

module.exports = { loadHandler };
