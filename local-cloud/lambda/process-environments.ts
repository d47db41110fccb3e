/**
 * The service's default environments: each a Node.js process (execution-environment.ts) running
 * the function's code from this service's private stage (runtime/task-root.ts), with the
 * variables Lambda defines and the Node.js binary of the function's runtime.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { functionLogRecord, type LogSink, warningRecord } from '../core/log-record';
import type { FunctionDefinition } from '../core/types';
import type { AwsCredentials } from '../sigv4/verifier';
import { lambdaEnvironmentVariables, newLogStreamName } from './environment-variables';
import { ExecutionEnvironment } from './execution-environment';
import { type InspectOptions, InspectorPorts } from './inspector-ports';
import { type FunctionNode, nodeVersionOf, refuseOldFunctionNode, resolveFunctionNode } from './runtime/node-binary';
import { killAll, processesOfUsers } from './runtime/process-tree';
import { BOOTSTRAP_PATH, runnableBy } from './runtime/runnable-by';
import { runtimeModulesDirectory } from './runtime/runtime-modules';
import { FunctionUsers } from './runtime/runtime-user';
import { CodeStage } from './runtime/task-root';

/**
 * Lambda's Node.js runtime provides the AWS SDK v3, so the local one does too: from the
 * node_modules folder that holds the local cloud's own `@aws-sdk` packages (this repository's
 * root, or the app's where the package is installed into one), found as Node finds them.
 */
const sdkNodeModules = nodeModulesOf(createRequire(import.meta.url).resolve('@aws-sdk/credential-providers'));

/** `…/node_modules/@scope/name/dist/index.js` → `…/node_modules`. */
function nodeModulesOf(file: string): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  return file.slice(0, file.lastIndexOf(marker) + marker.length - 1);
}

export interface ProcessEnvironmentsOptions {
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** The local Invoke API, asked at each start: it is known only once the API listens. */
  readonly lambdaEndpointUrl: () => string | undefined;
  /** Receives the lines environments write outside an invocation, and this module's warnings. */
  readonly logSink: LogSink;
  readonly nodeBinary?: string;
  /** Run functions on a Node.js older than 22 rather than refuse to (runtime/node-binary.ts). @default false */
  readonly allowOldNode?: boolean;
  readonly execArgvByFunction?: Readonly<Record<string, readonly string[]>>;
  /** One function's environments with the Node inspector (inspector-ports.ts). @default none */
  readonly inspect?: InspectOptions;
  /** @default true: see `LambdaServiceOptions.freezeWhenIdle` */
  readonly freezeWhenIdle?: boolean;
}

export class ProcessEnvironments {
  /** This service's private copy of every function's code, removed on close. */
  private readonly stage = new CodeStage();
  /** Who each function runs as: a user of its own where this process is root. */
  private readonly users = new FunctionUsers();
  private readonly nodes = new Map<string, FunctionNode>();
  private readonly inspector: InspectorPorts | undefined;

  constructor(private readonly options: ProcessEnvironmentsOptions) {
    this.inspector = options.inspect === undefined ? undefined : new InspectorPorts(options.inspect);
  }

  /**
   * The definition with its code staged afresh: environments run from the copy. Throws when its
   * Node.js is older than the local cloud supports, unless that was accepted: said once, at start.
   */
  prepare(definition: FunctionDefinition): FunctionDefinition {
    const node = this.nodeFor(definition.runtime);
    if (!this.options.allowOldNode) refuseOldFunctionNode(node, definition.runtime);
    return { ...definition, codeDirectory: this.stage.stage(definition.codeDirectory, this.users.userFor(definition.name)).directory };
  }

  /** A new, unstarted environment; throws when the staged code has changed since it was staged. */
  create(definition: FunctionDefinition): ExecutionEnvironment {
    this.stage.verify(definition.codeDirectory);
    const lambdaEndpointUrl = this.options.lambdaEndpointUrl();
    const claim = this.inspector?.inspects(definition.name) ? this.inspector.claim() : undefined;
    const execArgv = [...(this.options.execArgvByFunction?.[definition.name] ?? []), ...(claim?.execArgv ?? [])];
    const announce = claim === undefined ? undefined : this.inspector?.announcer(definition.name, claim, this.options.logSink);
    const user = this.users.userFor(definition.name);
    const runnable = runnableBy(user, this.stage, definition.codeDirectory, {
      bootstrap: BOOTSTRAP_PATH,
      nodeBinary: this.nodeFor(definition.runtime).binary,
    });
    const environment = new ExecutionEnvironment({
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
          nodeBinary: runnable.nodeBinary,
          ...(lambdaEndpointUrl === undefined ? {} : { lambdaEndpointUrl }),
          runtimeModuleDirectories: [runtimeModulesDirectory(sdkNodeModules, this.users.anyUser())],
        }),
      },
      onIdleOutputLine: (line) => {
        announce?.(line);
        this.options.logSink(functionLogRecord(definition.name, line));
      },
      ...(execArgv.length === 0 ? {} : { execArgv }),
      ...(this.options.freezeWhenIdle === undefined ? {} : { freezeWhenIdle: this.options.freezeWhenIdle }),
    });
    if (claim !== undefined) void environment.whenExited().then(claim.release);
    return environment;
  }

  /** Ends what the functions left running (a daemon out of its environment's tree: their uids are theirs alone), and removes the stage. */
  close(): void {
    killAll(processesOfUsers(this.users.uids()));
    this.stage.remove();
  }

  private nodeFor(runtime: string): FunctionNode {
    let node = this.nodes.get(runtime);
    if (node === undefined) {
      const { nodeBinary } = this.options;
      node =
        nodeBinary !== undefined
          ? { binary: nodeBinary, version: nodeVersionOf(nodeBinary) }
          : resolveFunctionNode(runtime, (message) => this.options.logSink(warningRecord('local-lambda', message)));
      this.nodes.set(runtime, node);
    }
    return node;
  }
}
