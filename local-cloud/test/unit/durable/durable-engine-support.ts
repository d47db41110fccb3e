/**
 * The durable engine's unit tests' support: a fake Lambda service running scripted durable
 * functions (as the SDK would: envelope in, checkpoints, a Status document out), engines on fake
 * timers, and a temporary directory for each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { type FunctionDefinition, type InvokeOutcome, LambdaServiceError } from '../../../core/types';
import { DurableEngine } from '../../../durable/durable-engine';
import { DurableStore } from '../../../durable/durable-store';
import type { FunctionInvoker, OperationUpdate } from '../../../durable/durable-types';
import type { QualifiedFunction } from '../../../lambda/lambda-service';

export interface Envelope {
  readonly DurableExecutionArn: string;
  readonly CheckpointToken: string;
  readonly InitialExecutionState: {
    readonly Operations: readonly { Id: string; Type: string; Status: string; Name?: string; ParentId?: string }[];
    readonly NextMarker?: string;
  };
}

/** A fake durable function: gets the envelope and a checkpoint function, answers a Status document or throws. */
export type Script = (envelope: Envelope, checkpoint: (updates: OperationUpdate[]) => void) => unknown;

function definition(name: string, durable: boolean): FunctionDefinition {
  return {
    logicalId: name,
    stackName: 'Test',
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    handler: 'index.handler',
    codeDirectory: '/nonexistent',
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    memorySizeMb: 128,
    timeoutSeconds: 3,
    environment: {},
    logGroupName: `/aws/lambda/${name}`,
    ...(durable ? { durableConfig: { executionTimeoutSeconds: 300, retentionPeriodDays: 1 }, versions: ['1'] } : {}),
  };
}

export class FakeLambda implements FunctionInvoker {
  readonly invocations: { functionName: string; envelope: Envelope }[] = [];
  /** Errors the next invocations of a function throw (a throttle, say) before it runs. */
  readonly failures: LambdaServiceError[] = [];
  engine: DurableEngine | undefined;
  constructor(private readonly scripts: Record<string, Script>) {}

  resolveQualified(functionName: string, qualifier?: string): QualifiedFunction {
    const [name = functionName, inName] = functionName.split(':');
    const script = this.scripts[name];
    if (script === undefined) throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${name}`);
    const effective = qualifier ?? inName;
    const durable = name.startsWith('durable');
    return {
      definition: definition(name, durable),
      qualifier: effective ?? '$LATEST',
      version: effective ?? '$LATEST',
      qualified: effective !== undefined,
      invokedArn: definition(name, durable).arn,
    };
  }

  async invoke(functionName: string, payload: Buffer): Promise<InvokeOutcome> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const script = this.scripts[functionName.split(':')[0] ?? ''];
    if (script === undefined) throw new Error(`no script for ${functionName}`);
    const envelope = JSON.parse(payload.toString('utf8')) as Envelope;
    this.invocations.push({ functionName, envelope });
    let token = envelope.CheckpointToken;
    // As the SDK does, what a checkpoint answers replaces the operations the function knows.
    const known = [...(envelope.InitialExecutionState?.Operations ?? [])];
    const view: Envelope = { ...envelope, InitialExecutionState: { Operations: known } };
    const checkpoint = (updates: OperationUpdate[]) => {
      const answer = this.engine?.checkpoint(envelope.DurableExecutionArn, token, updates);
      token = answer?.token ?? '';
      for (const operation of (answer?.operations ?? []) as unknown as Envelope['InitialExecutionState']['Operations'][number][]) {
        const index = known.findIndex((candidate) => candidate.Id === operation.Id);
        if (index === -1) known.push(operation);
        else known[index] = operation;
      }
    };
    try {
      const answer = script(view, checkpoint);
      return { requestId: 'r', payload: Buffer.from(JSON.stringify(answer)), executedVersion: '1' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        requestId: 'r',
        payload: Buffer.from(JSON.stringify({ errorType: 'Error', errorMessage: message })),
        functionError: 'Unhandled',
        executedVersion: '1',
      };
    }
  }
}

export const operationsOf = (envelope: Envelope) => envelope.InitialExecutionState.Operations;
export const statusOf = (envelope: Envelope, id: string) => operationsOf(envelope).find((operation) => operation.Id === id)?.Status;

let directory = '';
/** This test's temporary directory (made before each test, removed after). */
export const testDirectory = () => directory;
const engines: DurableEngine[] = [];
const stores: DurableStore[] = [];

export function setUp(scripts: Record<string, Script>, file = ':memory:', options: { maxInvocationRetries?: number } = {}) {
  const lambda = new FakeLambda(scripts);
  const store = new DurableStore(file);
  const engine = new DurableEngine({ store, invoker: lambda, invocationRetryBaseMs: 1000, ...options });
  lambda.engine = engine;
  engines.push(engine);
  stores.push(store);
  return { lambda, store, engine, start: (input = '{}') => engine.start(lambda.resolveQualified('durable:1'), input).record };
}

/**
 * Fake timers and a scratch folder around each test of the calling file, and every engine and
 * store it set up closed after it. Called by each file, not registered when this module loads:
 * the unit projects share modules between files (`isolate: false`), so a hook registered at load
 * would run for the first file that imported this module only.
 */
export function useDurableEngineTests(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-07T00:00:00Z') });
    directory = mkdtempSync(path.join(os.tmpdir(), 'durable-engine-test-'));
  });

  afterEach(() => {
    for (const engine of engines.splice(0)) engine.close();
    for (const store of stores.splice(0)) store.close();
    vi.useRealTimers();
    rmSync(directory, { recursive: true, force: true });
  });
}

/** A function that waits 10 s, then succeeds. */
export const waitTenSeconds: Script = (envelope, checkpoint) => {
  const status = statusOf(envelope, 'wait');
  if (status === undefined) checkpoint([{ Id: 'wait', Type: 'WAIT', Action: 'START', WaitOptions: { WaitSeconds: 10 } }]);
  return status === 'SUCCEEDED' ? { Status: 'SUCCEEDED', Result: '"waited"' } : { Status: 'PENDING' };
};
