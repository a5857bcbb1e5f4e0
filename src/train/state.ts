import { join } from 'node:path';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { SpikerepError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { Kernels } from '../kernels/kernels.js';
import { buildModel } from '../models/index.js';
import type { Network } from '../nn/network.js';
import type { Param } from '../nn/param.js';
import { buffersOf } from '../nn/buffers.js';
import type { OptimizerState } from '../optim/optimizer.js';
import { loadCheckpoint, saveCheckpoint, type NamedArray } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import type { EpochRecord } from './loop.js';

/** Where a run stands between epochs; everything else lives in the tensors. */
export interface RunState {
  epoch: number; // epochs completed
  iteration: number; // optimiser steps taken
  best: number; // best test accuracy so far (−1 before the first evaluation)
  history: EpochRecord[];
}

interface Meta {
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
  const slots: Record<string, Float32Array[]> = opt.kind === 'sgd' ? { momentum: opt.momentum } : { m: opt.m, v: opt.v };
  for (const [slot, bufs] of Object.entries(slots)) {
    bufs.forEach((b, i) => out.push({ name: `optimizer.${slot}.${params[i]!.name}`, value: b }));
  }
  return out;
}

/** Creates the checkpoint folder up front, so a bad path fails before any training time is spent. */
export function prepareCheckpointDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpikerepError('E_IO', `cannot create the checkpoint folder (${code}${code === 'EACCES' || code === 'EROFS' ? ': not writable' : ''})`, dir);
  }
}

export function saveRun(
  cfg: TrainConfig, net: Network, params: readonly Param[], opt: OptimizerState, rngs: Record<string, Rng>, run: RunState, isBest: boolean,
): void {
  const dir = cfg.checkpointDir!;
  prepareCheckpointDir(dir);
  const meta: Meta = {
    kind: 'spikerep-run',
    config: cfg,
    inputShape: net.inputShape as [number, number, number],
    classes: net.classes,
    run,
    optimizer: { kind: opt.kind, steps: opt.steps },
    rng: Object.fromEntries(Object.entries(rngs).map(([k, r]) => [k, r.getState()])),
  };
  const tensors = runTensors(net, params, opt);
  saveCheckpoint(join(dir, 'last.ckpt'), meta, tensors);
  if (isBest) saveCheckpoint(join(dir, 'best.ckpt'), meta, tensors);
}

/** Restores weights, optimiser state and RNG streams from `last.ckpt`; null when there is none yet. */
export function restoreRun(
  cfg: TrainConfig, net: Network, params: readonly Param[], opt: OptimizerState, rngs: Record<string, Rng>,
): { run: RunState; optState: OptimizerState } | null {
  const path = join(cfg.checkpointDir!, 'last.ckpt');
  if (!existsSync(path)) return null;
  const ck = loadCheckpoint<Meta>(path);
  const meta = ck.meta;
  if (meta?.kind !== 'spikerep-run') throw new SpikerepError('E_FORMAT', 'not a training checkpoint', path);
  for (const key of ['dataset', 'model', 'neuron', 'T'] as const) {
    if (meta.config[key] !== cfg[key]) {
      throw new SpikerepError('E_ARG', `checkpoint was trained with ${key} = ${meta.config[key]}, this run asks for ${cfg[key]}`, path);
    }
  }
  if (meta.optimizer.kind !== opt.kind) throw new SpikerepError('E_ARG', `checkpoint used optimizer ${meta.optimizer.kind}, this run asks for ${opt.kind}`, path);
  for (const t of runTensors(net, params, opt)) {
    const saved = ck.tensors.get(t.name);
    if (saved === undefined || saved.length !== t.value.length) {
      throw new SpikerepError('E_SHAPE', `checkpoint has no tensor ${t.name} of ${t.value.length} values`, path);
    }
    t.value.set(saved);
  }
  for (const [k, r] of Object.entries(rngs)) {
    const s = meta.rng[k];
    if (s === undefined) throw new SpikerepError('E_FORMAT', `checkpoint lacks the RNG stream ${k}`, path);
    r.setState(s);
  }
  return { run: meta.run, optState: { ...opt, steps: meta.optimizer.steps } };
}

/** A trained network rebuilt from a checkpoint (its own config decides the model), weights and BN stats loaded. */
export function modelFromCheckpoint(k: Kernels, path: string): { net: Network; config: TrainConfig; run: RunState } {
  const ck = loadCheckpoint<Meta>(path);
  if (ck.meta?.kind !== 'spikerep-run') throw new SpikerepError('E_FORMAT', 'not a spikerep training checkpoint', path);
  const cfg = ck.meta.config;
  const shape = ck.meta.inputShape;
  const { net } = buildModel(k, {
    model: cfg.model, input: shape, classes: ck.meta.classes, neuron: cfg.neuron, T: cfg.T, seed: cfg.seed, dropout: cfg.dropout,
    neuronOverrides: { vth: cfg.vth, alpha: cfg.alpha, tau: cfg.tau, dt: cfg.dt, vthBound: cfg.vthBound },
  });
  const named = [...net.params().map((p) => ({ name: p.name, value: p.value })), ...buffersOf([net.body, net.readout])];
  for (const t of named) {
    const saved = ck.tensors.get(t.name);
    if (saved === undefined || saved.length !== t.value.length) {
      throw new SpikerepError('E_SHAPE', `checkpoint has no tensor ${t.name} of ${t.value.length} values`, path);
    }
    t.value.set(saved);
  }
  return { net, config: cfg, run: ck.meta.run };
}
