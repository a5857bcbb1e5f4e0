/**
 * What a training checkpoint holds besides the file format (checkpoint.ts): the run's metadata and its named
 * tensors. No Node APIs, so the browser demo's checkpoint download is the same checkpoint the CLI writes.
 */

import { buffersOf } from '../nn/buffers.js';
import type { Network } from '../nn/network.js';
import type { Param } from '../nn/param.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { Rng } from '../rng.js';
import type { NamedArray } from './checkpoint-bytes.js';
import type { TrainConfig } from './config.js';

/** One epoch of a run, as the result JSON and checkpoints record it. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** Accuracy on the held-out validation images, which choose the best epoch; null without a validation split. */
  valAccuracy: number | null;
  /** Accuracy on the test set, for the record: nothing is chosen on it. */
  testAccuracy: number;
  lr: number;
  seconds: number;
  /** The training curve within the epoch (train/step-curve.ts); absent in runs recorded before it was kept. */
  steps?: StepPoint[];
}

/** Mean training loss and accuracy over a window of consecutive batches, ending at optimiser step `step`. */
export interface StepPoint {
  step: number;
  /** Epochs done at the window's end, with the fraction of this one (0.5: half-way through the first). */
  epoch: number;
  loss: number;
  accuracy: number;
}

/** Where a run stands between epochs; everything else lives in the tensors. */
export interface RunState {
  epoch: number; // epochs completed
  iteration: number; // optimiser steps taken
  best: number; // best validation accuracy so far (−1 before the first evaluation and without validation)
  history: EpochRecord[];
}

export interface RunMeta {
  kind: 'spikerep-run';
  config: TrainConfig;
  /** One sample's [H, W, C] and the class count, so the model can be rebuilt without the dataset. */
  inputShape: [number, number, number];
  classes: number;
  run: RunState;
  optimizer: { kind: OptimizerState['kind']; steps: number };
  rng: Record<string, ReturnType<Rng['getState']>>;
}

/** Model weights, BN running statistics and optimiser buffers, each under a stable name. */
export function runTensors(net: Network, params: readonly Param[], opt: OptimizerState): NamedArray[] {
  const out: NamedArray[] = params.map((p) => ({ name: p.name, value: p.value }));
  out.push(...buffersOf([net.body, net.readout]));
  const slots: Record<string, Float32Array[]> =
    opt.kind === 'sgd' ? { momentum: opt.momentum } : { m: opt.m, v: opt.v };
  for (const [slot, bufs] of Object.entries(slots)) {
    bufs.forEach((b, i) => out.push({ name: `optimizer.${slot}.${params[i]!.name}`, value: b }));
  }
  return out;
}

/** The metadata a checkpoint of this run carries. */
export function runMeta(
  cfg: TrainConfig,
  net: Network,
  opt: OptimizerState,
  rngs: Record<string, Rng>,
  run: RunState,
): RunMeta {
  return {
    kind: 'spikerep-run',
    config: cfg,
    inputShape: net.inputShape as [number, number, number],
    classes: net.classes,
    run,
    optimizer: { kind: opt.kind, steps: opt.steps },
    rng: Object.fromEntries(Object.entries(rngs).map(([k, r]) => [k, r.getState()])),
  };
}
