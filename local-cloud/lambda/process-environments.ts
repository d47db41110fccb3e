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
import { killAll, processesOfUsers } from './runtime/process-tree';
import { BOOTSTRAP_PATH, runnableBy } from './runtime/runnable-by';
import { runtimeModulesDirectory } from './runtime/runtime-modules';
import { FunctionUsers } from './runtime/runtime-user';
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
  /** @default true: see `LambdaServiceOptions.freezeWhenIdle` */
  readonly freezeWhenIdle?: boolean;
}

export class ProcessEnvironments {
  /** This service's private copy of every function's code, removed on close. */
  private readonly stage = new CodeStage();
  /** Who each function runs as: a user of its own where this process is root. */
  private readonly users = new FunctionUsers();
  private readonly nodeBinaries = new Map<string, string>();

  constructor(private readonly options: ProcessEnvironmentsOptions) {}

  /** The definition with its code staged afresh: environments run from the copy. */
  prepare(definition: FunctionDefinition): FunctionDefinition {
    return { ...definition, codeDirectory: this.stage.stage(definition.codeDirectory, this.users.userFor(definition.name)).directory };
  }

  /** A new, unstarted environment; throws when the staged code has changed since it was staged. */
  create(definition: FunctionDefinition): ExecutionEnvironment {
    this.stage.verify(definition.codeDirectory);
    const lambdaEndpointUrl = this.options.lambdaEndpointUrl();
    const execArgv = this.options.execArgvByFunction?.[definition.name];
    const user = this.users.userFor(definition.name);
    const runnable = runnableBy(user, this.stage, definition.codeDirectory, {
      bootstrap: BOOTSTRAP_PATH,
      nodeBinary: this.nodeBinaryFor(definition.runtime),
    });
    return new ExecutionEnvironment({
      definition,
      nodeBinary: runnable.nodeBinary,
      bootstrap: runnable.bootstrap,
      ...(user === undefined ? {} : { user }),
      environment: {
        // A uid of its own has no entry in /etc/passwd, where os.homedir() would look: nobody's home, which does not exist.
        ...(user === undefined ? {} : { HOME: '/nonexistent' }),
        ...lambdaEnvironmentVariables({
          definition,
          region: this.options.region,
          logStreamName: newLogStreamName(),
          credentials: this.options.credentials,
          ...(lambdaEndpointUrl === undefined ? {} : { lambdaEndpointUrl }),
          runtimeModuleDirectories: [runtimeModulesDirectory(projectNodeModules, this.users.anyUser())],
        }),
      },
      onIdleOutputLine: (line) => this.options.logSink(functionLogRecord(definition.name, line)),
      ...(execArgv === undefined ? {} : { execArgv }),
      ...(this.options.freezeWhenIdle === undefined ? {} : { freezeWhenIdle: this.options.freezeWhenIdle }),
    });
  }

  /** Ends what the functions left running (a daemon out of its environment's tree: their uids are theirs alone), and removes the stage. */
  close(): void {
    killAll(processesOfUsers(this.users.uids()));
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
