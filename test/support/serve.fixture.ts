/** A checkpoint for the demo and report tests without training: an MNIST mnistnet whose BN layers make it spike. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { layersOf } from '../../src/nn/walk.js';
import { sgd } from '../../src/optim/sgd.js';
import { Rng } from '../../src/rng.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { saveRun } from '../../src/train/state.js';

export function fixtureCheckpoint(
  dir: string,
  neuron: 'if' | 'lif' = 'if',
  T = 4,
): { path: string; config: TrainConfig } {
  mkdirSync(dir, { recursive: true });
  const config: TrainConfig = { ...DEFAULT_CONFIG, neuron, T, checkpointDir: dir, backend: 'reference' };
  const { net } = buildModel(reference, {
    model: 'mnistnet',
    input: [28, 28, 1],
    classes: 10,
    neuron,
    T,
    seed: config.seed,
  });
  const rng = new Rng(7);
  for (const l of layersOf(net.body)) {
    if (!(l instanceof BatchNorm)) continue;
    for (let c = 0; c < l.opts.channels; c++) {
      l.weight.value[c] = (neuron === 'if' ? 4 : 0.5) * (0.8 + 0.4 * rng.uniform());
      l.bias.value[c] = (neuron === 'if' ? 1.5 : 0.2) * rng.normal();
    }
  }
  const params = net.params();
  saveRun(
    config,
    net,
    params,
    sgd().init(params, reference),
    {},
    { epoch: 0, iteration: 0, best: -1, history: [] },
    true,
  );
  return { path: join(dir, 'best.ckpt'), config };
}
