import {
  batchesOf,
  type Batch as DataBatch,
  type Dataset,
  epochOrder,
  gatherBatch,
  sampleSize,
  subset,
} from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import { padFill, randomCropFlip } from '../data/transforms.js';
import type { Kernels } from '../kernels/kernels.js';
import { buildModel } from '../models/index.js';
import { tensorsToHost } from '../nn/host-access.js';
import { countCorrect } from '../nn/loss.js';
import type { Network } from '../nn/network.js';
import { adam } from '../optim/adam.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { cosineWarmup } from '../optim/schedule.js';
import { sgd } from '../optim/sgd.js';
import { Rng } from '../rng.js';
import { neuronOverridesOf, type TrainConfig, validateConfig } from './config.js';
import { encodeBatch } from './encode.js';
import { checkFinite } from './finite.js';
import { hybridWarmStart } from './hybrid.js';
import { checkActivationMemory } from './memory-budget.js';
import { collectMetrics, type RunMetrics } from './metrics.js';
import { makeProgress, nextTurn, type Progress } from './progress.js';
import { claimRunFolder } from './run-folder.js';
import { requireSamples } from './samples.js';
import { type EpochRecord, type RunState, restoreRun, saveRun } from './state.js';
import { trainStep } from './step.js';

export type { EpochRecord } from './state.js';

export interface TrainResult extends RunMetrics {
  testAccuracy: number;
  bestTestAccuracy: number;
  epochs: number;
  T: number;
  neuron: string;
  dataset: string;
  model: string;
  backend: string;
  threads: number;
  secondsPerEpoch: number;
  imagesPerSecond: number;
  peakRssMB: number;
  history: EpochRecord[];
  config: TrainConfig;
  /** Hybrid training only: the ANN phase's test accuracy and the thresholds it gave the SNN. */
  hybrid?: { annTestAccuracy: number; thresholds: Record<string, number> };
}

export interface TrainHooks {
  progress?: Progress;
  /** Called after each epoch's evaluation (and checkpoint). */
  onEpoch?: (r: EpochRecord) => void;
  /** Called with the trained network at the end. */
  onFinish?: (net: Network) => void;
}

/** Seeded streams, one per purpose, so that e.g. turning augmentation on does not change the initial weights. */
type Streams = Record<'order' | 'augment' | 'layers', Rng>;

/**
 * Trains a model end to end on a named dataset: epochs of shuffled batches (augmented and encoded), evaluation
 * after each epoch, `last.ckpt` and `best.ckpt` in the checkpoint folder, resumable from `last.ckpt`.
 */
export async function train(k: Kernels, cfgIn: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  const cfg = validateConfig({ ...cfgIn });
  // one run per folder, checked and locked before any data is read (run-folder.ts)
  const lock = cfg.checkpointDir === undefined ? undefined : claimRunFolder(cfg);
  try {
    return await trainClaimed(k, cfg, hooks);
  } finally {
    lock?.release();
  }
}

async function trainClaimed(k: Kernels, cfg: TrainConfig, hooks: TrainHooks): Promise<TrainResult> {
  const progress = hooks.progress ?? makeProgress({ quiet: true });
  const normalize = cfg.encoder === 'direct';
  const open = { dataDir: cfg.dataDir, normalize, download: cfg.download, T: cfg.T };
  const trainSet = limit(await openDataset(cfg.dataset, 'train', open), cfg.trainLimit);
  const testSet = limit(await openDataset(cfg.dataset, 'test', open), cfg.testLimit);
  requireSamples(trainSet, 'train on', cfg.dataDir);
  requireSamples(testSet, 'evaluate', cfg.dataDir);
  // one frame's [H, W, C] (event data has [T, H, W, C] samples)
  const input = trainSet.sampleShape.slice(-3) as [number, number, number];
  const built = buildModel(k, {
    model: cfg.model,
    input,
    classes: trainSet.classes.length,
    neuron: cfg.neuron,
    T: cfg.T,
    seed: cfg.seed,
    dropout: cfg.dropout,
    gradMode: cfg.gradMode,
    timeChunk: cfg.timeChunk,
    neuronOverrides: neuronOverridesOf(cfg),
  });
  const { net } = built;
  const trainBatch = Math.min(cfg.batchSize, trainSet.length);
  checkActivationMemory(net, { batch: trainBatch, timeChunk: cfg.timeChunk, batchSetting: 'batchSize' }, k.name);
  const params = net.params();
  const opt: Optimizer<OptimizerState> = (
    cfg.optimizer === 'sgd'
      ? sgd({ momentum: cfg.momentum, weightDecay: cfg.weightDecay })
      : adam({ weightDecay: cfg.weightDecay })
  ) as Optimizer<OptimizerState>;
  let optState = opt.init(params, k);
  const schedule = cosineWarmup(cfg.lr, cfg.epochs, cfg.warmupIters);
  const master = new Rng(cfg.seed);
  const streams: Streams = { order: master.fork(), augment: master.fork(), layers: master.fork() };

  let run: RunState = { epoch: 0, iteration: 0, best: -1, history: [] };
  if (cfg.resume) {
    const restored = restoreRun(cfg, net, params, optState, streams);
    if (restored !== null) {
      run = restored.run;
      optState = restored.optState;
      progress.log(`resumed from epoch ${run.epoch} (best test accuracy ${(run.best * 100).toFixed(2)}%)`);
      if (restored.changed.length > 0) {
        progress.log(
          `note: settings changed since the checkpoint (${restored.changed.join(', ')}): not an exact continuation`,
        );
      }
    }
  }

  // Hybrid training starts the SNN from an ANN of the same shape (not when resuming the SNN phase).
  const hybrid =
    cfg.hybridAnnEpochs > 0 && cfg.neuron !== 'ann' && cfg.neuron !== 'relu' && run.epoch === 0
      ? await hybridWarmStart(k, cfg, net, trainSet, progress, train)
      : undefined;

  const batches = Math.ceil(trainSet.length / cfg.batchSize);
  let dataBatch: DataBatch | undefined;
  let cropped: Float32Array | undefined;
  let trainSeconds = 0;
  let trainedImages = 0;
  let epochsRun = 0;
  for (let epoch = run.epoch; epoch < cfg.epochs; epoch++) {
    const t0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lr = schedule(epoch, run.iteration);
    progress.start(`epoch ${epoch + 1}/${cfg.epochs}`, batches);
    let done = 0;
    // stop() restores the terminal when a batch throws (the message then starts on a line of its own)
    try {
      for (const idx of batchesOf(epochOrder(trainSet.length, streams.order), cfg.batchSize)) {
        dataBatch = gatherBatch(trainSet, idx, dataBatch);
        let x = dataBatch.x;
        if (cfg.cropPad > 0 || cfg.flip) {
          cropped = cropped?.length === x.length ? cropped : new Float32Array(x.length);
          x = randomCropFlip(
            x,
            dataBatch.shape,
            { pad: cfg.cropPad, flip: cfg.flip, fill: padFill(trainSet) },
            streams.augment,
            cropped,
          );
        }
        const enc = encodeBatch(k, cfg.encoder, x, dataBatch.shape, net.T, streams.augment);
        lr = schedule(epoch, run.iteration);
        const r = trainStep(
          net,
          params,
          opt,
          optState,
          { x: enc.x, labels: dataBatch.labels, encoding: enc.encoding },
          lr,
          streams.layers,
        );
        optState = r.state;
        checkFinite(k, r.loss, params, epoch + 1, done + 1, { lr, weightDecay: cfg.weightDecay });
        run.iteration++;
        lossSum += r.loss * idx.length;
        correct += r.correct;
        seen += idx.length;
        done++;
        // lets a signal handler (the progress bar's, which restores the terminal) run between batches
        await nextTurn();
        const elapsed = (performance.now() - t0) / 1000;
        progress.update(done, {
          loss: (lossSum / seen).toFixed(4),
          acc: `${((100 * correct) / seen).toFixed(2)}%`,
          'img/s': (seen / elapsed).toFixed(1),
        });
      }
    } finally {
      progress.stop();
    }
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    trainedImages += seen;
    epochsRun++;
    const testAccuracy = (await evaluateYielding(k, net, testSet, cfg, false)).accuracy;
    const rec: EpochRecord = {
      epoch: epoch + 1,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      testAccuracy,
      lr,
      seconds,
    };
    run = { ...run, epoch: epoch + 1, history: [...run.history, rec] };
    const isBest = testAccuracy > run.best;
    if (isBest) run.best = testAccuracy;
    if (cfg.checkpointDir !== undefined) saveRun(cfg, net, params, optState, streams, run, isBest);
    progress.log(
      `epoch ${rec.epoch}/${cfg.epochs}: loss ${rec.trainLoss.toFixed(4)}, train ${(rec.trainAccuracy * 100).toFixed(2)}%, ` +
        `test ${(testAccuracy * 100).toFixed(2)}%, ${seconds.toFixed(1)} s`,
    );
    hooks.onEpoch?.(rec);
  }

  const final = await evaluateYielding(k, net, testSet, cfg, true);
  hooks.onFinish?.(net);
  const last = run.history[run.history.length - 1];
  return {
    ...final.metrics!,
    testAccuracy: last?.testAccuracy ?? final.accuracy,
    bestTestAccuracy: Math.max(run.best, final.accuracy),
    epochs: cfg.epochs,
    T: net.T,
    neuron: cfg.neuron,
    dataset: cfg.dataset,
    model: cfg.model,
    backend: k.name,
    threads: k.threads,
    secondsPerEpoch: epochsRun > 0 ? trainSeconds / epochsRun : 0,
    imagesPerSecond: trainSeconds > 0 ? trainedImages / trainSeconds : 0,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    history: run.history,
    config: cfg,
    ...(hybrid === undefined ? {} : { hybrid }),
  };
}

/** Test accuracy in eval mode; with `withMetrics`, also firing rates, thresholds, synaptic operations, energy. */
export function evaluate(k: Kernels, net: Network, ds: Dataset, cfg: TrainConfig, withMetrics: boolean): Evaluation {
  const steps = evaluation(k, net, ds, cfg, withMetrics);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** The same, with a turn of the event loop between batches, so a signal's clean-up runs during a long evaluation. */
async function evaluateYielding(
  k: Kernels,
  net: Network,
  ds: Dataset,
  cfg: TrainConfig,
  withMetrics: boolean,
): Promise<Evaluation> {
  const steps = evaluation(k, net, ds, cfg, withMetrics);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    await nextTurn();
  }
}

type Evaluation = { accuracy: number; metrics?: RunMetrics };

/** evaluate's work, one batch per step. */
function* evaluation(
  k: Kernels,
  net: Network,
  ds: Dataset,
  cfg: TrainConfig,
  withMetrics: boolean,
): Generator<void, Evaluation> {
  requireSamples(ds, 'evaluate');
  const testBatch = Math.min(cfg.testBatchSize, ds.length);
  checkActivationMemory(net, { batch: testBatch, timeChunk: cfg.timeChunk, batchSetting: 'testBatchSize' }, k.name);
  const rng = new Rng(cfg.seed + 7919); // evaluation randomness (Poisson encoding) never touches training streams
  let correct = 0;
  let batch: DataBatch | undefined;
  const probe = withMetrics ? collectMetrics.begin(net) : null;
  for (const idx of batchesOf(epochOrder(ds.length), cfg.testBatchSize)) {
    batch = gatherBatch(ds, idx, batch);
    const enc = encodeBatch(k, cfg.encoder, batch.x, batch.shape, net.T, rng);
    const logits = net.forward(enc.x, { training: false, rng, encoding: enc.encoding });
    k.toHost(logits.data);
    correct += countCorrect(logits, batch.labels);
    yield;
  }
  const accuracy = correct / ds.length;
  return probe === null ? { accuracy } : { accuracy, metrics: probe.finish(ds.length, sampleSize(ds)) };
}

function limit(ds: Dataset, n: number | undefined): Dataset {
  return n === undefined || n >= ds.length ? ds : subset(ds, n);
}
