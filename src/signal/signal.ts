/**
 * A sampled signal or a spike train, time-major: `data` is [T, C] row-major, row t holding the C channels at step t.
 * Encoders take a Signal and return a SpikeTrain of the same layout, usually with more channels (ON/OFF pairs, a
 * population per channel).
 */
import { check } from '../errors.js';

export interface Signal {
  /** Time steps (samples or frames). */
  readonly T: number;
  /** Channels per step. */
  readonly C: number;
  readonly data: Float32Array;
}

/** Spikes as a Signal; which values occur (0/1, counts, ±1) is stated by the encoder that made it. */
export type SpikeTrain = Signal;

/** A checked [T, C] signal over `data` (not copied). */
export function signal(T: number, C: number, data: Float32Array): Signal {
  check(Number.isInteger(T) && T > 0, `a signal needs T ≥ 1 steps, got ${T}`);
  check(Number.isInteger(C) && C > 0, `a signal needs C ≥ 1 channels, got ${C}`);
  check(data.length === T * C, `a [${T}, ${C}] signal holds ${T * C} values, got ${data.length}`);
  return { T, C, data };
}

/** A one-channel signal from a plain array (tests, single sensors). */
export function fromSamples(values: ArrayLike<number>): Signal {
  return signal(values.length, 1, Float32Array.from(values));
}

/** Channel c of a signal as its own array. */
export function channel(s: Signal, c: number): Float32Array {
  const out = new Float32Array(s.T);
  for (let t = 0; t < s.T; t++) out[t] = s.data[t * s.C + c]!;
  return out;
}

/** Throws unless `v` is a finite number > 0; `name` is the option's name. */
export function checkPositive(v: number, name: string): void {
  check(Number.isFinite(v) && v > 0, `${name} must be a finite number > 0, got ${v}`);
}
