/**
 * One trial step through the ordinary training loop: the trial's own checkpoint folder, resumed from its last.ckpt
 * when it has one, trained until the rung's epoch count. Every trial's config keeps `epochs` at the top rung, so a
 * trial stopped at a low rung has followed the same learning-rate schedule as one that runs to the end.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { subset } from '../data/dataset.js';
import { openDataset } from '../data/registry.js';
import { SpikerepError } from '../errors.js';
import { createKernels, disposeKernels } from '../kernels/backend.js';
import type { Kernels } from '../kernels/kernels.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import type { TrainConfig } from '../train/config.js';
import { datasetOptions } from '../train/dataset-options.js';
import { type EpochRecord, evaluate, train } from '../train/loop.js';
import { makeProgress } from '../train/progress.js';
import { modelFromCheckpoint, type RunMeta } from '../train/state.js';
import type { StepOutcome, StepRequest } from './search.js';
import { type TrialParams, withParams } from './space.js';

/** The accuracy a search decides on: the held-out validation images', never the test set's. */
const validationAccuracy = (e: EpochRecord): number | null => e.valAccuracy;

/** Training images whose spikes give each trial's energy estimate (only their spikes count, not the accuracy). */
const ENERGY_IMAGES = 256;

/** Trial `id`'s folder under the search folder. */
export function trialDir(out: string, id: number): string {
  return join(out, `trial-${String(id).padStart(3, '0')}`);
}

/** The config one trial step trains with. */
export function trialConfig(base: TrainConfig, params: TrialParams, dir: string): TrainConfig {
  const resume = existsSync(join(dir, 'last.ckpt'));
  // a fresh trial may find a folder left by a step killed before its first checkpoint: it belongs to this search
  return { ...withParams(base, params), checkpointDir: dir, resume, overwrite: !resume };
}

export async function runTrialStep(base: TrainConfig, out: string, req: StepRequest): Promise<StepOutcome> {
  const dir = trialDir(out, req.trial);
  const ckpt = join(dir, 'last.ckpt');
  const k = await createKernels(base.backend, { threads: base.threads });
  try {
    // a search killed after the step's last checkpoint but before tune.json was saved finds the step done
    if (epochsIn(ckpt) < req.epochs) await trainUntil(k, trialConfig(base, req.params, dir), req.epochs);
    const { net, config, run } = modelFromCheckpoint(k, ckpt);
    // the next rung continues from this checkpoint: it must hold exactly the epochs of this rung
    if (run.epoch !== req.epochs) {
      throw new SpikerepError('E_IO', `last.ckpt holds epoch ${run.epoch}, expected ${req.epochs}`, dir);
    }
    const epochValAccuracy = run.history.slice(req.from, req.epochs).map((e) => {
      const acc = validationAccuracy(e);
      if (acc === null) throw new SpikerepError('E_ARG', 'tune needs a validation split to choose on', 'valSplit');
      return acc;
    });
    const valAccuracy = epochValAccuracy[epochValAccuracy.length - 1]!;
    const open = { ...datasetOptions(config), download: false };
    const images = await openDataset(config.dataset, 'train', open);
    const probe = subset(images, Math.min(ENERGY_IMAGES, images.length));
    const energyJoules = evaluate(k, net, probe, config, true).metrics!.energyJoules;
    return { valAccuracy, T: config.T, energyJoules, epochValAccuracy };
  } finally {
    disposeKernels(k);
  }
}

/** Trains (or continues) until `epochs` epochs are done and checkpointed. */
async function trainUntil(k: Kernels, cfg: TrainConfig, epochs: number): Promise<void> {
  await train(k, cfg, { progress: makeProgress({ quiet: true }), stopAfter: epochs });
}

/** Epochs a trial's last.ckpt holds, 0 without one. */
function epochsIn(ckpt: string): number {
  return existsSync(ckpt) ? loadCheckpoint<RunMeta>(ckpt).meta.run.epoch : 0;
}
