/**
 * The spikes of one sample through every neuron layer: run the network in eval mode on a batch of one, with
 * each SpikingNeuron's forward wrapped for the duration to copy its output. Browser-safe (no Node imports), so
 * the demo page and the report share it.
 */

import { argmaxRows } from '../nn/loss.js';
import type { Network } from '../nn/network.js';
import type { SpikingNeuron } from '../nn/neuron-layer.js';
import { neuronLayers } from '../nn/walk.js';
import { Rng } from '../rng.js';

export interface RasterLayer {
  readonly layer: string;
  /** Neurons in the layer. */
  readonly neurons: number;
  /** Indices of the neurons shown (the most active ones, in index order). */
  readonly shown: number[];
  /** spikes[t][j] = 1 if neuron shown[j] fired at step t. */
  readonly spikes: number[][];
  /** Fraction of all the layer's neurons firing at each step. */
  readonly ratePerStep: number[];
  /** Spikes per neuron per step over the whole layer. */
  readonly rate: number;
}

export interface SampleRaster {
  readonly T: number;
  readonly logits: number[];
  readonly prediction: number;
  readonly layers: RasterLayer[];
}

export { neuronLayers } from '../nn/walk.js';

/** Runs one sample `x` (one image, channels-last) and records every neuron layer's spikes (≤ maxShown each). */
export function sampleRaster(net: Network, x: Float32Array, maxShown = 48): SampleRaster {
  const neurons = neuronLayers(net.body);
  const seen = new Map<SpikingNeuron, Float32Array>();
  const restore: (() => void)[] = [];
  for (const n of neurons) {
    const orig = n.forward;
    n.forward = (input, ctx) => {
      const y = orig.call(n, input, ctx);
      seen.set(n, Float32Array.from(ctx.k.toHost(y.data)));
      return y;
    };
    restore.push(() => {
      delete (n as { forward?: unknown }).forward;
    });
  }
  let logits: Float32Array;
  let prediction: number;
  try {
    const shape = [1, ...(net.inputShape ?? [x.length])];
    const out = net.forward({ shape, data: x }, { training: false, rng: new Rng(0), encoding: 'direct' });
    logits = Float32Array.from(net.k.toHost(out.data));
    prediction = argmaxRows(out)[0]!;
  } finally {
    for (const r of restore) r();
  }
  const T = net.T;
  const layers = neurons.map((n): RasterLayer => {
    const y = seen.get(n) ?? new Float32Array(0);
    const count = y.length / T;
    const perNeuron = new Float64Array(count);
    const ratePerStep: number[] = [];
    let total = 0;
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let i = 0; i < count; i++)
        if (y[t * count + i]! > 0) {
          perNeuron[i]!++;
          s++;
        }
      ratePerStep.push(count === 0 ? 0 : s / count);
      total += s;
    }
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => perNeuron[b]! - perNeuron[a]! || a - b);
    const shown = order.slice(0, Math.min(maxShown, count)).sort((a, b) => a - b);
    const spikes = Array.from({ length: T }, (_, t) => shown.map((i) => (y[t * count + i]! > 0 ? 1 : 0)));
    return {
      layer: n.opts.name,
      neurons: count,
      shown,
      spikes,
      ratePerStep,
      rate: count === 0 ? 0 : total / (count * T),
    };
  });
  return { T, logits: Array.from(logits), prediction, layers };
}
