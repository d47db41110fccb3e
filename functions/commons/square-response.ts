import type { FanOutStats, ItemError } from './fan-out';
import type { NumberValue } from './square';
import type { SquareResult } from './squarer-contract';

/** One item of the answer, in input order: its square, or why there is none. */
export type ResultItem = SquareResult | { readonly number: NumberValue; readonly error: ItemError };

/** The body of the coordinator's 200 and 502 answers. */
export interface SquareResponse {
  readonly results: ResultItem[];
  /** `3 squared to 9 by: <processName>`, in completion order. */
  readonly lines: string[];
  /** The fan-out's own figures, with the request's counts. */
  readonly stats: FanOutStats & {
    readonly numbers: number;
    readonly succeeded: number;
    readonly failed: number;
  };
}

/** The tutorial's line: `3 squared to 9 by: Process-2`, with the request ID as the process name. */
export function formatLine({ number, result, processName }: SquareResult): string {
  return `${number} squared to ${result} by: ${processName}`;
}
