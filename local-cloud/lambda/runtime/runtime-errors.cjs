'use strict';
/**
 * Errors as the runtime client makes and formats them: its `errorType` names (error-types.json,
 * shared with the platform's TypeScript side), the document posted for a failed invocation or
 * init, and the text form of a logged error.
 */
const errorTypes = require('./error-types.json');

/** An error whose `name` is one of Lambda's error types, e.g. `Runtime.HandlerNotFound`. */
class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

/** ASCII DEL, which the runtime client writes as `%7F` in an error document. */
const escapeDelete = (text) => text?.replaceAll('\x7F', '%7F');

/**
 * The error document posted to the Runtime API: `{errorType, errorMessage, trace}`. As in the
 * client, a name, message or stack that is not a string (so has no `replaceAll`) gives `handled`.
 */
function formatError(error) {
  try {
    if (error instanceof Error) {
      return {
        errorType: escapeDelete(error.name),
        errorMessage: escapeDelete(error.message),
        trace: escapeDelete(error.stack)?.split('\n') ?? [],
      };
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

module.exports = { errorTypes, RuntimeError, formatError, intoError, toFormatted };
