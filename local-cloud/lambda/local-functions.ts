/**
 * The service's functions as it runs them: each with its pool of environments, its test
 * overrides and the latency and faults aimed at it; where their environments come from (a
 * process each by default, or the factory the options give); and the idle environments' upkeep
 * (the idle TTL, and room made for a waiter of another function).
 */

import { functionLogRecord, type LogSink } from '../core/log-record';
import type { FunctionDefinition } from '../core/types';
import type { AwsCredentials } from '../sigv4/verifier';
import type { Environment } from './environment';
import { EnvironmentPool } from './environment-pool';
import { type FaultRates, faultsForFunction } from './fault-injection';
import type { InitGate } from './init-gate';
import type { FunctionOverrides, LambdaServiceOptions } from './lambda-service-options';
import { platformLinesFor } from './platform-records';
import { ProcessEnvironments } from './process-environments';
import type { EnvironmentBudget } from './resource-budget';

/** The execution role's keys functions get when none are given (AWS_ACCESS_KEY_ID etc.). */
const DEFAULT_FUNCTION_CREDENTIALS: AwsCredentials = {
  accessKeyId: 'LOCALCLOUDACCESSKEY',
  secretAccessKey: 'local-cloud-secret-key',
  sessionToken: 'local-cloud-session-token',
};

/** Idle environments are stopped after this long unused, as Lambda recycles them. */
const DEFAULT_IDLE_TTL_MS = 10 * 60_000;

/** A function as the service runs it: its pool, and the latency and faults aimed at it. */
export interface LocalFunction {
  readonly pool: EnvironmentPool;
  readonly latencyMs: number | undefined;
  readonly faults: FaultRates | undefined;
}

/** What makes environments: staging a definition's code for them, making one, cleaning up. */
interface EnvironmentSource {
  prepare(definition: FunctionDefinition): FunctionDefinition;
  create(definition: FunctionDefinition): Environment;
  close(): void;
}

export interface LocalFunctionsContext {
  readonly region: string;
  readonly logSink: LogSink;
  readonly budget: EnvironmentBudget;
  readonly initGate: InitGate;
  /** The local Invoke API, once it listens. */
  readonly lambdaEndpointUrl: () => string | undefined;
}

export class LocalFunctions {
  private readonly byName = new Map<string, LocalFunction>();
  private readonly source: EnvironmentSource;
  private readonly reaper: NodeJS.Timeout;
  /** Reserved concurrency by function, as run (overrides applied). */
  readonly reservations = new Map<string, number>();

  constructor(
    private readonly options: LambdaServiceOptions,
    private readonly context: LocalFunctionsContext,
  ) {
    this.source = this.environmentSource();
    for (const definition of options.functions) {
      const overrides = this.overridesOf(definition);
      const effective = this.asRun(definition);
      if (effective.reservedConcurrency !== undefined) this.reservations.set(definition.name, effective.reservedConcurrency);
      const injected = faultsForFunction(definition.name, options.faultInjection);
      this.byName.set(definition.name, {
        pool: new EnvironmentPool(effective, context.budget, context.initGate, (current) => this.createEnvironment(current), {
          environmentPerInvocation: options.environmentPerInvocation ?? false,
        }),
        latencyMs: overrides.latencyMs ?? injected.latencyMs,
        faults: overrides.faults ?? injected.faults,
      });
    }
    const ttl = options.idleEnvironmentTtlMs ?? DEFAULT_IDLE_TTL_MS;
    this.reaper = setInterval(
      () => {
        for (const { pool } of this.byName.values()) pool.stopIdleOlderThan(ttl);
      },
      Math.min(ttl, 30_000),
    );
    this.reaper.unref();
  }

  get(name: string): LocalFunction | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The definitions as run (code staged, overrides applied). */
  get definitions(): readonly FunctionDefinition[] {
    return [...this.byName.values()].map(({ pool }) => pool.definition);
  }

  /** New code or configuration for a function that exists (watch mode); see EnvironmentPool.replace. */
  replace(target: LocalFunction, definition: FunctionDefinition): void {
    target.pool.replace(this.asRun(definition));
  }

  /** Makes room for a waiting invocation: the idle environment unused the longest, of any function. */
  stopOldestIdle(): void {
    let oldest: EnvironmentPool | undefined;
    for (const { pool } of this.byName.values()) {
      const since = pool.oldestIdleSince;
      if (since !== undefined && (oldest === undefined || since < (oldest.oldestIdleSince ?? Infinity))) oldest = pool;
    }
    oldest?.stopOldestIdle();
  }

  /** Stops every environment (waiters get `reason`), waits for them to exit, and removes the staged code. */
  async close(reason: unknown): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.byName.values()].map(({ pool }) => pool.close(reason)));
    this.source.close();
  }

  private overridesOf(definition: FunctionDefinition): FunctionOverrides {
    return this.options.functionOverrides?.[definition.name] ?? this.options.functionOverrides?.[definition.logicalId] ?? {};
  }

  /** The definition as this service runs it: its code staged afresh, the test overrides applied. */
  private asRun(definition: FunctionDefinition): FunctionDefinition {
    const overrides = this.overridesOf(definition);
    return {
      ...this.source.prepare(definition),
      ...(overrides.timeoutSeconds === undefined ? {} : { timeoutSeconds: overrides.timeoutSeconds }),
      ...(overrides.reservedConcurrency === undefined ? {} : { reservedConcurrency: overrides.reservedConcurrency }),
    };
  }

  /** The default source (a process each, the code staged), or the factory the options give. */
  private environmentSource(): EnvironmentSource {
    const factory = this.options.createEnvironment;
    if (factory !== undefined) return { prepare: (definition) => definition, create: factory, close: () => undefined };
    return new ProcessEnvironments({
      region: this.context.region,
      credentials: this.options.credentials ?? DEFAULT_FUNCTION_CREDENTIALS,
      lambdaEndpointUrl: this.context.lambdaEndpointUrl,
      logSink: this.context.logSink,
      ...(this.options.nodeBinary === undefined ? {} : { nodeBinary: this.options.nodeBinary }),
      ...(this.options.allowOldNode === undefined ? {} : { allowOldNode: this.options.allowOldNode }),
      ...(this.options.execArgvByFunction === undefined ? {} : { execArgvByFunction: this.options.execArgvByFunction }),
      ...(this.options.inspect === undefined ? {} : { inspect: this.options.inspect }),
      ...(this.options.freezeWhenIdle === undefined ? {} : { freezeWhenIdle: this.options.freezeWhenIdle }),
    });
  }

  /** A new environment of the definition, announced with the platform's INIT_START line. */
  private createEnvironment(definition: FunctionDefinition): Environment {
    const environment = this.source.create(definition);
    const initStart = platformLinesFor(definition, this.context.region).initStart();
    if (initStart !== undefined) this.context.logSink(functionLogRecord(definition.name, initStart));
    return environment;
  }
}
