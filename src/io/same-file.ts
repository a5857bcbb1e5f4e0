/**
 * A command must never write over a file it reads: `--out` naming the checkpoint being exported, `--json` naming
 * the recipe. Paths are compared after resolving symbolic links (and by device and inode where both exist, which
 * also catches hard links), so `./a/../model.ckpt` or a link to it is recognised as the same file.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { SpikerepError } from '../errors.js';

/** The path `p` will have once written: its folder's real path (the nearest existing ancestor's) and its name. */
export function realTarget(p: string): string {
  const full = resolve(p);
  try {
    return realpathSync(full);
  } catch {
    const parent = dirname(full);
    return parent === full ? full : resolve(realTarget(parent), basename(full));
  }
}

export function sameFile(a: string, b: string): boolean {
  if (realTarget(a) === realTarget(b)) return true;
  const sa = statSync(a, { throwIfNoEntry: false });
  const sb = statSync(b, { throwIfNoEntry: false });
  return sa !== undefined && sb !== undefined && sa.isFile() && sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * Throws one E_ARG line if the output `out` (given as `setting`) is one of the files the command reads or writes
 * otherwise; each is named by how the user knows it ("the `checkpoint` it exports"). Undefined entries are skipped.
 */
export function refuseWritingInput(
  setting: string,
  out: string | undefined,
  inputs: Readonly<Record<string, string | undefined>>,
): void {
  if (out === undefined) return;
  for (const [name, input] of Object.entries(inputs)) {
    if (input === undefined || !sameFile(out, input)) continue;
    throw new SpikerepError(
      'E_ARG',
      `${out} is also ${name}: writing there would destroy it; choose another file`,
      setting,
    );
  }
}
