/**
 * Threshold-crossing step-forward (the "SF" encoding of Petro et al. 2020). Each channel keeps a baseline B, starting
 * at its first sample. At step t: x[t] > B + θ sends an ON spike and moves B up by θ; x[t] < B − θ sends an OFF spike
 * and moves B down by θ; otherwise nothing. At most one spike per channel per step, so the baseline follows the
 * signal within θ as long as the signal moves by less than θ per step (it lags behind faster changes).
 *
 * Output [T, 2C], column 2c OFF and 2c + 1 ON, values 0/1; `signed: true` gives [T, C] with values −1/0/+1.
 */
import { deltaDecode } from './delta.js';
import { checkPositive, type Signal, type SpikeTrain, signal } from './signal.js';

export interface StepForwardOptions {
  /** The step θ > 0 the baseline moves by, in the signal's units. */
  threshold: number;
  signed?: boolean;
}

export interface StepForwardEncoding {
  readonly spikes: SpikeTrain;
  /** Each channel's starting baseline (its first sample). */
  readonly start: Float32Array;
  readonly threshold: number;
}

export function stepForwardEncode(x: Signal, opts: StepForwardOptions): StepForwardEncoding {
  const theta = opts.threshold;
  checkPositive(theta, 'step-forward threshold');
  const { T, C } = x;
  const signed = opts.signed === true;
  const width = signed ? C : 2 * C;
  const out = new Float32Array(T * width);
  const start = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let base = x.data[c]!;
    start[c] = base;
    for (let t = 1; t < T; t++) {
      const v = x.data[t * C + c]!;
      let s = 0;
      if (v > base + theta) s = 1;
      else if (v < base - theta) s = -1;
      if (s === 0) continue;
      base += s * theta;
      if (signed) out[t * width + c] = s;
      else out[t * width + 2 * c + (s > 0 ? 1 : 0)] = 1;
    }
  }
  return { spikes: signal(T, width, out), start, threshold: theta };
}

/**
 * The baseline the encoder kept: start + θ·(ON − OFF spikes so far), [T, C] — the send-on-delta decoder's rule,
 * with at most one event per step.
 */
export function stepForwardDecode(enc: StepForwardEncoding): Signal {
  return deltaDecode(enc);
}
