/** The arithmetic of the peer bench (bench/peer-paired.ts): percentiles and per-round ratios. */
import { median } from './child';

/** The nearest-rank percentile (p in 0…100) of a sample: one of its values, never an interpolation. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export interface RatioSummary {
  /** The median of the per-round ratios, not the ratio of the medians: a round's load touches both of its sides. */
  readonly median: number;
  readonly perRound: readonly number[];
}

/** `numerators[i] ÷ denominators[i]` for each round, and their median. */
export function pairedRatios(numerators: readonly number[], denominators: readonly number[]): RatioSummary {
  if (numerators.length !== denominators.length || numerators.length === 0) {
    throw new Error(`paired ratios need as many rounds on each side (${numerators.length} and ${denominators.length})`);
  }
  const perRound = numerators.map((value, index) => value / (denominators[index] as number));
  return { median: median(perRound), perRound: perRound.map((ratio) => Number(ratio.toFixed(3))) };
}

/** The order of the sides in round `round`: rotated by one each round, so each side goes first, second and last alike. */
export function rotation<T>(sides: readonly T[], round: number): T[] {
  const shift = round % sides.length;
  return [...sides.slice(shift), ...sides.slice(0, shift)];
}
