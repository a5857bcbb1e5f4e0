/**
 * Threshold calibration from data (docs/method.md §4.5): before training, each neuron layer's threshold is set to a
 * percentile of the input current it receives on a few training batches. An initialisation only; DSR trains the
 * thresholds from there as usual.
 */
import { type Batch, batchesOf, type Dataset, epochOrder, gatherBatch } from '../data/dataset.js';
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

export interface CalibrationOptions {
  /** The percentile, in (0, 100]. */
  readonly percentile: number;
  readonly batches: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly encoder?: EncoderName;
}

/** What a calibrated run records in its result. */
export interface Calibration {
  readonly percentile: number;
  readonly batches: number;
  /** The thresholds set, by layer name, in forward order. */
  readonly thresholds: Record<string, number>;
}

/**
 * Sets each neuron layer's threshold, in forward order, to the `percentile` of max(x, 0) over its input current x
 * (after batch-norm where there is one) on the first `batches` batches of a seeded shuffle of `ds`. Layer i is
 * measured once layers 1 … i−1 have their new thresholds, so it sees the spikes it will get. The forwards run in
 * training mode, as the first training steps will: batch-norm normalises with batch statistics (at initialisation
 * its running statistics are still the identity's) and dropout is active, drawing from a stream of its own; the
 * running statistics are restored afterwards, so only the thresholds change. A layer that receives no positive
 * current keeps its threshold. Returns the thresholds set, by layer name, in forward order.
 */
export function calibrateThresholds(
  k: Kernels,
  net: Network,
  ds: Dataset,
  opts: CalibrationOptions,
): Map<string, number> {
  const statistics = tensorsToHost(k, buffersOf([net.body, net.readout]));
  const saved = statistics.map((t) => t.value.slice());
  const order = epochOrder(ds.length, new Rng(opts.seed));
  const picked = [...batchesOf(order, Math.min(opts.batchSize, ds.length))].slice(0, opts.batches);
  const set = new Map<string, number>();
  let batch: Batch | undefined;
  for (const layer of neuronLayers(net.body).filter((l) => l.opts.mode !== 'relu')) {
    // the same encodings and dropout masks for every layer's pass: a fresh stream each time
    const rng = new Rng(opts.seed + 7919);
    const sample = new ActivationSample(new Rng(opts.seed));
    layer.observeInput = sample.observer(k);
    try {
      for (const idx of picked) {
        batch = gatherBatch(ds, idx, batch);
        const enc = encodeBatch(k, opts.encoder ?? 'direct', batch.x, batch.shape, net.T, rng);
        net.forward(enc.x, { training: true, rng, encoding: enc.encoding });
      }
    } finally {
      layer.observeInput = null;
    }
    const p = sample.quantile(opts.percentile / 100);
    if (!(p > 0)) continue;
    const vth = thresholdFromPercentile(layer, p);
    layer.vth.value[0] = vth;
    k.fromHost(layer.vth.value);
    set.set(layer.opts.name, vth);
  }
  statistics.forEach((t, i) => t.value.set(saved[i]!));
  tensorsFromHost(k, statistics);
  return set;
}

/** Calibrates a new run's thresholds at `percentile` (calibrationOf(cfg)) on its training set, and says so. */
export function calibrateRun(
  k: Kernels,
  cfg: TrainConfig,
  net: Network,
  trainSet: Dataset,
  progress: Progress,
  percentile: number,
): Calibration {
  const t0 = performance.now();
  const set = calibrateThresholds(k, net, trainSet, {
    percentile,
    batches: cfg.calibrateBatches,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    encoder: cfg.encoder,
  });
  const thresholds = Object.fromEntries(set);
  const shown = Object.values(thresholds)
    .map((v) => v.toPrecision(4))
    .join(' ');
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  progress.log(
    `thresholds at percentile ${percentile} of each layer's input current (${cfg.calibrateBatches} batches, ${seconds} s): ${shown}`,
  );
  return { percentile, batches: cfg.calibrateBatches, thresholds };
}
