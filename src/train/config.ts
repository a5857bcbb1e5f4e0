import { check } from '../errors.js';
import type { BackendName } from '../kernels/kernels.js';
import { MODEL_NAMES, type ModelName } from '../models/index.js';
import { NEURON_CHOICES, type NeuronChoice } from '../models/neurons.js';
import { GRAD_MODES, type GradMode } from '../nn/grad-mode.js';
import { DATASET_NAMES, type DatasetName } from '../data/registry.js';

export type EncoderName = 'direct' | 'rate' | 'latency';
export const ENCODERS: readonly EncoderName[] = ['direct', 'rate', 'latency'];
export type OptimizerName = 'sgd' | 'adam';

/** Everything that defines a training run; stored in checkpoints and result files. */
export interface TrainConfig {
  dataset: DatasetName;
  dataDir: string | undefined;
  /** Fetch CIFAR / CIFAR10-DVS archives into the cache when they are missing. */
  download: boolean;
  model: ModelName;
  neuron: NeuronChoice;
  T: number;
  epochs: number;
  batchSize: number;
  testBatchSize: number;
  lr: number;
  optimizer: OptimizerName;
  momentum: number;
  weightDecay: number;
  /** Linear warm-up over the first iterations (the DSR recipes use 400). */
  warmupIters: number;
  alpha: number | undefined;
  vth: number | undefined;
  tau: number | undefined;
  /** CubaLIF's synaptic time constant τ_syn. */
  tauSyn: number | undefined;
  dt: number | undefined;
  vthBound: number | undefined;
  encoder: EncoderName;
  /** Random crop (padding) and horizontal flip for training batches; 0 / false for none. */
  cropPad: number;
  flip: boolean;
  dropout: number;
  /** Hybrid training: epochs of the ANN of the same shape before the SNN, 0 for none (docs/method.md §4.4). */
  hybridAnnEpochs: number;
  /** 'exact' (the reference code's backward) or 'representation' (time-summed gradients, nn/grad-mode.ts). */
  gradMode: GradMode;
  /** Forward K time steps at a time so activation memory does not grow with T (nn/time-chunk.ts); undefined: all T. */
  timeChunk: number | undefined;
  seed: number;
  backend: BackendName;
  threads: number | undefined;
  trainLimit: number | undefined;
  testLimit: number | undefined;
  /** Folder for last.ckpt / best.ckpt; undefined writes none. */
  checkpointDir: string | undefined;
  resume: boolean;
}

export const DEFAULT_CONFIG: TrainConfig = {
  dataset: 'mnist',
  dataDir: undefined,
  download: false,
  model: 'mnistnet',
  neuron: 'if',
  T: 4,
  epochs: 1,
  batchSize: 64,
  testBatchSize: 256,
  lr: 0.05,
  optimizer: 'sgd',
  momentum: 0.9,
  weightDecay: 5e-4,
  warmupIters: 100,
  alpha: undefined,
  vth: undefined,
  tau: undefined,
  tauSyn: undefined,
  dt: undefined,
  vthBound: undefined,
  encoder: 'direct',
  cropPad: 0,
  flip: false,
  dropout: 0,
  hybridAnnEpochs: 0,
  gradMode: 'exact',
  timeChunk: undefined,
  seed: 1,
  backend: 'wasm',
  threads: undefined,
  trainLimit: 10000,
  testLimit: undefined,
  checkpointDir: undefined,
  resume: false,
};

/** One-line errors naming the flag, for every field a user can set. */
export function validateConfig(c: TrainConfig): TrainConfig {
  check(DATASET_NAMES.includes(c.dataset), `expected one of ${DATASET_NAMES.join('|')}, got ${c.dataset}`, '--dataset');
  check(MODEL_NAMES.includes(c.model), `expected one of ${MODEL_NAMES.join('|')}, got ${c.model}`, '--model');
  check(NEURON_CHOICES.includes(c.neuron), `expected one of ${NEURON_CHOICES.join('|')}, got ${c.neuron}`, '--neuron');
  check(ENCODERS.includes(c.encoder), `expected one of ${ENCODERS.join('|')}, got ${c.encoder}`, '--encoder');
  check(GRAD_MODES.includes(c.gradMode), `expected exact|representation, got ${c.gradMode}`, '--grad-mode');
  check(c.gradMode === 'exact' || c.neuron !== 'bptt', 'the BPTT baseline needs --grad-mode exact', '--grad-mode');
  if (c.timeChunk !== undefined) {
    int(c.timeChunk, 1, '--time-chunk');
    check(c.gradMode === 'representation' || c.timeChunk >= c.T, 'training in time chunks needs --grad-mode representation', '--time-chunk');
  }
  check(c.optimizer === 'sgd' || c.optimizer === 'adam', `expected sgd|adam, got ${c.optimizer}`, '--optimizer');
  const backends: readonly BackendName[] = ['reference', 'wasm', 'native', 'auto'];
  check(backends.includes(c.backend), `expected reference|wasm|native|auto, got ${c.backend}`, '--backend');
  int(c.T, 1, '--T');
  int(c.epochs, 1, '--epochs');
  int(c.batchSize, 1, '--batch-size');
  int(c.testBatchSize, 1, '--test-batch-size');
  int(c.warmupIters, 0, '--warmup');
  int(c.cropPad, 0, '--crop-pad');
  int(c.seed, 0, '--seed');
  int(c.hybridAnnEpochs, 0, '--hybrid');
  if (c.threads !== undefined) int(c.threads, 1, '--threads');
  if (c.trainLimit !== undefined) int(c.trainLimit, 1, '--train-limit');
  if (c.testLimit !== undefined) int(c.testLimit, 1, '--test-limit');
  check(Number.isFinite(c.lr) && c.lr > 0, `learning rate must be a number > 0, got ${c.lr}`, '--lr');
  check(Number.isFinite(c.momentum) && c.momentum >= 0 && c.momentum < 1, `momentum must be in [0, 1), got ${c.momentum}`, '--momentum');
  check(Number.isFinite(c.weightDecay) && c.weightDecay >= 0, `weight decay must be ≥ 0, got ${c.weightDecay}`, '--weight-decay');
  check(Number.isFinite(c.dropout) && c.dropout >= 0 && c.dropout < 1, `dropout must be in [0, 1), got ${c.dropout}`, '--dropout');
  if (c.alpha !== undefined) check(Number.isFinite(c.alpha) && c.alpha > 0 && c.alpha <= 1, `alpha must be in (0, 1], got ${c.alpha}`, '--alpha');
  for (const [flag, v] of [['--vth', c.vth], ['--tau', c.tau], ['--tau-syn', c.tauSyn], ['--dt', c.dt], ['--vth-bound', c.vthBound]] as const) {
    if (v !== undefined) check(Number.isFinite(v) && v > 0, `must be a number > 0, got ${v}`, flag);
  }
  check(!c.resume || c.checkpointDir !== undefined, '--resume needs --checkpoint DIR (where last.ckpt is)', '--resume');
  return c;
}

function int(v: number, min: number, flag: string): void {
  check(Number.isInteger(v) && v >= min, `must be an integer ≥ ${min}, got ${v}`, flag);
}
