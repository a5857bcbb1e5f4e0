import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SpikerepError } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import { buildModel } from '../models/index.js';
import { networkTensors, tensorsFromHost, tensorsToHost } from '../nn/host-access.js';
import type { Network } from '../nn/network.js';
import type { Param } from '../nn/param.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { Rng } from '../rng.js';
import { loadCheckpoint, removeStaleTemps, saveCheckpoint } from './checkpoint.js';
import { DEFAULT_CONFIG, neuronOverridesOf, type TrainConfig, validateConfig, weightQuantOf } from './config.js';
import { requireFiniteTensor } from './finite.js';
import { type RunMeta, type RunState, runMeta, runTensors } from './run-meta.js';

export type { EpochRecord, RunMeta, RunState } from './run-meta.js';
export { runTensors } from './run-meta.js';

/**
 * Creates the checkpoint folder up front, so a bad path fails before any training time is spent, and removes the
 * temporary files of runs that were killed while writing a checkpoint.
 */
export function prepareCheckpointDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = blockingCode(dir, (e as NodeJS.ErrnoException).code);
    throw new SpikerepError(
      'E_IO',
      `cannot create the checkpoint folder (${code}${code === 'EACCES' || code === 'EROFS' ? ': not writable' : ''})`,
      dir,
    );
  }
  removeStaleTemps(dir);
}

/** A recursive mkdir on a read-only disk reports ENOENT; the nearest existing ancestor tells the real reason. */
function blockingCode(dir: string, code: string | undefined): string | undefined {
  if (code !== 'ENOENT') return code;
  let d = resolve(dir);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    accessSync(d, constants.W_OK);
    return code;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? code;
  }
}

/**
 * Checks the metadata of a training checkpoint field by field, so a damaged or hand-edited header gives one line
 * naming the file instead of a TypeError later. The checksum only covers the tensors.
 */
export function parseRunMeta(meta: unknown, path: string): RunMeta {
  const bad = (what: string): never => {
    throw new SpikerepError('E_FORMAT', `not a valid training checkpoint (${what})`, path);
  };
  const m = (isObject(meta) ? meta : bad('no metadata')) as Record<string, unknown>;
  if (m['kind'] !== 'spikerep-run') bad('kind is not spikerep-run');
  const cfgIn = m['config'];
  if (!isObject(cfgIn)) bad('no config');
  // settings a checkpoint lacks take their defaults, except trainLimit (JSON drops it when it was undefined) and the
  // settings added since, which take what runs did before they existed
  const before = { schedule: 'cosine', valSplit: 0, calibrateVth: 0 } as const;
  const config: TrainConfig = {
    ...DEFAULT_CONFIG,
    trainLimit: undefined,
    ...before,
    ...(cfgIn as Partial<TrainConfig>),
  };
  try {
    validateConfig(config);
  } catch (e) {
    bad(`config: ${(e as Error).message}`);
  }
  const shape = m['inputShape'];
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0))
    bad('inputShape');
  if (!Number.isInteger(m['classes']) || (m['classes'] as number) < 1) bad('classes');
  const run = m['run'] as Record<string, unknown>;
  if (
    !isObject(run) ||
    !isCount(run['epoch']) ||
    !isCount(run['iteration']) ||
    typeof run['best'] !== 'number' ||
    !Array.isArray(run['history'])
  ) {
    bad('run state');
  }
  const opt = m['optimizer'] as Record<string, unknown>;
  if (!isObject(opt) || (opt['kind'] !== 'sgd' && opt['kind'] !== 'adam') || !isCount(opt['steps']))
    bad('optimizer state');
  const rng = m['rng'];
  if (!isObject(rng)) bad('RNG state');
  for (const s of Object.values(rng as Record<string, unknown>)) {
    const st = s as Record<string, unknown>;
    const words = st?.['words'];
    const okWords =
      Array.isArray(words) &&
      words.length === 4 &&
      words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff);
    if (!isObject(s) || !okWords || (st['spare'] !== null && typeof st['spare'] !== 'number')) bad('RNG state');
  }
  return { ...(m as unknown as RunMeta), config };
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 0;
}

export function saveRun(
  cfg: TrainConfig,
  net: Network,
  params: readonly Param[],
  opt: OptimizerState,
  rngs: Record<string, Rng>,
  run: RunState,
  isBest: boolean,
): void {
  const dir = cfg.checkpointDir!;
  prepareCheckpointDir(dir);
  const meta = runMeta(cfg, net, opt, rngs, run);
  const tensors = tensorsToHost(net.k, runTensors(net, params, opt));
  // best first: a run killed between the two writes redoes this epoch on resume and rewrites both, whereas
  // last-then-best would resume past an epoch whose best.ckpt was never written
  if (isBest) saveCheckpoint(join(dir, 'best.ckpt'), meta, tensors);
  saveCheckpoint(join(dir, 'last.ckpt'), meta, tensors);
}

/** Restores weights, optimiser state and RNG streams from `last.ckpt`; null when there is none yet. */
export function restoreRun(
  cfg: TrainConfig,
  net: Network,
  params: readonly Param[],
  opt: OptimizerState,
  rngs: Record<string, Rng>,
): { run: RunState; optState: OptimizerState; changed: string[] } | null {
  const path = join(cfg.checkpointDir!, 'last.ckpt');
  if (!existsSync(path)) return null;
  const ck = loadCheckpoint<unknown>(path);
  const meta = parseRunMeta(ck.meta, path);
  for (const key of ['dataset', 'model', 'neuron', 'T'] as const) {
    if (meta.config[key] !== cfg[key]) {
      throw new SpikerepError(
        'E_ARG',
        `checkpoint was trained with ${key} = ${meta.config[key]}, this run asks for ${cfg[key]}`,
        path,
      );
    }
  }
  // Other settings may change on resume (e.g. more epochs), but then the run is no longer an exact continuation.
  const changed = (Object.keys(cfg) as (keyof TrainConfig)[]).filter(
    (key) =>
      key !== 'resume' &&
      key !== 'overwrite' &&
      JSON.stringify(meta.config[key] ?? null) !== JSON.stringify(cfg[key] ?? null),
  );
  if (meta.optimizer.kind !== opt.kind)
    throw new SpikerepError(
      'E_ARG',
      `checkpoint used optimizer ${meta.optimizer.kind}, this run asks for ${opt.kind}`,
      path,
    );
  const tensors = runTensors(net, params, opt);
  for (const t of tensors) {
    const saved = ck.tensors.get(t.name);
    if (saved === undefined || saved.length !== t.value.length) {
      throw new SpikerepError('E_SHAPE', `checkpoint has no tensor ${t.name} of ${t.value.length} values`, path);
    }
    t.value.set(saved);
  }
  tensorsFromHost(net.k, tensors);
  for (const [k, r] of Object.entries(rngs)) {
    const s = meta.rng[k];
    if (s === undefined) throw new SpikerepError('E_FORMAT', `checkpoint lacks the RNG stream ${k}`, path);
    r.setState(s);
  }
  return { run: meta.run, optState: { ...opt, steps: meta.optimizer.steps }, changed };
}

/** A trained network rebuilt from a checkpoint (its own config decides the model), weights and BN stats loaded. */
export function modelFromCheckpoint(k: Kernels, path: string): { net: Network; config: TrainConfig; run: RunState } {
  const ck = loadCheckpoint<unknown>(path);
  const meta = parseRunMeta(ck.meta, path);
  const cfg = meta.config;
  const shape = meta.inputShape;
  const { net } = buildModel(k, {
    model: cfg.model,
    input: shape,
    classes: meta.classes,
    neuron: cfg.neuron,
    T: cfg.T,
    seed: cfg.seed,
    dropout: cfg.dropout,
    neuronOverrides: neuronOverridesOf(cfg),
    weightQuant: weightQuantOf(cfg),
    readout: cfg.readout,
  });
  const named = networkTensors(net);
  for (const t of named) {
    const saved = ck.tensors.get(t.name);
    if (saved === undefined || saved.length !== t.value.length) {
      throw new SpikerepError('E_SHAPE', `checkpoint has no tensor ${t.name} of ${t.value.length} values`, path);
    }
    requireFiniteTensor(saved, t.name, path);
    t.value.set(saved);
  }
  tensorsFromHost(k, named);
  return { net, config: cfg, run: meta.run };
}
