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
import { neuronLabels } from '../nn/layer-labels.js';
import type { TrainConfig } from '../train/config.js';
import { datasetOptions } from '../train/dataset-options.js';
import { DEFAULT_WITHIN_PP, defaultSweep, smallestTSentence } from '../train/smallest-t.js';
import { modelFromCheckpoint } from '../train/state.js';
import { accuracyAgainstT } from '../train/t-sweep.js';
import { imagesOf, type ReportData, type RunSummary, reportHtml } from './html.js';
import { sampleRaster } from './raster.js';
import { runJsonProblem } from './run-check.js';

export { networkAtT } from '../train/t-sweep.js';

export interface ReportOptions {
  /** Checkpoint for the raster and the T sweep (default: best.ckpt in the run's checkpoint folder). */
  readonly checkpoint?: string;
  readonly sample?: number;
  /** T values to evaluate besides the trained T (default: 1 … 2T). Empty: no sweep. */
  readonly tSweep?: readonly number[];
  readonly sweepLimit?: number;
  /** Tolerance in percentage points for the smallest T the report names (default 0.5). */
  readonly within?: number;
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
  const problem = runJsonProblem(r);
  if (problem !== undefined) throw new SpikerepError('E_FORMAT', `not a train --json result (${problem})`, path);
  return r as RunSummary & { config?: Partial<TrainConfig> };
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
  const test = await openDataset(config.dataset, 'test', datasetOptions(config, o.dataDir ?? config.dataDir));
  const notes: Record<string, string> = {};
  const layerLabels = Object.fromEntries(neuronLabels(net.body, net.classes));
  const known = { testSetSize: test.length, layerLabels };
  let raster: ReportData['raster'];
  if (config.encoder === 'direct' && sampleSize(test) === (net.inputShape ?? []).reduce((a, b) => a * b, 1)) {
    const i = o.sample ?? 0;
    if (!(Number.isInteger(i) && i >= 0 && i < test.length))
      throw new SpikerepError('E_ARG', `sample must be in [0, ${test.length})`, 'sample');
    const x = new Float32Array(sampleSize(test));
    test.read(i, x, 0);
    raster = { ...sampleRaster(net, x), sampleIndex: i, label: test.label(i), classNames: test.classes };
  } else {
    notes['raster'] = 'Spike raster: only for image datasets with direct encoding';
  }
  const Ts = o.tSweep ?? defaultSweep(net.T);
  if (Ts.length === 0) {
    notes['accuracy-vs-T'] = 'Accuracy against T: no T values asked for';
    return { run, raster, notes, ...known };
  }
  const small = subset(test, Math.min(o.sweepLimit ?? 200, test.length));
  const accuracyVsT = accuracyAgainstT(k, net, config, small, Ts);
  const within = o.within ?? DEFAULT_WITHIN_PP;
  const accuracyVsTSummary = `${smallestTSentence(accuracyVsT, net.T, within)}, on ${imagesOf(small.length, test.length)} test images.`;
  return { run, raster, accuracyVsT, accuracyVsTSummary, notes, ...known };
}

export function writeReport(path: string, data: ReportData, kept?: string): void {
  writeFileAtomic(path, reportHtml(data), { what: 'the report', kept });
}
