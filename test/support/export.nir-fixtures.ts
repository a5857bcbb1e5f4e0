/** Shared fixtures for the NIR tests: a small mnistnet with non-trivial BN statistics and thresholds. */
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { argmaxRows } from '../../src/nn/loss.js';
import type { Network } from '../../src/nn/network.js';
import { SpikingNeuron } from '../../src/nn/neuron-layer.js';
import { layersOf } from '../../src/nn/walk.js';
import { Rng } from '../../src/rng.js';

export const INPUT: [number, number, number] = [8, 8, 1];

/** An mnistnet on 8×8 images whose BN layers were "trained" (random running stats, γ, β) so that neurons fire. */
export function smallNet(neuron: 'if' | 'lif' | 'cubalif', seed = 3): Network {
  const { net } = buildModel(reference, { model: 'mnistnet', input: INPUT, classes: 10, neuron, T: 6, seed });
  const rng = new Rng(seed + 100);
  const layers = layersOf(net.body);
  let i = 0;
  for (const l of layers) {
    if (l instanceof BatchNorm) {
      for (let c = 0; c < l.opts.channels; c++) {
        l.runningMean[c] = 0.2 * rng.normal();
        l.runningVar[c] = 0.5 + rng.uniform();
        // a scale that makes the neurons fire a fair share of the time (CubaLIF's current needs steps to build up)
        const scale = neuron === 'if' ? 3 : neuron === 'lif' ? 0.4 : 2;
        l.weight.value[c] = scale * (0.8 + 0.4 * rng.uniform());
        l.bias.value[c] = scale * (0.3 + 0.4 * rng.normal());
      }
    }
    if (l instanceof SpikingNeuron) l.vth.value[0] = (neuron === 'if' ? 4 : 0.25) * (1 + 0.2 * i++);
  }
  return net;
}

/** n random images [n, 8, 8, 1] in roughly the normalised-MNIST range. */
export function randomImages(n: number, seed = 5): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * INPUT[0] * INPUT[1] * INPUT[2] }, () => 2 * rng.uniform() - 0.4);
}

/** Predictions and a copy of the logits of a network on `x`. */
export function run(net: Network, x: Float32Array, n: number): { pred: Int32Array; logits: Float32Array } {
  const logits = net.forward({ shape: [n, ...INPUT], data: x }, { training: false, rng: new Rng(0) });
  net.k.toHost(logits.data);
  return { pred: argmaxRows(logits), logits: Float32Array.from(logits.data) };
}
