/**
 * Gathers what the HTML report shows beyond the run JSON: from the run's checkpoint, the spike raster of one
 * test sample and the test accuracy at several T (the same weights, re-run with fewer or more steps).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleSize, subset } from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Kernels } from '../kernels/kernels.js';
import { buildModel } from '../models/index.js';
import { networkTensors, tensorsFromHost, tensorsToHost } from '../nn/host-access.js';
import type { Network } from '../nn/network.js';
import { neuronOverridesOf, type TrainConfig } from '../train/config.js';
import { evaluate } from '../train/loop.js';
import { modelFromCheckpoint } from '../train/state.js';
import { type ReportData, type RunSummary, reportHtml } from './html.js';
import { sampleRaster } from './raster.js';

export interface ReportOptions {
  /** Checkpoint for the raster and the T sweep (default: best.ckpt in the run's checkpoint folder). */
  readonly checkpoint?: string;
  readonly sample?: number;
  /** T values to evaluate (default: 1, 2, T/2, T, 2T of the run, deduplicated). Empty: no sweep. */
  readonly tSweep?: readonly number[];
  readonly sweepLimit?: number;
  readonly dataDir?: string;
}

export function readRunJson(path: string): RunSummary & { config?: Partial<TrainConfig> } {
  if (!existsSync(path)) throw new SpikerepError('E_NOT_FOUND', 'no such file', path);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SpikerepError('E_FORMAT', `not JSON (${(e as Error).message.split('\n')[0]})`, path);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new SpikerepError('E_FORMAT', 'not a train --json result (expected an object)', path);
  const r = v as Record<string, unknown>;
  if (!Array.isArray(r['history']) && !Array.isArray(r['firingRates']))
    throw new SpikerepError('E_FORMAT', 'not a train --json result (no history, no firingRates)', path);
  return r as RunSummary & { config?: Partial<TrainConfig> };
}

/** The same trained weights in a network that runs T steps. */
export function networkAtT(k: Kernels, trained: Network, cfg: TrainConfig, T: number): Network {
  if (T === trained.T) return trained;
  const { net } = buildModel(k, {
    model: cfg.model,
    input: trained.inputShape as [number, number, number],
    classes: trained.classes,
    neuron: cfg.neuron,
    T,
    seed: cfg.seed,
    dropout: cfg.dropout,
    neuronOverrides: neuronOverridesOf(cfg),
  });
  const from = new Map(tensorsToHost(trained.k, networkTensors(trained)).map((p) => [p.name, p.value] as const));
  const to = networkTensors(net);
  for (const p of to) p.value.set(from.get(p.name)!);
  tensorsFromHost(k, to);
  return net;
}

export async function collectReport(
  k: Kernels,
  run: RunSummary & { config?: Partial<TrainConfig> },
  o: ReportOptions = {},
): Promise<ReportData> {
  const dir = run.config?.checkpointDir;
  const ckpt = o.checkpoint ?? (dir !== undefined ? join(dir, 'best.ckpt') : undefined);
  if (ckpt === undefined || !existsSync(ckpt)) {
    const why =
      ckpt === undefined ? 'the run had no --checkpoint: pass --checkpoint to add it' : `checkpoint ${ckpt} not found`;
    return { run, notes: { raster: `Spike raster: ${why}`, 'accuracy-vs-T': `Accuracy against T: ${why}` } };
  }
  const { net, config } = modelFromCheckpoint(k, ckpt);
  const test = await openDataset(config.dataset, 'test', {
    dataDir: o.dataDir ?? config.dataDir,
    normalize: config.encoder === 'direct',
    T: config.T,
  });
  const notes: Record<string, string> = {};
  let raster: ReportData['raster'];
  if (config.encoder === 'direct' && sampleSize(test) === (net.inputShape ?? []).reduce((a, b) => a * b, 1)) {
    const i = o.sample ?? 0;
    if (!(Number.isInteger(i) && i >= 0 && i < test.length))
      throw new SpikerepError('E_ARG', `sample must be in [0, ${test.length})`, 'sample');
    const x = new Float32Array(sampleSize(test));
    test.read(i, x, 0);
    raster = { ...sampleRaster(net, x), sampleIndex: i, label: test.label(i) };
  } else {
    notes['raster'] = 'Spike raster: only for image datasets with direct encoding';
  }
  const Ts = o.tSweep ?? [...new Set([1, 2, Math.max(1, net.T >> 1), net.T, 2 * net.T])].sort((a, b) => a - b);
  const limit = Math.min(o.sweepLimit ?? 200, test.length);
  const small = subset(test, limit);
  const accuracyVsT = Ts.map((T) => ({
    T,
    accuracy: evaluate(k, networkAtT(k, net, config, T), small, config, false).accuracy,
    samples: limit,
  }));
  return { run, raster, accuracyVsT, notes };
}

export function writeReport(path: string, data: ReportData, kept?: string): void {
  writeFileAtomic(path, reportHtml(data), { what: 'the report', kept });
}
