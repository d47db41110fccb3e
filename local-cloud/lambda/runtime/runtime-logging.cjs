'use strict';
/**
 * Logging, as the runtime client's LogPatch does it: `console.*` write one line per call, in the
 * function's log format and level, with the request ID of the invocation being served.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 */
const util = require('node:util');
const { intoError, toFormatted } = require('./runtime-errors.cjs');

/** The invocation being served; the runtime client prints `-` as the request ID outside one. */
const currentInvocation = { requestId: undefined, tenantId: undefined };

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
  const record = { timestamp, level, requestId: currentInvocation.requestId ?? '-' };
  if (currentInvocation.tenantId) record.tenantId = currentInvocation.tenantId;
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
      : [timestamp, currentInvocation.requestId ?? '-', level, util.format(message, ...params)].join('\t');
  // One call stays one log event: newlines become carriage returns.
  process.stdout.write(`${line.replace(/\n/g, '\r')}\n`);
}

function consoleMethod(level) {
  if (LOG_LEVELS[level] < minimumLevel) return () => {};
  return (message, ...params) => writeLogLine(level, message, params);
}

/** Replaces the `console` methods, as the client does before it loads the function. */
function patchConsole() {
  console.trace = consoleMethod('TRACE');
  console.debug = consoleMethod('DEBUG');
  console.info = consoleMethod('INFO');
  console.warn = consoleMethod('WARN');
  console.error = consoleMethod('ERROR');
  console.fatal = consoleMethod('FATAL');
  console.log = console.info;
}

/** An init or invoke error in the function's log, as the client writes it. */
function logError(label, error) {
  if (logFormat === 'JSON') console.error(intoError(error));
  else console.error(label, toFormatted(intoError(error)));
}

module.exports = { currentInvocation, patchConsole, logError };
