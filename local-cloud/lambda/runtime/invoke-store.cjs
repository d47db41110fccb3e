'use strict';
/**
 * `awslambda.InvokeStore`: the invocation's context (request ID, X-Ray trace ID) that the runtime
 * client keeps for `@aws/lambda-invoke-store`. The client makes the store before the function
 * loads and puts it on the `awslambda` global, where a copy of the package the function bundles
 * finds it (its own store would never be given a request ID, and answer "-"). Each invocation runs
 * inside `run`; as in the client's single-concurrency store, the context stays until the next
 * invocation replaces it. The shape is the package's (0.2.x, the one aws-lambda-ric 4.0.2 has).
 * https://github.com/awslabs/aws-lambda-invoke-store
 */

/** Symbols the package shares through the global registry; the store refuses to `set` them. */
const PROTECTED_KEYS = {
  REQUEST_ID: Symbol.for('_AWS_LAMBDA_REQUEST_ID'),
  X_RAY_TRACE_ID: Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID'),
  TENANT_ID: Symbol.for('_AWS_LAMBDA_TENANT_ID'),
};

class InvokeStoreBase {
  static PROTECTED_KEYS = PROTECTED_KEYS;

  isProtectedKey(key) {
    return Object.values(PROTECTED_KEYS).includes(key);
  }

  getRequestId() {
    return this.get(PROTECTED_KEYS.REQUEST_ID) ?? '-';
  }

  getXRayTraceId() {
    return this.get(PROTECTED_KEYS.X_RAY_TRACE_ID);
  }

  getTenantId() {
    return this.get(PROTECTED_KEYS.TENANT_ID);
  }
}

/** One invocation at a time: the context is a field, not an AsyncLocalStorage. */
class InvokeStoreSingle extends InvokeStoreBase {
  currentContext;

  getContext() {
    return this.currentContext;
  }

  hasContext() {
    return this.currentContext !== undefined;
  }

  get(key) {
    return this.currentContext?.[key];
  }

  set(key, value) {
    if (this.isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    this.currentContext = this.currentContext ?? {};
    this.currentContext[key] = value;
  }

  run(context, fn) {
    this.currentContext = context;
    return fn();
  }
}

const invokeStore = new InvokeStoreSingle();

/** Runs one invocation with its request ID and trace ID in the store, as the client does (no tenant ID: 4.0.2 puts none). */
function runWithInvokeContext(message, fn) {
  return invokeStore.run({ [PROTECTED_KEYS.REQUEST_ID]: message.requestId, [PROTECTED_KEYS.X_RAY_TRACE_ID]: message.traceId }, fn);
}

module.exports = { invokeStore, runWithInvokeContext };
