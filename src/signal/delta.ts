/**
 * Send-on-delta (delta modulation with ON/OFF channels). Each channel keeps a reference r, starting at its first
 * sample. At step t, while x − r ≥ θ an ON event is sent and r rises by θ; while r − x ≥ θ an OFF event is sent and
 * r falls by θ. The reference therefore tracks the signal within θ at every step: |x[t] − r[t]| < θ.
 *
 * Output [T, 2C]: column 2c holds channel c's OFF events, 2c + 1 its ON events (the polarity order of the event
 * cameras' frames). Values are event counts: 0 or 1 while the signal moves by less than θ per step, k when it moves
 * by k thresholds in one step (so the reconstruction stays within θ). `signed: true` gives [T, C] instead, ON − OFF.
 */
import { checkPositive, type Signal, type SpikeTrain, signal } from './signal.js';

export interface DeltaOptions {
  /** The change that triggers one event, θ > 0, in the signal's units. */
  threshold: number;
  /** One signed column per channel (ON − OFF counts) instead of an OFF/ON pair. */
  signed?: boolean;
}

export interface DeltaEncoding {
  readonly spikes: SpikeTrain;
  /** Each channel's starting reference (its first sample): what a decoder starts from. */
  readonly start: Float32Array;
  readonly threshold: number;
}

export function deltaEncode(x: Signal, opts: DeltaOptions): DeltaEncoding {
  const theta = opts.threshold;
  checkPositive(theta, 'delta threshold');
  const { T, C } = x;
  const signed = opts.signed === true;
  const width = signed ? C : 2 * C;
  const out = new Float32Array(T * width);
  const start = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    // the reference is kept in float64 so that it lands on start + kθ exactly as the decoder computes it
    let r = x.data[c]!;
    start[c] = r;
    for (let t = 1; t < T; t++) {
      const v = x.data[t * C + c]!;
      let on = 0;
      let off = 0;
      while (v - r >= theta) {
        r += theta;
        on++;
      }
      while (r - v >= theta) {
        r -= theta;
        off++;
      }
      if (signed) out[t * width + c] = on - off;
      else {
        out[t * width + 2 * c] = off;
        out[t * width + 2 * c + 1] = on;
      }
    }
  }
  return { spikes: signal(T, width, out), start, threshold: theta };
}

/** The reference the encoder tracked: start + θ·(ON − OFF events so far), [T, C]. */
export function deltaDecode(enc: DeltaEncoding): Signal {
  const { spikes, start, threshold } = enc;
  const C = start.length;
  const signed = spikes.C === C;
  const out = new Float32Array(spikes.T * C);
  for (let c = 0; c < C; c++) {
    let r = start[c]!;
    for (let t = 0; t < spikes.T; t++) {
      const row = t * spikes.C;
      const net = signed ? spikes.data[row + c]! : spikes.data[row + 2 * c + 1]! - spikes.data[row + 2 * c]!;
      // the encoder's reference moves one θ at a time; repeating those steps reproduces it to the last bit
      for (let k = 0; k < Math.abs(net); k++) r += net > 0 ? threshold : -threshold;
      out[t * C + c] = r;
    }
  }
  return signal(spikes.T, C, out);
}
