import { type Dataset, sampleSize, subset } from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import { defaultValidationSize, holdOut } from '../data/split.js';
import { SpikerepError } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import { MODEL_INPUT, MODEL_NAMES, type ModelName } from '../models/names.js';
import type { Network } from '../nn/network.js';
import { type Calibration, calibrateRun } from './calibrate.js';
import { calibrationOf, type TrainConfig, validateConfig } from './config.js';
import { datasetOptions } from './dataset-options.js';
import { type EpochTally, EpochTrainer, evaluationSteps, setupTraining } from './epoch.js';
import { hybridWarmStart } from './hybrid.js';
import { checkActivationMemory } from './memory-budget.js';
import { collectMetrics, type RunMetrics } from './metrics.js';
import { makeProgress, nextTurn, type Progress } from './progress.js';
import { claimRunFolder } from './run-folder.js';
import { requireSamples } from './samples.js';
import { type EpochRecord, type RunState, restoreRun, saveRun } from './state.js';

export type { EpochRecord } from './state.js';

/** A run's outcome. Its metrics (firing rates, synaptic operations, energy) are the last epoch's network's. */
export interface TrainResult extends RunMetrics {
  /** Test accuracy of the chosen epoch (see `selection`): the figure to report. */
  testAccuracy: number;
  /** Test accuracy after the last epoch. */
  lastTestAccuracy: number;
  /** Test images evaluated (the accuracies, rates and energy are theirs), of the test set's `testSetSize`. */
  testImages: number;
  testSetSize: number;
  /** The epoch best.ckpt holds (1-based), and its validation accuracy (null without a validation split). */
  bestEpoch: number;
  valAccuracy: number | null;
  /** What chose the epoch: validation accuracy on `images` held-out training images, or the last epoch. */
  selection: Selection;
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
  /** --calibrate-vth only: the percentile, the batches and the thresholds it set. */
  calibration?: Calibration;
}

export type Selection =
  | { by: 'validation'; images: number; trainImages: number; seed: number }
  | { by: 'last-epoch'; trainImages: number };

export interface TrainHooks {
  progress?: Progress;
  /** Stop after this many completed epochs (checkpoints written), leaving the schedule as `epochs` sets it. */
  stopAfter?: number;
  /** Called after each epoch's evaluation (and checkpoint). */
  onEpoch?: (r: EpochRecord) => void;
  /** Called with the trained network at the end. */
  onFinish?: (net: Network) => void;
}

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
  const open = { ...datasetOptions(cfg), download: cfg.download };
  const { train: trainSet, val: valSet, selection } = await trainingSplit(cfg, open);
  const fullTest = await openDataset(cfg.dataset, 'test', open);
  const testSet = limit(fullTest, cfg.testLimit);
  requireSamples(trainSet, 'train on', cfg.dataDir);
  requireSamples(testSet, 'evaluate', cfg.dataDir);
  const input = modelInput(cfg, trainSet.sampleShape);
  const setup = setupTraining(k, cfg, input, trainSet.classes.length, trainSet.length);
  const { net, params, opt, streams } = setup;
  const trainBatch = Math.min(cfg.batchSize, trainSet.length);
  checkActivationMemory(net, { batch: trainBatch, timeChunk: cfg.timeChunk, batchSetting: 'batchSize' }, k.name);
  let optState = opt.init(params, k);

  let run: RunState = { epoch: 0, iteration: 0, best: -1, history: [] };
  if (cfg.resume) {
    const restored = restoreRun(cfg, net, params, optState, streams);
    if (restored !== null) {
      run = restored.run;
      optState = restored.optState;
      const chosenOn = valSet === undefined ? '' : ` (best validation accuracy ${(run.best * 100).toFixed(2)}%)`;
      progress.log(`resumed from epoch ${run.epoch}${chosenOn}`);
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
  const percentile = calibrationOf(cfg);
  const calibration =
    percentile !== undefined && run.epoch === 0 ? calibrateRun(k, cfg, net, trainSet, progress, percentile) : undefined;

  const batches = Math.ceil(trainSet.length / cfg.batchSize);
  const trainer = new EpochTrainer(setup, optState, run.iteration);
  let trainSeconds = 0;
  let trainedImages = 0;
  let epochsRun = 0;
  const lastEpoch = Math.min(cfg.epochs, hooks.stopAfter ?? cfg.epochs);
  let final: Evaluation | undefined;
  for (let epoch = run.epoch; epoch < lastEpoch; epoch++) {
    const t0 = performance.now();
    progress.start(`epoch ${epoch + 1}/${cfg.epochs}`, batches);
    const steps = trainer.epoch(trainSet, epoch);
    let tally!: EpochTally;
    // stop() restores the terminal when a batch throws (the message then starts on a line of its own)
    try {
      for (;;) {
        const r = steps.next();
        tally = r.value;
        if (r.done === true) break;
        // lets a signal handler (the progress bar's, which restores the terminal) run between batches
        await nextTurn();
        const elapsed = (performance.now() - t0) / 1000;
        progress.update(tally.batches, {
          loss: (tally.lossSum / tally.seen).toFixed(4),
          acc: `${((100 * tally.correct) / tally.seen).toFixed(2)}%`,
          'img/s': (tally.seen / elapsed).toFixed(0),
        });
      }
    } finally {
      progress.stop();
    }
    const { lossSum, correct, seen, lr } = tally;
    optState = trainer.optState;
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    trainedImages += seen;
    epochsRun++;
    // validation chooses; the test set is evaluated for the record only (with the metrics after the last epoch)
    const valAccuracy =
      valSet === undefined ? null : (await evaluateYielding(k, net, valSet, cfg, false, progress, 'val')).accuracy;
    final = await evaluateYielding(k, net, testSet, cfg, epoch + 1 === lastEpoch, progress, 'test');
    const rec: EpochRecord = {
      epoch: epoch + 1,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      valAccuracy,
      testAccuracy: final.accuracy,
      lr,
      seconds,
      steps: tally.curve,
    };
    run = { ...run, epoch: epoch + 1, iteration: trainer.iteration, history: [...run.history, rec] };
    const isBest = valAccuracy === null || valAccuracy > run.best;
    if (isBest) run.best = valAccuracy ?? -1;
    if (cfg.checkpointDir !== undefined) saveRun(cfg, net, params, optState, streams, run, isBest);
    const val = valAccuracy === null ? '' : `val ${(valAccuracy * 100).toFixed(2)}%, `;
    progress.log(
      `epoch ${rec.epoch}/${cfg.epochs}: loss ${rec.trainLoss.toFixed(4)}, train ${(rec.trainAccuracy * 100).toFixed(2)}%, ` +
        `${val}test ${(final.accuracy * 100).toFixed(2)}%, ${seconds.toFixed(1)} s`,
    );
    hooks.onEpoch?.(rec);
  }

  if (final?.metrics === undefined) final = await evaluateYielding(k, net, testSet, cfg, true, progress, 'test');
  hooks.onFinish?.(net);
  const chosen = chosenEpoch(run.history, valSet !== undefined);
  return {
    ...final.metrics!,
    testAccuracy: chosen?.testAccuracy ?? final.accuracy,
    lastTestAccuracy: final.accuracy,
    testImages: testSet.length,
    testSetSize: fullTest.length,
    bestEpoch: chosen?.epoch ?? run.epoch,
    valAccuracy: chosen?.valAccuracy ?? null,
    selection,
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
    ...(calibration === undefined ? {} : { calibration }),
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

/**
 * The same, with a turn of the event loop between batches, so a signal's clean-up runs during a long evaluation,
 * and a progress bar counting images (`eval test 3000/10000`), cleared when it is done.
 */
async function evaluateYielding(
  k: Kernels,
  net: Network,
  ds: Dataset,
  cfg: TrainConfig,
  withMetrics: boolean,
  progress: Progress,
  name: 'val' | 'test',
): Promise<Evaluation> {
  const steps = evaluation(k, net, ds, cfg, withMetrics);
  const t0 = performance.now();
  progress.start(`eval ${name}`, ds.length, { transient: true });
  try {
    for (let batches = 1; ; batches++) {
      const r = steps.next();
      if (r.done === true) return r.value;
      const done = Math.min(ds.length, batches * cfg.testBatchSize);
      progress.update(done, { 'img/s': (done / ((performance.now() - t0) / 1000)).toFixed(0) });
      await nextTurn();
    }
  } finally {
    progress.stop();
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
  const probe = withMetrics ? collectMetrics.begin(net) : null;
  const correct = yield* evaluationSteps(k, net, ds, cfg);
  const accuracy = correct / ds.length;
  return probe === null ? { accuracy } : { accuracy, metrics: probe.finish(ds.length, sampleSize(ds)) };
}

/**
 * The training set split into the images trained on (the first `trainLimit` of what is left) and the validation
 * images held out of the whole training set, so the validation set is the same whatever the limit.
 */
async function trainingSplit(
  cfg: TrainConfig,
  open: Parameters<typeof openDataset>[2],
): Promise<{ train: Dataset; val: Dataset | undefined; selection: Selection }> {
  const all = await openDataset(cfg.dataset, 'train', open);
  const size = cfg.valSplit ?? defaultValidationSize(cfg.dataset, all.length, cfg.trainLimit);
  const { train: rest, val } = holdOut(all, size, cfg.seed);
  const train = limit(rest, cfg.trainLimit);
  const selection: Selection =
    val === undefined
      ? { by: 'last-epoch', trainImages: train.length }
      : { by: 'validation', images: val.length, trainImages: train.length, seed: cfg.seed };
  return { train, val, selection };
}

/** The epoch best.ckpt holds: the first with the highest validation accuracy, or the last without validation. */
export function chosenEpoch(history: readonly EpochRecord[], validated: boolean): EpochRecord | undefined {
  if (!validated) return history[history.length - 1];
  let best: EpochRecord | undefined;
  for (const r of history) if (best === undefined || (r.valAccuracy ?? -1) > (best.valAccuracy ?? -1)) best = r;
  return best;
}

function limit(ds: Dataset, n: number | undefined): Dataset {
  return n === undefined || n >= ds.length ? ds : subset(ds, n);
}

/**
 * The shape a model is built for: one frame's [H, W, C] of images and event data ([T, H, W, C] samples), or one
 * step's row of a series [time, C] as [1, 1, C]; a model fed the other kind, or a series with a spike encoder, is refused.
 */
function modelInput(cfg: TrainConfig, sampleShape: readonly number[]): [number, number, number] {
  const series = sampleShape.length === 2;
  const of = (kind: 'image' | 'series'): string =>
    MODEL_NAMES.filter((m: ModelName) => MODEL_INPUT[m] === kind).join(', ');
  if (series !== (MODEL_INPUT[cfg.model] === 'series')) {
    const what = series
      ? `series [${sampleShape.join(', ')}] (time, channels), which ${of('series')} take`
      : `images/frames [${sampleShape.join(', ')}], which ${of('image')} take`;
    throw new SpikerepError(
      'E_UNSUPPORTED',
      `${cfg.model} cannot take ${cfg.dataset}'s samples: they are ${what}`,
      '--model',
    );
  }
  if (!series) return sampleShape.slice(-3) as [number, number, number];
  if (cfg.encoder !== 'direct')
    throw new SpikerepError(
      'E_UNSUPPORTED',
      `series feed their values to the network step by step: use --encoder direct (spikerep.signal encodes series into spikes), got ${cfg.encoder}`,
      '--encoder',
    );
  return [1, 1, sampleShape[1]!];
}
