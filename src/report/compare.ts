/**
 * Several runs side by side (`spikerep report a.json b.json …`): each run's checkpoint re-run at a common set of T
 * values on the same test images, for the accuracy-against-T and energy tables papers print.
 */

import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { subset } from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import type { Kernels } from '../kernels/kernels.js';
import type { TrainConfig } from '../train/config.js';
import { datasetOptions } from '../train/dataset-options.js';
import { modelFromCheckpoint } from '../train/state.js';
import { accuracyAgainstT } from '../train/t-sweep.js';
import type { CompareData, ComparedRun } from './compare-html.js';
import type { RunSummary } from './html.js';

export interface CompareOptions {
  /** T values for every run (default: 1 … 2T of the largest trained T). */
  readonly tSweep?: readonly number[];
  /** Test images per T (default 200), the first of each run's test set. */
  readonly sweepLimit?: number;
  readonly dataDir?: string;
}

/** A short name for each run: its file name without `.json`, with the folder where two share a name. */
export function runNames(paths: readonly string[]): string[] {
  const base = paths.map((p) => basename(p).replace(/\.json$/i, ''));
  return base.map((b, i) => (base.filter((x) => x === b).length > 1 ? paths[i]!.replace(/\.json$/i, '') : b));
}

export async function collectComparison(
  k: Kernels,
  runs: readonly { path: string; run: RunSummary & { config?: Partial<TrainConfig> } }[],
  o: CompareOptions = {},
): Promise<CompareData> {
  const names = runNames(runs.map((r) => r.path));
  const Ts = o.tSweep ?? defaultCommonSweep(runs.map((r) => r.run.T ?? r.run.config?.T ?? 1));
  const out: ComparedRun[] = [];
  for (const [i, { run }] of runs.entries()) {
    const dir = run.config?.checkpointDir;
    const ckpt = dir === undefined ? undefined : join(dir, 'best.ckpt');
    const entry: ComparedRun = { name: names[i]!, run };
    if (ckpt === undefined || !existsSync(ckpt) || Ts.length === 0) {
      out.push({
        ...entry,
        note: ckpt === undefined ? 'no checkpoint recorded' : Ts.length === 0 ? undefined : `${ckpt} not found`,
      });
      continue;
    }
    const { net, config } = modelFromCheckpoint(k, ckpt);
    const test = await openDataset(config.dataset, 'test', datasetOptions(config, o.dataDir ?? config.dataDir));
    const small = subset(test, Math.min(o.sweepLimit ?? 200, test.length));
    const points = accuracyAgainstT(k, net, config, small, Ts);
    out.push({
      ...entry,
      sweep: points.map((p) => ({ T: p.T, accuracy: p.accuracy })),
      sweepImages: small.length,
      testSetSize: test.length,
    });
  }
  return { runs: out, Ts: [...Ts] };
}

/** 1 … 2T of the largest trained T: every run's own T is among them. */
export function defaultCommonSweep(trainedTs: readonly number[]): number[] {
  const top = Math.max(1, ...trainedTs);
  return Array.from({ length: 2 * top }, (_, i) => i + 1);
}
