/**
 * A checkpoint folder holds one run. Before training, the folder is claimed: `resume` needs a run to continue
 * (a last.ckpt), a new run refuses a folder that holds one unless `overwrite` says to replace it, and a lock
 * (io/folder-lock.ts) keeps a second process from training into the same folder at the same time.
 */
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { type FolderLock, lockFolder } from '../io/folder-lock.js';
import type { TrainConfig } from './config.js';
import { prepareCheckpointDir } from './state.js';

export const RUN_FILES = ['last.ckpt', 'best.ckpt'] as const;

/** Checks and locks `cfg.checkpointDir` for this run; the caller releases the lock when training ends. */
export function claimRunFolder(cfg: TrainConfig): FolderLock {
  const dir = cfg.checkpointDir!;
  if (cfg.resume) {
    // checked before the folder is created: a mistyped folder must not become a fresh run
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st !== undefined && !st.isDirectory())
      throw new SpikerepError(
        'E_ARG',
        `${dir} is a file, not a checkpoint folder (its folder: ${dirname(dir)})`,
        'checkpointDir',
      );
    if (st === undefined)
      throw new SpikerepError(
        'E_ARG',
        `${dir}: no such folder, so no run to resume (drop \`resume\` to start one)`,
        'checkpointDir',
      );
    if (!existsSync(join(dir, 'last.ckpt')))
      throw new SpikerepError(
        'E_ARG',
        `${dir} has no last.ckpt, so no run to resume (drop \`resume\` to start one${existsSync(join(dir, 'best.ckpt')) ? ', with `overwrite` to replace its best.ckpt' : ''})`,
        'checkpointDir',
      );
  }
  prepareCheckpointDir(dir);
  const lock = lockFolder(dir, 'checkpointDir');
  try {
    const held = RUN_FILES.filter((f) => existsSync(join(dir, f)));
    if (!cfg.resume && held.length > 0) {
      if (!cfg.overwrite) {
        throw new SpikerepError(
          'E_ARG',
          `${dir} already holds a run (${held.join(', ')}): add \`resume\` to continue it or \`overwrite\` to replace it, or choose another folder`,
          'checkpointDir',
        );
      }
      // the old last.ckpt goes now, so that a new run stopped before its first checkpoint cannot be resumed as
      // the old one; the old best.ckpt stays until the new run writes its own
      if (held.includes('last.ckpt')) unlinkSync(join(dir, 'last.ckpt'));
    }
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}
