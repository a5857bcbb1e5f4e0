/** The files a command writes its results to (--json, --report, --out): checked before the work, written after. */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/** Written atomically; `kept` is what the error line says survived a failed write (the result printed above…). */
export function writeJson(path: string, value: unknown, kept?: string): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { what: 'the result file', kept });
}

/** Fails now, in one line, if `path` could not be written later: its folder cannot be made or is not writable. */
export function checkWritable(path: string): void {
  const full = resolve(path);
  if (statSync(dirname(full), { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new SpikerepError('E_IO', `cannot write the result file (${dirname(full)} is a file, not a folder)`, path);
  }
  try {
    mkdirSync(dirname(full), { recursive: true });
    accessSync(dirname(full), constants.W_OK);
    if (statSync(full, { throwIfNoEntry: false })?.isDirectory() === true) {
      throw new SpikerepError('E_IO', 'cannot write the result file (it is a folder)', path);
    }
  } catch (e) {
    if (e instanceof SpikerepError) throw e;
    throw new SpikerepError('E_IO', `cannot write the result file (${(e as NodeJS.ErrnoException).code})`, path);
  }
}
