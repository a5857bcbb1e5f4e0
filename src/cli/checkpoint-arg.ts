/**
 * What a command that reads a checkpoint makes of the path it is given: a run folder (what `train --checkpoint`
 * writes) means the checkpoint train chose in it, best.ckpt, or with `--last` its last.ckpt; anything else is taken
 * as the checkpoint file itself, checked when it is read.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { RUN_FILES } from '../train/run-folder.js';

const [LAST, BEST] = RUN_FILES;

/** The checkpoint file `path` names; `flag` is the option the path came from, for the error line. */
export function resolveCheckpoint(path: string, last: boolean, flag = '--checkpoint'): string {
  const isFolder = statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  if (!isFolder) {
    if (last)
      throw new SpikerepError(
        'E_ARG',
        `picks ${LAST} in a run folder, and ${path} is not a folder: drop --last`,
        '--last',
      );
    return path;
  }
  const file = join(path, last ? LAST : BEST);
  if (!existsSync(file)) {
    const other = join(path, last ? BEST : LAST);
    const hint = existsSync(other) ? ` (it has ${last ? BEST : LAST}: ${last ? 'drop' : 'add'} --last)` : '';
    throw new SpikerepError(
      'E_NOT_FOUND',
      `${path} is a folder without ${last ? LAST : BEST}: expected a run folder written by train --checkpoint, or a checkpoint file${hint}`,
      flag,
    );
  }
  return file;
}
