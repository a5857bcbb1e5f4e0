/**
 * Thresholds from a percentile of what a neuron layer receives: the one helper behind hybrid training's thresholds
 * (hybrid.ts, from the ANN's activations) and data calibration (calibrate.ts, from the SNN's own input current).
 */

import type { Kernels } from '../kernels/kernels.js';
import type { SpikingNeuron } from '../nn/neuron-layer.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';

/** Values kept per layer: a uniform subsample beyond this keeps memory bounded (the reference keeps 10⁶). */
const MAX_SAMPLES = 1 << 20;

/**
 * A uniform sample (reservoir) of max(x, 0) over every value a layer received, NaN counted as 0. Negative currents
 * make no spikes, as negative pre-activations make no ReLU output, so both uses rank the same quantity.
 */
export class ActivationSample {
  private readonly values: Float32Array;
  private seen = 0;

  constructor(
    private readonly rng: Rng,
    max = MAX_SAMPLES,
  ) {
    this.values = new Float32Array(max);
  }

  add(data: ArrayLike<number>): void {
    const max = this.values.length;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      // biome-ignore lint/complexity/useMathMinMax: NaN maps to 0 here; Math.max would keep it
      const a = v > 0 ? v : 0;
      if (this.seen < max) this.values[this.seen] = a;
      else {
        const j = Math.floor(this.rng.uniform() * (this.seen + 1));
        if (j < max) this.values[j] = a;
      }
      this.seen++;
    }
  }

  /** The hook to set as a layer's observeInput: every forward's input, read back to the host. */
  observer(k: Kernels): (x: Tensor) => void {
    return (x) => this.add(k.toHost(x.data));
  }

  /**
   * The `fraction` quantile (in (0, 1]): the sorted values' element ⌊fraction·N⌋, the last for fraction 1 (the
   * reference code's choice); 0 when nothing was seen.
   */
  quantile(fraction: number): number {
    const v = this.values.subarray(0, Math.min(this.seen, this.values.length)).slice().sort();
    return v.length === 0 ? 0 : v[Math.min(v.length - 1, Math.floor(fraction * v.length))]!;
  }
}

/**
 * The threshold a layer gets from a percentile `p` of its activation, never below its bound: p for IF, p·Δt for
 * LIF (a LIF spike carries Vth/Δt, so the representation saturates at Vth/Δt; docs/method.md §4.4).
 */
export function thresholdFromPercentile(layer: SpikingNeuron, p: number): number {
  const c = layer.opts.config;
  return Math.max(c.vthBound, c.kind === 'if' ? p : p * c.dt);
}
