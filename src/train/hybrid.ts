import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { type Batch, batchesOf, epochOrder, gatherBatch } from '../data/dataset.js';
import type { Kernels } from '../kernels/kernels.js';
import { buffersOf } from '../nn/buffers.js';
import { tensorsFromHost, tensorsToHost } from '../nn/host-access.js';
import type { Network } from '../nn/network.js';
import { neuronLayers } from '../nn/walk.js';
import { Rng } from '../rng.js';
import type { EncoderName, TrainConfig } from './config.js';
import { encodeBatch } from './encode.js';
import { ActivationSample, thresholdFromPercentile } from './percentile.js';
import type { Progress } from './progress.js';

export { neuronLayers } from '../nn/walk.js';

/**
 * Hybrid training (docs/method.md §4.4): the ReLU ANN of the same shape is trained first, with the reference's ANN
 * settings (ANN_PHASE); each neuron layer's threshold is then set to the 99.9th percentile of that layer's
 * ReLU'd pre-activations (BN output, eval mode, 5 batches), and the SNN starts from the ANN's weights. For LIF
 * the percentile is multiplied by Δt, since LIF spikes have magnitude Vth/Δt. Deliberate differences from the
 * reference: it estimates on 5 validation batches, we use training batches so the test set stays unseen; the
 * ANN's learning-rate warm-up is cfg.warmupIters (the reference's 5000 iterations are about one ImageNet epoch).
 */

/** The ANN run of the reference's ImageNet recipe: a ReLU network, SGD with momentum, lr 0.1, wd 1e-4, batch 256. */
export const ANN_PHASE = {
  neuron: 'relu',
  optimizer: 'sgd',
  momentum: 0.9,
  lr: 0.1,
  weightDecay: 1e-4,
  batchSize: 256,
} as const satisfies Partial<TrainConfig>;

/** The threshold calibration of docs/method.md §4.4: this quantile of each layer's activations over this many batches. */
export const CALIBRATION = { fraction: 0.999, batches: 5 } as const;

/**
 * Per neuron layer (by name), the `fraction` quantile of max(x, 0) over `batches` batches of `ds` (eval mode), as
 * ActivationSample.quantile defines it.
 */
export function activationPercentiles(
  k: Kernels,
  ann: Network,
  ds: Dataset,
  opts: { batches: number; batchSize: number; fraction: number; seed: number; encoder?: EncoderName },
): Map<string, number> {
  const rng = new Rng(opts.seed);
  const layers = neuronLayers(ann.body);
  const samples = layers.map((l) => {
    const sample = new ActivationSample(rng);
    l.observeInput = sample.observer(k);
    return sample;
  });
  let batch: Batch | undefined;
  let done = 0;
  for (const idx of batchesOf(epochOrder(ds.length, new Rng(opts.seed)), opts.batchSize)) {
    if (done++ >= opts.batches) break;
    batch = gatherBatch(ds, idx, batch);
    const enc = encodeBatch(k, opts.encoder ?? 'direct', batch.x, batch.shape, 1, rng);
    ann.forward(enc.x, { training: false, rng, encoding: enc.encoding });
  }
  const out = new Map<string, number>();
  layers.forEach((l, i) => {
    l.observeInput = null;
    out.set(l.opts.name, samples[i]!.quantile(opts.fraction));
  });
  return out;
}

/**
 * Starts `snn` from `ann`: every parameter and BN statistic with the same name and size is copied (like the
 * reference code's non-strict load_state_dict), then thresholds are set from the percentiles (×Δt for LIF),
 * never below each layer's bound. Returns the thresholds set.
 */
export function initFromAnn(snn: Network, ann: Network, percentiles: Map<string, number>): Map<string, number> {
  const source = new Map<string, Float32Array>();
  for (const t of tensorsToHost(ann.k, [...ann.params(), ...buffersOf([ann.body])])) source.set(t.name, t.value);
  const targets = [...snn.params().filter((p) => p.role !== 'threshold'), ...buffersOf([snn.body])];
  for (const t of targets) {
    const v = source.get(t.name);
    if (v !== undefined && v.length === t.value.length) t.value.set(v);
  }
  tensorsFromHost(snn.k, targets);
  const set = new Map<string, number>();
  for (const l of neuronLayers(snn.body)) {
    const p = percentiles.get(l.opts.name);
    if (p === undefined || !(p > 0)) continue;
    const vth = thresholdFromPercentile(l, p);
    l.vth.value[0] = vth;
    set.set(l.opts.name, vth);
  }
  return set;
}

/**
 * Phase 1 of hybrid training (docs/method.md §4.4): trains the ReLU ANN of the same shape for cfg.hybridAnnEpochs epochs
 * with ANN_PHASE's settings (data, augmentation, warm-up and seed from cfg; checkpoints under <checkpoint>/ann),
 * then starts `snn` from it. `trainFn` is the training loop itself.
 */
export async function hybridWarmStart(
  k: Kernels,
  cfg: TrainConfig,
  snn: Network,
  trainSet: Dataset,
  progress: Progress,
  trainFn: (
    k: Kernels,
    cfg: TrainConfig,
    hooks: { progress: Progress; onFinish: (n: Network) => void },
  ) => Promise<{ testAccuracy: number }>,
): Promise<{ annTestAccuracy: number; thresholds: Record<string, number> }> {
  progress.log(`hybrid training: ${cfg.hybridAnnEpochs} ReLU-ANN epoch(s) first`);
  let ann: Network | undefined;
  const annDir = cfg.checkpointDir === undefined ? undefined : join(cfg.checkpointDir, 'ann');
  const annCfg: TrainConfig = {
    ...cfg,
    ...ANN_PHASE,
    epochs: cfg.hybridAnnEpochs,
    hybridAnnEpochs: 0,
    gradMode: 'exact',
    timeChunk: undefined, // T = 1: nothing to sum or chunk over time
    checkpointDir: annDir,
    resume: false,
    // the ANN phase always starts afresh; whether this run may use the folder was decided for the run itself
    overwrite: annDir !== undefined,
  };
  const annResult = await trainFn(k, annCfg, { progress, onFinish: (n) => (ann = n) });
  // batches of the SNN's size, as the reference's calibration run uses the SNN script's default batch
  const pct = activationPercentiles(k, ann!, trainSet, {
    ...CALIBRATION,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    encoder: cfg.encoder,
  });
  const thresholds = Object.fromEntries(initFromAnn(snn, ann!, pct));
  const shown = Object.values(thresholds)
    .map((v) => v.toFixed(3))
    .join(' ');
  progress.log(
    `ANN test ${(annResult.testAccuracy * 100).toFixed(2)}%; SNN thresholds from the 99.9th percentile: ${shown}`,
  );
  return { annTestAccuracy: annResult.testAccuracy, thresholds };
}
