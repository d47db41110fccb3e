/**
 * Cases of what the runtime client's `awslambda` global gives a function: response streaming as
 * the client enforces it, and `awslambda.InvokeStore`, which a bundled `@aws/lambda-invoke-store`
 * finds and reads the invocation's request ID from.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ConformanceCase } from './corpus';

/** The package as a function would bundle it: its CommonJS build, copied into the task root. */
const invokeStoreSource = readFileSync(createRequire(import.meta.url).resolve('@aws/lambda-invoke-store'), 'utf8');

export const awslambdaCases: readonly ConformanceCase[] = [
  {
    name: 'streaming: setContentType after the first write',
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('first ');
  responseStream.setContentType('text/plain');
  responseStream.end('never');
});`,
    },
  },
  {
    name: 'streaming: setContentType before the first write',
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  responseStream.end('typed');
});`,
    },
  },
  {
    name: 'streaming: a non-async handler that ended its stream',
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse((event, responseStream) => {
  responseStream.write('ended ');
  responseStream.end('by a plain function');
});`,
    },
  },
  {
    name: 'streaming: a non-async handler that left its stream open',
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse((event, responseStream) => {
  responseStream.write('left open');
});`,
    },
  },
  {
    name: 'streaming: a stream never ended waits for the timeout',
    timeoutSeconds: 1,
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('never ended');
});`,
    },
    documented: {
      outcome: 'timeout',
      source: 'aws-lambda-ric StreamingInvokeProcessor waits for the Runtime API to answer the ended stream',
    },
  },
  // The client's request for a streamed response holds the event loop from the invocation's start
  // until the stream has ended; nothing else of the runtime does (corpus.ts: Runtime.NodeJsExit).
  {
    name: "streaming: awaiting an unref'd timer while the stream is open",
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('open ');
  await new Promise((resolve) => setTimeout(resolve, 50).unref());
  responseStream.end('then ended');
});`,
    },
  },
  {
    name: 'awslambda.InvokeStore seen by a bundled @aws/lambda-invoke-store',
    files: {
      'invoke-store.js': invokeStoreSource,
      'index.js': `const { InvokeStore } = require('./invoke-store.js');
exports.handler = async (event, context) => {
  const store = await InvokeStore.getInstanceAsync();
  let protectedKey;
  try {
    store.set(Symbol.for('_AWS_LAMBDA_REQUEST_ID'), 'mine');
  } catch (error) {
    protectedKey = error.message;
  }
  store.set('custom', 'value');
  return {
    isTheGlobal: store === globalThis.awslambda.InvokeStore,
    requestId: store.getRequestId() === context.awsRequestId,
    traceId: store.getXRayTraceId() === context.xRayTraceId,
    tenantId: store.getTenantId() ?? null,
    hasContext: store.hasContext(),
    custom: store.get('custom'),
    protectedKey,
    className: store.constructor.name,
    methods: Object.getOwnPropertyNames(Object.getPrototypeOf(store)).sort(),
  };
};`,
    },
  },
];
