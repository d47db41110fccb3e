import type { NumberValue } from './square';

/** The squarer's contract, the one module both sides of the Invoke import. */

/** What the coordinator sends a squarer: one number, as a JSON number or a string of decimal digits. */
export interface SquarerEvent {
  readonly number: NumberValue;
}

/** What a squarer answers: its square, and its request ID as the process name. */
export interface SquareResult {
  readonly number: NumberValue;
  readonly result: NumberValue;
  readonly processName: string;
}
