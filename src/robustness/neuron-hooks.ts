/**
 * Perturbations installed on a network's neuron layers (nn/neuron-layer.ts's `perturbation` hook) and removed again.
 * Each layer draws from its own stream, forked in layer order from one seeded generator, so a seed fixes every draw
 * whatever the batch order.
 */
import { SpikerepError } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import { isTraining, type Layer, type RunContext } from '../nn/layer.js';
import type { NeuronPerturbation, SpikingNeuron } from '../nn/neuron-layer.js';
import { Scratch } from '../nn/scratch.js';
import { neuronLayers } from '../nn/walk.js';
import type { Rng } from '../rng.js';
import { type Tensor, tensor } from '../tensor.js';
import { addSpikes, deleteSpikes, jitterSpikes } from './spike-noise.js';

export type SpikeNoiseKind = 'deletion' | 'jitter' | 'extra';

/** A threshold factor is kept at least this large, so a neuron's threshold stays positive. */
export const MIN_THRESHOLD_FACTOR = 0.1;

/** The spike perturbation of one layer; `trainingOnly` leaves evaluation passes clean (noise-aware training). */
export function spikeNoise(kind: SpikeNoiseKind, level: number, rng: Rng, trainingOnly = false): NeuronPerturbation {
  let scratch: Float32Array | undefined;
  return {
    spikes(k: Kernels, y: Float32Array, ctx: RunContext, magnitude: number): void {
      if (level === 0 || (trainingOnly && !isTraining(ctx))) return;
      k.toHost(y);
      if (kind === 'deletion') deleteSpikes(y, level, rng);
      else if (kind === 'extra') addSpikes(y, level, magnitude, rng);
      else {
        if (scratch?.length !== y.length) scratch = new Float32Array(y.length);
        jitterSpikes(y, ctx.T, level, rng, scratch);
      }
      k.fromHost(y);
    },
  };
}

/**
 * Per-neuron threshold variation: neuron i fires at Vth·f_i, f_i = max(1 + σ·N(0, 1), MIN_THRESHOLD_FACTOR), drawn
 * once per layer and fixed across samples and steps. The layer runs on the input current scaled by 1/f_i instead:
 * for IF and LIF neurons with reset by subtraction (or to zero) from a zero membrane the spikes are the same, and
 * each spike still carries the nominal magnitude, as a chip's fixed-size event does.
 */
export function thresholdNoise(sigma: number, rng: Rng): NeuronPerturbation & { factors(): Float32Array | undefined } {
  let factors: Float32Array | undefined;
  const scaled = new Scratch();
  return {
    factors: () => factors,
    input(k: Kernels, x: Tensor): Tensor {
      const rows = x.shape[0]!;
      const perSample = x.data.length / rows;
      if (factors === undefined) {
        factors = new Float32Array(perSample);
        for (let i = 0; i < perSample; i++) factors[i] = Math.max(MIN_THRESHOLD_FACTOR, 1 + sigma * rng.normal());
      } else if (factors.length !== perSample) {
        throw new SpikerepError(
          'E_SHAPE',
          `threshold noise drew ${factors.length} neurons for this layer, which now has ${perSample}`,
          'threshold',
        );
      }
      k.toHost(x.data);
      const out = scaled.get(k, x.data.length);
      for (let r = 0; r < rows; r++) {
        const o = r * perSample;
        for (let i = 0; i < perSample; i++) out[o + i] = x.data[o + i]! / factors[i]!;
      }
      k.fromHost(out);
      return tensor(x.shape, out);
    },
  };
}

/** Installs one perturbation per neuron layer (`make` gets the layer's own stream); returns the function that removes them. */
export function installOnNeurons(
  body: Layer,
  rng: Rng,
  make: (layer: SpikingNeuron, rng: Rng) => NeuronPerturbation,
): () => void {
  const layers = neuronLayers(body);
  for (const l of layers) l.perturbation = make(l, rng.fork());
  return () => {
    for (const l of layers) l.perturbation = null;
  };
}
