/**
 * The service's default environments: each a Node.js process (execution-environment.ts) running
 * the function's code from this service's private stage (runtime/task-root.ts), with the
 * variables Lambda defines and the Node.js binary of the function's runtime.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionLogRecord, type LogSink, warningRecord } from '../core/log-record';
import type { FunctionDefinition } from '../core/types';
import type { AwsCredentials } from '../sigv4/verifier';
import { lambdaEnvironmentVariables, newLogStreamName } from './environment-variables';
import { ExecutionEnvironment } from './execution-environment';
import { resolveNodeBinary } from './runtime/node-binary';
import { runtimeModulesDirectory } from './runtime/runtime-modules';
import { functionUser } from './runtime/runtime-user';
import { CodeStage } from './runtime/task-root';

/** Where the project's node_modules are: Lambda's Node.js runtime provides the AWS SDK v3, so the local one does too. */
const projectNodeModules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');

export interface ProcessEnvironmentsOptions {
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** The local Invoke API, asked at each start: it is known only once the API listens. */
  readonly lambdaEndpointUrl: () => string | undefined;
  /** Receives the lines environments write outside an invocation, and this module's warnings. */
  readonly logSink: LogSink;
  readonly nodeBinary?: string;
  readonly execArgvByFunction?: Readonly<Record<string, readonly string[]>>;
}

export class ProcessEnvironments {
  /** This service's private copy of every function's code, removed on close. */
  private readonly stage = new CodeStage(undefined, functionUser());
  private readonly nodeBinaries = new Map<string, string>();

  constructor(private readonly options: ProcessEnvironmentsOptions) {}

  /** The definition with its code staged afresh: environments run from the copy. */
  prepare(definition: FunctionDefinition): FunctionDefinition {
    return { ...definition, codeDirectory: this.stage.stage(definition.codeDirectory).directory };
  }

  /** A new, unstarted environment; throws when the staged code has changed since it was staged. */
  create(definition: FunctionDefinition): ExecutionEnvironment {
    this.stage.verify(definition.codeDirectory);
    const lambdaEndpointUrl = this.options.lambdaEndpointUrl();
    const execArgv = this.options.execArgvByFunction?.[definition.name];
    return new ExecutionEnvironment({
      definition,
      nodeBinary: this.nodeBinaryFor(definition.runtime),
      environment: lambdaEnvironmentVariables({
        definition,
        region: this.options.region,
        logStreamName: newLogStreamName(),
        credentials: this.options.credentials,
        ...(lambdaEndpointUrl === undefined ? {} : { lambdaEndpointUrl }),
        runtimeModuleDirectories: [runtimeModulesDirectory(projectNodeModules)],
      }),
      onIdleOutputLine: (line) => this.options.logSink(functionLogRecord(definition.name, line)),
      ...(execArgv === undefined ? {} : { execArgv }),
    });
  }

  /** Removes the stage. */
  close(): void {
    this.stage.remove();
  }

  private nodeBinaryFor(runtime: string): string {
    if (this.options.nodeBinary !== undefined) return this.options.nodeBinary;
    let binary = this.nodeBinaries.get(runtime);
    if (binary === undefined) {
      binary = resolveNodeBinary(runtime, (message) => this.options.logSink(warningRecord('local-lambda', message)));
      this.nodeBinaries.set(runtime, binary);
    }
    return binary;
  }
}
