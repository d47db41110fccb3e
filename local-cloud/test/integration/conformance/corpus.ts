/**
 * Small handlers, each showing one behaviour of the nodejs24.x runtime. Every case runs through
 * the local execution environment and through AWS's runtime client (see conformance.test.ts).
 * `clientOnly: false` marks what the runtime client does not do (timeouts, memory): those are
 * checked against the AWS documentation instead (`documented`).
 */

export interface ConformanceCase {
  readonly name: string;
  /** File name → source, written into the case's task root. */
  readonly files: Readonly<Record<string, string>>;
  /** @default 'index.handler' */
  readonly handler?: string;
  /** @default '{"n":1}' */
  readonly event?: string;
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The event of a second invocation of the same environment, after it idled (frozen between the
   * two, as Lambda freezes it): what the first left running shows in the second's observation.
   * The same as `event` for a case that needs only the environment's next invocation.
   */
  readonly secondEvent?: string;
  /** JSON given as the client context. */
  readonly clientContext?: string;
  /** @default 256 */
  readonly memorySizeMb?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** INIT's limit, shortened from Lambda's 10 s so that a case can pass it quickly. */
  readonly initTimeoutMs?: number;
  /** What AWS documents for a behaviour the runtime client leaves to Lambda itself. */
  readonly documented?: { readonly outcome: 'success' | 'timeout' | 'out-of-memory'; readonly source: string };
}

const consoleAtEveryLevel = (when: string) => `
console.log('${when} log', { a: 1 }, [1, 2]);
console.info('${when} info %s=%d', 'n', 42);
console.warn('${when} warn\\nsecond line');
console.error('${when} error', new Error('logged error'));
console.debug('${when} debug');
console.trace('${when} trace');
console.fatal('${when} fatal');
`;

const errorClass = `class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ValidationError';
    this.code = 'E_VALIDATION';
    this.field = 'number';
  }
}`;

export const conformanceCases: readonly ConformanceCase[] = [
  { name: 'async success', files: { 'index.js': `exports.handler = async (event) => ({ ok: true, event });` } },
  { name: 'ES module .mjs', files: { 'index.mjs': `export const handler = async (event) => ({ esm: true, event });` } },
  {
    name: 'ES module .js with type module',
    files: { 'package.json': '{"type":"module"}', 'index.js': `export const handler = async () => 'esm-js';` },
  },
  { name: 'ES module default export', files: { 'index.mjs': `export default { handler: async () => 'from default' };` } },
  { name: 'undefined result', files: { 'index.js': `exports.handler = async () => undefined;` } },
  { name: 'BigInt result', files: { 'index.js': `exports.handler = async () => ({ n: 10n });` } },
  { name: 'circular result', files: { 'index.js': `exports.handler = async () => { const a = {}; a.self = a; return a; };` } },
  { name: '6 MB result', files: { 'index.js': `exports.handler = async () => 'x'.repeat(6 * 1024 * 1024);` } },
  { name: 'thrown Error', files: { 'index.js': `exports.handler = async () => { throw new Error('it broke'); };` } },
  { name: 'thrown string', files: { 'index.js': `exports.handler = async () => { throw 'a plain string'; };` } },
  { name: 'thrown undefined', files: { 'index.js': `exports.handler = async () => { throw undefined; };` } },
  {
    name: 'thrown custom error class',
    files: { 'index.js': `${errorClass}\nexports.handler = async () => { throw new ValidationError('not a number'); };` },
  },
  { name: 'rejected promise', files: { 'index.js': `exports.handler = () => Promise.reject(new TypeError('rejected'));` } },
  {
    name: 'three-argument async handler',
    files: { 'index.js': `exports.handler = async (event, context, callback) => ({ ok: true });` },
  },
  {
    name: 'callback handler',
    files: { 'index.js': `exports.handler = (event, context, callback) => callback(null, 'called back');` },
  },
  {
    name: 'streamifyResponse handler is exempt from the callback check',
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.write('streamed ');
  responseStream.end('body');
});`,
    },
  },
  { name: 'handler file not found', files: { 'other.js': `exports.handler = async () => 1;` } },
  { name: 'handler not exported', files: { 'index.js': `exports.other = async () => 1;` } },
  { name: 'handler not a function', files: { 'index.js': `exports.handler = 42;` } },
  { name: 'malformed handler name', files: { 'index.js': `exports.handler = async () => 1;` }, handler: 'index' },
  {
    name: 'CommonJS require of a missing package',
    files: { 'index.js': `const missing = require('no-such-package-anywhere');\nexports.handler = async () => missing;` },
  },
  {
    name: 'ES module import error',
    files: { 'index.mjs': `import missing from 'no-such-package-anywhere';\nexport const handler = async () => missing;` },
  },
  { name: 'init error', files: { 'index.js': `throw new Error('init failed');\nexports.handler = async () => 1;` } },
  { name: 'init error (custom class)', files: { 'index.js': `${errorClass}\nthrow new ValidationError('bad config');` } },
  { name: 'syntax error', files: { 'index.js': `exports.handler = async () => {\n  return 1;\n` } },
  { name: 'syntax error in an ES module', files: { 'index.mjs': `export const handler = async () => { return 1 +; };` } },
  {
    name: 'unhandled rejection',
    files: {
      'index.js': `exports.handler = async () => {
  Promise.reject(new Error('nobody caught me'));
  await new Promise((resolve) => setTimeout(resolve, 500));
  return 'too late';
};`,
    },
  },
  {
    name: 'uncaught exception',
    files: {
      'index.js': `exports.handler = async () => {
  setTimeout(() => { throw new Error('thrown from a timer'); }, 0);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return 'too late';
};`,
    },
  },
  {
    name: 'error name that is a number',
    files: { 'index.js': `exports.handler = async () => { const error = new Error('numbered'); error.name = 42; throw error; };` },
  },
  {
    name: 'DEL character in an error',
    files: { 'index.js': `exports.handler = async () => { throw new RangeError('before\\x7Fafter'); };` },
  },
  { name: 'killed by SIGTERM', files: { 'index.js': `exports.handler = async () => { process.kill(process.pid, 'SIGTERM'); };` } },
  // Work left running after the answer that kills the process: frozen with the environment, it runs
  // when the next event thaws it, and that invocation fails with the exit. (With nothing frozen it
  // kills the idle environment, and the next invocation fails as well: the pool's diedIdle.)
  {
    name: 'unhandled rejection after the response',
    secondEvent: '{"n":1}',
    files: { 'index.js': `exports.handler = async () => { setTimeout(() => Promise.reject(new Error('late')), 50); return 'answered'; };` },
  },
  {
    name: 'process.exit in a timer after the response',
    secondEvent: '{"n":1}',
    files: { 'index.js': `exports.handler = async () => { setTimeout(() => process.exit(1), 50); return 'answered'; };` },
  },
  { name: 'process.exit', files: { 'index.js': `exports.handler = async () => { process.exit(3); };` } },
  { name: 'process.exit(0)', files: { 'index.js': `exports.handler = async () => { process.exit(0); };` } },
  {
    name: 'console at every level during init and invoke (text)',
    files: {
      'index.js': `${consoleAtEveryLevel('init')}\nexports.handler = async () => {${consoleAtEveryLevel('invoke')}\n  return 'logged'; };`,
    },
  },
  {
    name: 'console at every level during init and invoke (JSON, level WARN)',
    files: {
      'index.js': `${consoleAtEveryLevel('init')}\nexports.handler = async () => {${consoleAtEveryLevel('invoke')}\n  return 'logged'; };`,
    },
    environment: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' },
  },
  {
    name: 'console at every level (JSON, default level)',
    files: {
      'index.js': `exports.handler = async () => {${consoleAtEveryLevel('invoke')}\n  console.info({ structured: true });\n  return 'logged'; };`,
    },
    environment: { AWS_LAMBDA_LOG_FORMAT: 'JSON' },
  },
  {
    name: 'thrown Error logged as JSON',
    files: { 'index.js': `${errorClass}\nexports.handler = async () => { throw new ValidationError('json error'); };` },
    environment: { AWS_LAMBDA_LOG_FORMAT: 'JSON' },
  },
  // The client calls the handler as a method of its invoke processor, made once per environment.
  {
    name: 'this in an ES module handler',
    secondEvent: '{"n":1}',
    files: {
      'index.mjs': `export const handler = async function (event) {
  this.calls = (this.calls ?? 0) + 1;
  return { calls: this.calls, keys: Object.keys(this), type: this.constructor.name, isHandler: this.handler === handler };
};`,
    },
  },
  {
    name: 'this in a sloppy CommonJS handler',
    files: { 'index.js': `exports.handler = async function () { return { isGlobal: this === globalThis, keys: Object.keys(this) }; };` },
  },
  {
    name: 'this in a streaming handler',
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse(async function (event, responseStream) {
  responseStream.end(JSON.stringify({ keys: Object.keys(this), type: this.constructor.name, metadata: this.handlerMetadata }));
});`,
    },
  },
  // The runtime is an ES module: no require.main; argv[1] is the runtime's index.mjs.
  {
    name: 'require.main and process.argv',
    files: {
      'index.js': `const path = require('node:path');
exports.handler = async () => ({
  requireMain: require.main === undefined ? 'undefined' : typeof require.main,
  argvLength: process.argv.length,
  entry: path.basename(process.argv[1] ?? ''),
});`,
    },
  },
  {
    name: 'context object and trace header',
    clientContext: JSON.stringify({ client: { app_title: 'conformance' }, custom: { k: 'v' }, env: { locale: 'en' } }),
    files: {
      'index.js': `exports.handler = async (event, context) => ({
  keys: Object.keys(context).sort(),
  types: Object.fromEntries(Object.entries(context).map(([key, value]) => [key, typeof value])),
  clientContext: context.clientContext,
  traceIdIsTheHeader: /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/.test(context.xRayTraceId),
  traceIdInEnvironment: process.env._X_AMZN_TRACE_ID === context.xRayTraceId,
  remainingIsPositive: context.getRemainingTimeInMillis() > 0,
  functionName: context.functionName,
  memoryLimitInMB: context.memoryLimitInMB,
  awslambda: Object.keys(globalThis.awslambda ?? {}).filter((key) => key !== 'InvokeStore').sort(),
});`,
    },
  },
  // Nothing keeps the event loop alive while a handler runs but the handler's own handles: a
  // promise that nothing settles ends the process at once (exit status 0), no timeout.
  { name: 'a promise that never settles', timeoutSeconds: 1, files: { 'index.js': `exports.handler = () => new Promise(() => {});` } },
  {
    name: "awaiting an unref'd timer",
    files: {
      'index.js': `exports.handler = async () => { await new Promise((resolve) => setTimeout(resolve, 50).unref()); return 'late'; };`,
    },
  },
  {
    name: 'awaiting AbortSignal.timeout',
    files: {
      'index.js': `exports.handler = async () => {
  const signal = AbortSignal.timeout(50);
  await new Promise((resolve) => signal.addEventListener('abort', resolve));
  return 'late';
};`,
    },
  },
  { name: 'process.exit during INIT', files: { 'index.js': `process.exit(2);\nexports.handler = async () => 'never';` } },
  {
    name: "top-level await of an unref'd timer during INIT",
    files: {
      'index.mjs': `await new Promise((resolve) => setTimeout(resolve, 50).unref());\nexport const handler = async () => 'loaded';`,
    },
  },
  {
    name: 'timeout',
    timeoutSeconds: 1,
    files: { 'index.js': `exports.handler = () => new Promise((resolve) => setTimeout(resolve, 60_000));` },
    documented: { outcome: 'timeout', source: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html' },
  },
  {
    name: 'over the memory size',
    memorySizeMb: 128,
    files: {
      'index.js': `exports.handler = async () => {
  const kept = [];
  for (let i = 0; i < 60; i += 1) { kept.push(Buffer.alloc(10 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 10)); }
  return kept.length;
};`,
    },
    documented: { outcome: 'out-of-memory', source: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html' },
  },
  {
    name: 'INIT past its limit, suppressed and run again inside the first invocation',
    initTimeoutMs: 300,
    timeoutSeconds: 5,
    files: {
      'index.js': `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 800);\nexports.handler = async () => 'loaded the second time';`,
    },
    documented: {
      outcome: 'success',
      source: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib',
    },
  },
];
