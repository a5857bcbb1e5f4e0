/**
 * The spikes of one sample through every neuron layer: run the network in eval mode on a batch of one, with
 * each SpikingNeuron's forward wrapped for the duration to copy its output. Browser-safe (no Node imports), so
 * the demo page and the report share it.
 *
 * Each lane shows a fixed random sample of the layer's neurons (the same for every image, from a seed), not the
 * most active ones: the most active of a layer firing at 3 % look saturated. The output layer is shown whole, in
 * class order.
 */

import { neuronLabels } from '../nn/layer-labels.js';
import { argmaxRows } from '../nn/loss.js';
import type { Network } from '../nn/network.js';
import type { SpikingNeuron } from '../nn/neuron-layer.js';
import { neuronLayers } from '../nn/walk.js';
import { Rng } from '../rng.js';

export interface RasterLayer {
  /** The layer's parameter path (`features.6`). */
  readonly layer: string;
  /** What a reader calls it: "conv 2 (64 ch)", "output (10 classes)" (nn/layer-labels.ts). */
  readonly label: string;
  /** The output layer: one row per class, in class order. */
  readonly output: boolean;
  /** Neurons in the layer. */
  readonly neurons: number;
  /** Indices of the neurons shown (a seeded random sample, in index order). */
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
  /** Per class: the fraction of the T steps its output neuron fired (0–1); the logits are rates × Vth. */
  readonly outputRates: number[];
  readonly layers: RasterLayer[];
}

export interface RasterOptions {
  /** Neurons sampled per layer (default 48); an output layer of up to 64 classes is shown whole. */
  readonly maxShown?: number;
  /** Seed of the sample (default 0): the same neurons for every image. */
  readonly seed?: number;
}

/** `n` distinct indices of [0, count), in increasing order, drawn from `rng` (a partial Fisher–Yates shuffle). */
export function sampleIndices(count: number, n: number, rng: Rng): number[] {
  if (n >= count) return Array.from({ length: count }, (_, i) => i);
  const pool = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(count - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n).sort((a, b) => a - b);
}

export { neuronLayers } from '../nn/walk.js';

/** Runs one sample `x` (one image, channels-last) and records every neuron layer's spikes (≤ maxShown each). */
export function sampleRaster(net: Network, x: Float32Array, o: RasterOptions = {}): SampleRaster {
  const maxShown = o.maxShown ?? 48;
  const neurons = neuronLayers(net.body);
  const labels = neuronLabels(net.body, net.classes);
  const seen = new Map<SpikingNeuron, Float32Array>();
  const restore: (() => void)[] = [];
  for (const n of neurons) {
    const orig = n.forward;
    const origRepeated = n.forwardRepeated;
    n.forward = (input, ctx) => {
      const y = orig.call(n, input, ctx);
      seen.set(n, Float32Array.from(ctx.k.toHost(y.data)));
      return y;
    };
    // the first neuron after time-invariant first layers is handed their output once
    n.forwardRepeated = (input, ctx) => {
      const y = origRepeated.call(n, input, ctx);
      seen.set(n, Float32Array.from(ctx.k.toHost(y.data)));
      return y;
    };
    restore.push(() => {
      delete (n as { forward?: unknown }).forward;
      delete (n as { forwardRepeated?: unknown }).forwardRepeated;
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
  const layers = neurons.map((n, li): RasterLayer => {
    const y = seen.get(n) ?? new Float32Array(0);
    const count = y.length / T;
    const ratePerStep: number[] = [];
    let total = 0;
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let i = 0; i < count; i++) if (y[t * count + i]! > 0) s++;
      ratePerStep.push(count === 0 ? 0 : s / count);
      total += s;
    }
    const output = li === neurons.length - 1 && count === net.classes && count <= 64;
    // one stream per layer, so a layer's sample does not depend on the layers before it
    const rng = new Rng(((o.seed ?? 0) * 7919 + li + 1) >>> 0);
    const shown = sampleIndices(count, output ? count : maxShown, rng);
    const spikes = Array.from({ length: T }, (_, t) => shown.map((i) => (y[t * count + i]! > 0 ? 1 : 0)));
    return {
      layer: n.opts.name,
      label: labels.get(n.opts.name) ?? n.opts.name,
      output,
      neurons: count,
      shown,
      spikes,
      ratePerStep,
      rate: count === 0 ? 0 : total / (count * T),
    };
  });
  const last = layers[layers.length - 1];
  const outputRates =
    last?.output === true
      ? last.shown.map((_, j) => last.spikes.reduce((a, row) => a + row[j]!, 0) / T)
      : Array.from(logits, () => 0);
  return { T, logits: Array.from(logits), prediction, outputRates, layers };
}
