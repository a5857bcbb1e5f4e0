/**
 * Every file spikerep writes goes through here: the bytes go to a temporary file in the target's own folder, are
 * fsynced, and the temporary file is renamed over the target. A crash, a full disk or Ctrl-C at any moment leaves
 * either the previous file or the new one, never half of one; a failed write removes its temporary file.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { isProcessAlive } from './process-alive.js';
import { realTarget } from './same-file.js';

export interface AtomicWriteOptions {
  /** What the file is, for the error line: "checkpoint", "the result file", "the NIR file". */
  what: string;
  /** What the error line says survived, instead of "the previous file is unchanged" / "nothing was written". */
  kept?: string;
}

/** The temporary file this process writes before renaming it over `path`: hidden, same folder, named by PID. */
export function tempPathFor(path: string, pid = process.pid): string {
  return join(dirname(path), `.${basename(path)}.${pid}.tmp`);
}

/** Writes `data` (one buffer, a string as UTF-8, or several buffers back to back) to `path` atomically. */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  o: AtomicWriteOptions,
): void {
  const parts = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const target = prepare(path, o);
  const tmp = tempPathFor(target);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const part of parts) {
        let off = 0;
        while (off < part.length) off += writeSync(fd, part, off, part.length - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw failed(path, target, tmp, o, e);
  }
  finish(path, target, tmp, o);
}

/**
 * For writers that open the file themselves (h5wasm): `write` creates the file at the temporary path it is given
 * (and may check it, throwing to refuse it); it is then fsynced and renamed over `path`.
 */
export async function writeFileAtomicWith(
  path: string,
  write: (tempPath: string) => void | Promise<void>,
  o: AtomicWriteOptions,
): Promise<void> {
  const target = prepare(path, o);
  const tmp = tempPathFor(target);
  try {
    await write(tmp);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw failed(path, target, tmp, o, e);
  }
  finish(path, target, tmp, o);
}

/**
 * The file to replace (through symbolic links, so a link keeps pointing at the new contents), its folder made if
 * need be, temporary files of dead writers there removed. Refuses a target that is a folder.
 */
function prepare(path: string, o: AtomicWriteOptions): string {
  const target = realTarget(path);
  const dir = dirname(target);
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false)
    throw new SpikerepError('E_IO', `cannot write ${o.what} (${dir} is a file, not a folder)`, path);
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory() === true)
    throw new SpikerepError('E_IO', `cannot write ${o.what} (it is a folder)`, path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw failed(path, target, undefined, o, e);
  }
  removeStaleTemps(dir, basename(target));
  return target;
}

function finish(path: string, target: string, tmp: string, o: AtomicWriteOptions): void {
  try {
    renameSync(tmp, target);
  } catch (e) {
    throw failed(path, target, tmp, o, e);
  }
  syncDir(dirname(target));
}

/** Removes the temporary file and turns the error into one line saying why and what was kept. */
function failed(
  path: string,
  target: string,
  tmp: string | undefined,
  o: AtomicWriteOptions,
  e: unknown,
): SpikerepError {
  if (tmp !== undefined) {
    try {
      if (existsSync(tmp)) unlinkSync(tmp);
    } catch {
      /* the original error is the one to report */
    }
  }
  if (e instanceof SpikerepError) return e;
  const err = e as NodeJS.ErrnoException;
  const why =
    err.code === 'ENOSPC'
      ? 'the disk is full'
      : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS'
        ? 'the folder is not writable'
        : (err.code ?? err.message?.split('\n')[0] ?? String(e));
  const kept = o.kept ?? (existsSync(target) ? 'the previous file is unchanged' : 'nothing was written');
  return new SpikerepError('E_IO', `cannot write ${o.what} (${why}); ${kept}`, path);
}

/**
 * Deletes temporary files left in `dir` by writers that no longer run (killed mid-write), for the target `name`
 * or, without it, for any target; a live process's file is left alone, so two writers never delete each other's work.
 */
export function removeStaleTemps(
  dir: string,
  name?: string,
  match: (target: string) => boolean = () => true,
): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const file of names) {
    const m = /^\.(.+)\.(\d+)\.tmp$/.exec(file);
    if (m === null || (name !== undefined && m[1] !== name) || !match(m[1]!) || isProcessAlive(Number(m[2]))) continue;
    try {
      unlinkSync(join(dir, file));
      removed.push(file);
    } catch {
      /* another process removed it first */
    }
  }
  return removed;
}

/** fsync the folder so the rename itself survives a power cut (ignored where folders cannot be opened). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported on this platform */
  }
}
