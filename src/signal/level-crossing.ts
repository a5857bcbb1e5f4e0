/**
 * Level crossing: fixed levels L_k = offset + k·Δ on an absolute grid (unlike send-on-delta, whose reference moves
 * with the last event). With b[t] = ⌊(x[t] − offset)/Δ⌋ the band the sample lies in, step t sends b[t] − b[t−1]
 * events: ON events for levels crossed upwards (x[t−1] < L ≤ x[t]), OFF events for levels crossed downwards
 * (x[t] < L ≤ x[t−1]). Step 0 sends none.
 *
 * Output [T, 2C] with the delta encoder's layout: column 2c OFF, 2c + 1 ON, values counts of levels crossed (0/1
 * while the signal crosses at most one level per step).
 */
import { checkPositive, type Signal, type SpikeTrain, signal } from './signal.js';

export interface LevelCrossingOptions {
  /** Spacing of the levels, Δ > 0. */
  spacing: number;
  /** Where the grid is anchored: one level sits exactly here (default 0). */
  offset?: number;
}

export interface LevelCrossingEncoding {
  readonly spikes: SpikeTrain;
  /** Each channel's band index b[0] at step 0. */
  readonly startBand: Int32Array;
  readonly spacing: number;
  readonly offset: number;
}

function band(v: number, spacing: number, offset: number): number {
  return Math.floor((v - offset) / spacing);
}

export function levelCrossingEncode(x: Signal, opts: LevelCrossingOptions): LevelCrossingEncoding {
  const { spacing } = opts;
  const offset = opts.offset ?? 0;
  checkPositive(spacing, 'level spacing');
  const { T, C } = x;
  const out = new Float32Array(T * 2 * C);
  const startBand = new Int32Array(C);
  for (let c = 0; c < C; c++) {
    let prev = band(x.data[c]!, spacing, offset);
    startBand[c] = prev;
    for (let t = 1; t < T; t++) {
      const b = band(x.data[t * C + c]!, spacing, offset);
      if (b > prev) out[t * 2 * C + 2 * c + 1] = b - prev;
      else if (b < prev) out[t * 2 * C + 2 * c] = prev - b;
      prev = b;
    }
  }
  return { spikes: signal(T, 2 * C, out), startBand, spacing, offset };
}

/** The lower edge of the band each sample lay in, offset + b[t]·Δ: within Δ below the signal, [T, C]. */
export function levelCrossingDecode(enc: LevelCrossingEncoding): Signal {
  const { spikes, startBand, spacing, offset } = enc;
  const C = startBand.length;
  const out = new Float32Array(spikes.T * C);
  for (let c = 0; c < C; c++) {
    let b = startBand[c]!;
    for (let t = 0; t < spikes.T; t++) {
      const row = t * spikes.C;
      b += spikes.data[row + 2 * c + 1]! - spikes.data[row + 2 * c]!;
      out[t * C + c] = offset + b * spacing;
    }
  }
  return signal(spikes.T, C, out);
}
