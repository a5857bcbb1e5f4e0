import { Rng } from '../rng.js';
import type { Dataset } from '../data/dataset.js';
import { batchesOf, epochOrder, gatherBatch, type Batch } from '../data/dataset.js';
import type { Network } from '../nn/network.js';
import { buffersOf } from '../nn/buffers.js';
import { neuronLayers } from '../nn/walk.js';
import type { Kernels } from '../kernels/kernels.js';
import { encodeBatch } from './encode.js';
import { join } from 'node:path';
import type { TrainConfig } from './config.js';
import type { Progress } from './progress.js';

export { neuronLayers } from '../nn/walk.js';

/**
 * Hybrid training (spec §4.4): an ANN of the same shape is trained first; each neuron layer's threshold is then
 * set to the 99.9th percentile of that layer's ReLU'd pre-activations (BN output, eval mode, a few batches),
 * and the SNN starts from the ANN's weights. For LIF the percentile is multiplied by Δt, since LIF spikes have
 * magnitude Vth/Δt. The reference code estimates on 5 validation batches; we use training batches, so the test
 * set stays unseen.
 */

/** Per neuron layer (by name), the `fraction` quantile of max(x, 0) over `batches` batches of `ds`. */
export function activationPercentiles(
  k: Kernels, ann: Network, ds: Dataset, opts: { batches: number; batchSize: number; fraction: number; seed: number },
): Map<string, number> {
  const maxSamples = 1 << 20; // per layer: a uniform subsample keeps memory bounded
  const rng = new Rng(opts.seed);
  const samples = new Map<string, { values: Float32Array; seen: number }>();
  const layers = neuronLayers(ann.body);
  for (const l of layers) {
    const store = { values: new Float32Array(maxSamples), seen: 0 };
    samples.set(l.opts.name, store);
    l.observeInput = (x) => {
      for (const v of x.data) {
        const a = v > 0 ? v : 0;
        if (store.seen < maxSamples) store.values[store.seen] = a;
        else {
          const j = Math.floor(rng.uniform() * (store.seen + 1));
          if (j < maxSamples) store.values[j] = a;
        }
        store.seen++;
      }
    };
  }
  let batch: Batch | undefined;
  let done = 0;
  for (const idx of batchesOf(epochOrder(ds.length, new Rng(opts.seed)), opts.batchSize)) {
    if (done++ >= opts.batches) break;
    batch = gatherBatch(ds, idx, batch);
    const enc = encodeBatch(k, 'direct', batch.x, batch.shape, 1, rng);
    ann.forward(enc.x, { training: false, rng, encoding: enc.encoding });
  }
  const out = new Map<string, number>();
  for (const l of layers) {
    l.observeInput = null;
    const s = samples.get(l.opts.name)!;
    const v = s.values.subarray(0, Math.min(s.seen, maxSamples)).sort();
    out.set(l.opts.name, v.length === 0 ? 0 : v[Math.min(v.length - 1, Math.floor(opts.fraction * (v.length - 1)))]!);
  }
  return out;
}

/**
 * Starts `snn` from `ann`: every parameter and BN statistic with the same name and size is copied (like the
 * reference code's non-strict load_state_dict), then thresholds are set from the percentiles (×Δt for LIF),
 * never below each layer's bound. Returns the thresholds set.
 */
export function initFromAnn(snn: Network, ann: Network, percentiles: Map<string, number>): Map<string, number> {
  const source = new Map<string, Float32Array>();
  for (const p of ann.params()) source.set(p.name, p.value);
  for (const b of buffersOf([ann.body])) source.set(b.name, b.value);
  for (const t of [...snn.params().filter((p) => p.role !== 'threshold'), ...buffersOf([snn.body])]) {
    const v = source.get(t.name);
    if (v !== undefined && v.length === t.value.length) t.value.set(v);
  }
  const set = new Map<string, number>();
  for (const l of neuronLayers(snn.body)) {
    const p = percentiles.get(l.opts.name);
    if (p === undefined || !(p > 0)) continue;
    const c = l.opts.config;
    const vth = Math.max(c.vthBound, c.kind === 'lif' ? p * c.dt : p);
    l.vth.value[0] = vth;
    set.set(l.opts.name, vth);
  }
  return set;
}

/**
 * Phase 1 of hybrid training (spec §4.4): trains the ANN of the same shape for cfg.hybridAnnEpochs epochs
 * (checkpoints under <checkpoint>/ann), then starts `snn` from it. `trainFn` is the training loop itself.
 */
export async function hybridWarmStart(
  k: Kernels, cfg: TrainConfig, snn: Network, trainSet: Dataset, progress: Progress,
  trainFn: (k: Kernels, cfg: TrainConfig, hooks: { progress: Progress; onFinish: (n: Network) => void }) => Promise<{ testAccuracy: number }>,
): Promise<{ annTestAccuracy: number; thresholds: Record<string, number> }> {
  progress.log(`hybrid training: ${cfg.hybridAnnEpochs} ANN epoch(s) first`);
  let ann: Network | undefined;
  const annDir = cfg.checkpointDir === undefined ? undefined : join(cfg.checkpointDir, 'ann');
  const annCfg: TrainConfig = { ...cfg, neuron: 'ann', epochs: cfg.hybridAnnEpochs, hybridAnnEpochs: 0, checkpointDir: annDir, resume: false };
  const annResult = await trainFn(k, annCfg, { progress, onFinish: (n) => (ann = n) });
  const pct = activationPercentiles(k, ann!, trainSet, { batches: 5, batchSize: cfg.batchSize, fraction: 0.999, seed: cfg.seed });
  const thresholds = Object.fromEntries(initFromAnn(snn, ann!, pct));
  const shown = Object.values(thresholds).map((v) => v.toFixed(3)).join(' ');
  progress.log(`ANN test ${(annResult.testAccuracy * 100).toFixed(2)}%; SNN thresholds from the 99.9th percentile: ${shown}`);
  return { annTestAccuracy: annResult.testAccuracy, thresholds };
}
