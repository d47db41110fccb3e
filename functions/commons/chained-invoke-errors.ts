import type { DurableInstrumentationPlugin, OperationInfo } from '@aws/durable-execution-sdk-js';

/**
 * The errorType of each failed chained invoke, by operation name.
 *
 * The SDK (2.4) turns a failed chained invoke into an `InvokeError` that keeps the target's
 * errorMessage but not its errorType (`InvalidNumber`, `Runtime.ExitError`, ...), which the jobs
 * API must report as the direct API does. The checkpointed operation keeps both, and the SDK shows
 * it to instrumentation plugins: in full at each invocation's start (a replay), and as it changes
 * while the invocation runs. One instance serves one execution environment, which runs one
 * invocation at a time; each invocation starts it afresh.
 */
export class ChainedInvokeErrorTypes implements DurableInstrumentationPlugin {
  private readonly types = new Map<string, string>();

  async onInvocationStart(info: { operations: Record<string, OperationInfo> }): Promise<void> {
    this.types.clear();
    this.record(info.operations);
  }

  async onOperationChange(info: { updatedOperations: Record<string, OperationInfo> }): Promise<void> {
    this.record(info.updatedOperations);
  }

  /** The errorType the chained invoke named `name` failed with, if it failed and the SDK said so. */
  typeOf(name: string): string | undefined {
    return this.types.get(name);
  }

  private record(operations: Record<string, OperationInfo>): void {
    for (const operation of Object.values(operations)) {
      // The SDK rebuilds a checkpointed error with the errorType as its cause's name.
      const cause = operation.error?.cause;
      if (operation.type === 'CHAINED_INVOKE' && operation.name !== undefined && cause instanceof Error) {
        this.types.set(operation.name, cause.name);
      }
    }
  }
}
