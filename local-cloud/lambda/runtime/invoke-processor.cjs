'use strict';
/**
 * What the runtime client calls a handler on. `this` in a handler is the client's invoke processor,
 * made once when the runtime starts: an object holding the handler and the lifecycle manager (and,
 * for a streaming handler, the handler's metadata). So an ES-module handler that keeps `this.cache`
 * across invocations works as on Lambda, and sloppy CommonJS does not see `globalThis`.
 */
const { HANDLER_HIGHWATERMARK } = require('./runtime-globals.cjs');

/** The client's lifecycle manager holds its Runtime API client; here, the channel to the platform. */
class LifecycleManager {
  constructor(client) {
    this.client = client;
  }
}

class BufferedInvokeProcessor {
  constructor(handler, lifecycle) {
    this.handler = handler;
    this.lifecycle = lifecycle;
  }
}

class StreamingInvokeProcessor {
  constructor(handler, lifecycle, handlerMetadata) {
    this.handler = handler;
    this.lifecycle = lifecycle;
    this.handlerMetadata = handlerMetadata;
  }
}

/** The receiver of every call of `handler` in this environment. */
function createProcessor(handler, streaming, client) {
  const lifecycle = new LifecycleManager(client);
  if (!streaming) return new BufferedInvokeProcessor(handler, lifecycle);
  const highWaterMark = Number(handler[HANDLER_HIGHWATERMARK]);
  return new StreamingInvokeProcessor(handler, lifecycle, {
    streaming: true,
    highWaterMark: handler[HANDLER_HIGHWATERMARK] && !Number.isNaN(highWaterMark) ? highWaterMark : undefined,
    argsNum: handler.length,
  });
}

module.exports = { createProcessor };
