/**
 * A training run's model, optimiser and seeded streams, and its epochs and evaluations batch by batch, as
 * generators. No Node APIs: the CLI's loop (loop.ts) and the browser demo's training worker drive the same steps,
 * each yielding between batches its own way (the event loop's next turn; a worker's message queue).
 */
import { batchesOf, type Batch as DataBatch, type Dataset, epochOrder, gatherBatch } from '../data/dataset.js';
import { padFill, randomCropFlip } from '../data/transforms.js';
import type { Kernels } from '../kernels/kernels.js';
import { buildModel } from '../models/index.js';
import { countCorrect } from '../nn/loss.js';
import type { Network } from '../nn/network.js';
import type { Param } from '../nn/param.js';
import { adam } from '../optim/adam.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { cosineStepWarmup, cosineWarmup, type Schedule } from '../optim/schedule.js';
import { sgd } from '../optim/sgd.js';
import { Rng } from '../rng.js';
import { perturbInIntensities } from '../robustness/input-noise.js';
import { installTrainingNoise } from '../robustness/train-noise.js';
import { gradModeOf, neuronOverridesOf, type TrainConfig, weightQuantOf } from './config.js';
import { encodeBatch } from './encode.js';
import { checkFinite } from './finite.js';
import type { StepPoint } from './run-meta.js';
import { trainStep } from './step.js';
import { StepCurve } from './step-curve.js';

/** Seeded streams, one per purpose, so that e.g. turning augmentation on does not change the initial weights. */
export type Streams = Record<'order' | 'augment' | 'layers', Rng>;

export interface TrainingSetup {
  readonly k: Kernels;
  readonly cfg: TrainConfig;
  readonly net: Network;
  readonly params: readonly Param[];
  readonly opt: Optimizer<OptimizerState>;
  readonly schedule: (epoch: number, iteration: number) => number;
  readonly streams: Streams;
  /** --train-noise on the input: the intensity-space perturbation of every training batch. */
  readonly inputNoise?: (x: Float32Array) => void;
}

/**
 * The model a config asks for on one frame's [H, W, C], its optimiser, LR schedule and streams (from cfg.seed);
 * `trainLength` (the training set's size) sets the step count a per-step schedule anneals over.
 */
export function setupTraining(
  k: Kernels,
  cfg: TrainConfig,
  input: [number, number, number],
  classes: number,
  trainLength: number,
): TrainingSetup {
  const { net } = buildModel(k, {
    model: cfg.model,
    input,
    classes,
    neuron: cfg.neuron,
    T: cfg.T,
    seed: cfg.seed,
    dropout: cfg.dropout,
    gradMode: gradModeOf(cfg),
    timeChunk: cfg.timeChunk,
    neuronOverrides: neuronOverridesOf(cfg),
    weightQuant: weightQuantOf(cfg),
    readout: cfg.readout,
  });
  const inputNoise = cfg.trainNoise === undefined ? undefined : installTrainingNoise(net, cfg.trainNoise, cfg.seed);
  const params = net.params();
  const opt: Optimizer<OptimizerState> = (
    cfg.optimizer === 'sgd'
      ? sgd({ momentum: cfg.momentum, weightDecay: cfg.weightDecay })
      : adam({ weightDecay: cfg.weightDecay })
  ) as Optimizer<OptimizerState>;
  const master = new Rng(cfg.seed);
  const streams: Streams = { order: master.fork(), augment: master.fork(), layers: master.fork() };
  const setup = { k, cfg, net, params, opt, schedule: scheduleOf(cfg, trainLength), streams };
  return inputNoise === undefined ? setup : { ...setup, inputNoise };
}

function scheduleOf(cfg: TrainConfig, trainLength: number): Schedule {
  if (cfg.schedule === 'cosine') return cosineWarmup(cfg.lr, cfg.epochs, cfg.warmupIters);
  const steps = cfg.epochs * Math.ceil(trainLength / cfg.batchSize);
  return cosineStepWarmup(cfg.lr, steps, cfg.warmupIters);
}

/** An epoch so far: sums over the batches done, and the learning rate of the last step. */
export interface EpochTally {
  batches: number;
  seen: number;
  lossSum: number;
  correct: number;
  lr: number;
  /** The last batch's mean loss and its correct count out of its size. */
  last: { loss: number; correct: number; size: number };
  /** The epoch's training curve so far (step-curve.ts). */
  curve: StepPoint[];
}

/**
 * Steps the optimiser through epochs of shuffled, augmented, encoded batches. Holds the optimiser state and the
 * step count between epochs (set them after a resume) and reuses its batch buffers across steps.
 */
export class EpochTrainer {
  optState: OptimizerState;
  iteration: number;
  private dataBatch: DataBatch | undefined;
  private cropped: Float32Array | undefined;

  constructor(
    readonly s: TrainingSetup,
    optState: OptimizerState,
    iteration = 0,
  ) {
    this.optState = optState;
    this.iteration = iteration;
  }

  /** One epoch; yields the tally after every batch and returns the final one. */
  *epoch(trainSet: Dataset, epoch: number): Generator<EpochTally, EpochTally> {
    const { k, cfg, net, params, opt, schedule, streams } = this.s;
    const curve = new StepCurve(Math.ceil(trainSet.length / cfg.batchSize), epoch, cfg.epochs);
    const tally: EpochTally = {
      batches: 0,
      seen: 0,
      lossSum: 0,
      correct: 0,
      lr: schedule(epoch, this.iteration),
      last: { loss: 0, correct: 0, size: 0 },
      curve: curve.points,
    };
    for (const idx of batchesOf(epochOrder(trainSet.length, streams.order), cfg.batchSize)) {
      this.dataBatch = gatherBatch(trainSet, idx, this.dataBatch);
      let x = this.dataBatch.x;
      if (cfg.cropPad > 0 || cfg.flip) {
        this.cropped = this.cropped?.length === x.length ? this.cropped : new Float32Array(x.length);
        x = randomCropFlip(
          x,
          this.dataBatch.shape,
          { pad: cfg.cropPad, flip: cfg.flip, fill: padFill(trainSet) },
          streams.augment,
          this.cropped,
        );
      }
      if (this.s.inputNoise !== undefined) perturbInIntensities(x, trainSet, this.s.inputNoise);
      const enc = encodeBatch(k, cfg.encoder, x, this.dataBatch.shape, net.T, streams.augment);
      tally.lr = schedule(epoch, this.iteration);
      const r = trainStep(
        net,
        params,
        opt,
        this.optState,
        { x: enc.x, labels: this.dataBatch.labels, encoding: enc.encoding },
        tally.lr,
        streams.layers,
      );
      this.optState = r.state;
      checkFinite(k, r.loss, params, epoch + 1, tally.batches + 1, { lr: tally.lr, weightDecay: cfg.weightDecay });
      this.iteration++;
      tally.lossSum += r.loss * idx.length;
      tally.correct += r.correct;
      tally.seen += idx.length;
      tally.batches++;
      tally.last = { loss: r.loss, correct: r.correct, size: idx.length };
      curve.add(r.loss, r.correct, idx.length, this.iteration, tally.batches - 1);
      yield tally;
    }
    return tally;
  }
}

/**
 * Eval-mode passes over a dataset in order; yields after every batch and returns the correct count. Poisson
 * encoding draws from its own stream (seed + 7919), so evaluating never touches the training streams.
 */
export function* evaluationSteps(k: Kernels, net: Network, ds: Dataset, cfg: TrainConfig): Generator<void, number> {
  const rng = new Rng(cfg.seed + 7919);
  let correct = 0;
  let batch: DataBatch | undefined;
  for (const idx of batchesOf(epochOrder(ds.length), cfg.testBatchSize)) {
    batch = gatherBatch(ds, idx, batch);
    const enc = encodeBatch(k, cfg.encoder, batch.x, batch.shape, net.T, rng);
    const logits = net.forward(enc.x, { training: false, rng, encoding: enc.encoding });
    k.toHost(logits.data);
    correct += countCorrect(logits, batch.labels);
    yield;
  }
  return correct;
}
