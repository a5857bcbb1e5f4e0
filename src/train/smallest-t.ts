/**
 * Which T to sweep and what a sweep answers: the smallest T whose accuracy stays within a tolerance of the trained
 * T's, and the sentence `eval --t-sweep` and the report print. No evaluation here (t-sweep.ts runs the network).
 */
import { SpikerepError } from '../errors.js';

export interface SweepPoint {
  readonly T: number;
  readonly accuracy: number;
  /** Test images evaluated at this T. */
  readonly samples: number;
  /** Synaptic operations and estimated energy per image at this T (train/metrics.ts). */
  readonly synOps: number;
  readonly energyJoules: number;
}

/** The default tolerance, in percentage points, for "the smallest T within … of the trained T's accuracy". */
export const DEFAULT_WITHIN_PP = 0.5;

/** T = 1 … 2·T_train, what a sweep evaluates unless told otherwise. */
export function defaultSweep(trainedT: number): number[] {
  return Array.from({ length: 2 * trainedT }, (_, i) => i + 1);
}

/** The T values to evaluate: the ones asked for and the trained T (every Δ is against it), ascending, once each. */
export function sweepValues(asked: readonly number[], trainedT: number): number[] {
  return [...new Set([...asked, trainedT])].sort((a, b) => a - b);
}

/**
 * The smallest swept T whose accuracy is at least the trained T's minus `withinPp` percentage points (higher counts
 * as within); undefined when the trained T was not swept.
 */
export function smallestTWithin(
  points: readonly Pick<SweepPoint, 'T' | 'accuracy'>[],
  trainedT: number,
  withinPp: number,
): number | undefined {
  const trained = points.find((p) => p.T === trainedT);
  if (trained === undefined) return undefined;
  // compared in percentage points, rounded to 1e-9 so that 98.0 − 0.5 admits 97.5 despite binary fractions
  const floor = 100 * trained.accuracy - withinPp;
  const within = points.filter((p) => Math.round((100 * p.accuracy - floor) * 1e9) >= 0);
  return Math.min(...within.map((p) => p.T));
}

/** "smallest T within 0.5 pp of the trained T's accuracy (T = 4, 98.40 %): T = 3". */
export function smallestTSentence(
  points: readonly Pick<SweepPoint, 'T' | 'accuracy'>[],
  trainedT: number,
  withinPp: number,
): string {
  const best = smallestTWithin(points, trainedT, withinPp);
  const trained = points.find((p) => p.T === trainedT);
  if (best === undefined || trained === undefined) return `the trained T = ${trainedT} was not evaluated`;
  return `smallest T within ${withinPp} pp of the trained T's accuracy (T = ${trainedT}, ${(100 * trained.accuracy).toFixed(2)} %): T = ${best}`;
}

/**
 * A sweep as a user writes it: a list ("1,2,4,8"), a range ("1-16"), or both ("1-4,8,16"); every T an integer ≥ 1.
 * `flag` names the option in the one-line error.
 */
export function parseTSweep(text: string, flag: string): number[] {
  const bad = (): never => {
    throw new SpikerepError(
      'E_ARG',
      `expected T values ≥ 1 as a list (1,2,4,8) or a range (1-16), got '${text}'`,
      flag,
    );
  };
  const out: number[] = [];
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) bad();
  for (const part of parts) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part) ?? bad();
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (!(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo >= 1 && hi >= lo)) bad();
    if (hi - lo >= 10_000) bad();
    for (let T = lo; T <= hi; T++) out.push(T);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}
