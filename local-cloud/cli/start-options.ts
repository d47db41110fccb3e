/**
 * What `npm start`'s flags give (start-flags.ts): a part of the options object for each layer
 * that reads them, each handed to that layer whole.
 */
import type { ServerLimits } from '../server/server-limits';
import type { LocalLambdaSettings, LocalStackOptions } from '../stack/local-stack';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What `npm start`'s flags give: a part for each layer that reads them. */
export interface StartOptions {
  /** Read by `start.ts` itself. */
  readonly cli: { watch: boolean; logs: boolean; logsOf?: readonly string[]; logFileMb?: number; help: boolean };
  /** Handed to `startLocalStack` (the sinks are start.ts's to add). */
  readonly stack: Mutable<Omit<LocalStackOptions, 'lambda' | 'httpApiLimits' | 'invokeApiLimits'>>;
  /** Handed to the Lambda service whole, as the stack's `lambda`. */
  readonly lambda: Mutable<LocalLambdaSettings>;
  /** The servers' limits: the stack's `httpApiLimits` and `invokeApiLimits`. */
  readonly server: { readonly httpApi: Mutable<Partial<ServerLimits>>; readonly invokeApi: Mutable<Partial<ServerLimits>> };
}

/** The options before any flag: `projectDirectory` is the app served unless `--app` names another. */
export function emptyStartOptions(projectDirectory: string): StartOptions {
  return {
    cli: { watch: false, logs: true, help: false },
    stack: { projectDirectory },
    lambda: {},
    server: { httpApi: {}, invokeApi: {} },
  };
}

/** The stack's options: its own part, with the Lambda service's and the servers' parts in their places. */
export function localStackOptionsOf(options: StartOptions): LocalStackOptions {
  return { ...options.stack, lambda: options.lambda, httpApiLimits: options.server.httpApi, invokeApiLimits: options.server.invokeApi };
}
