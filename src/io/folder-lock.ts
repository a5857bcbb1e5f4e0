/**
 * An advisory lock on a folder: a file holding the owner's PID, host, start time and process start tick, created
 * with O_EXCL so that of two processes only one can create it. A lock whose owner no longer runs (or whose PID now
 * belongs to a process started later) is stale and taken over. Released when the owner calls release() or exits,
 * Ctrl-C and SIGTERM included; a SIGKILLed owner leaves a stale lock, which the next run takes over.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { onExit } from './exit-cleanup.js';
import { isProcessAlive } from './process-alive.js';

export const LOCK_FILE = '.spikerep.lock';

interface LockOwner {
  pid: number;
  host: string;
  started: string;
  /** Start time of the process in clock ticks since boot (Linux /proc), to tell a reused PID; null elsewhere. */
  startTick: number | null;
}

export interface FolderLock {
  readonly path: string;
  release(): void;
}

/** A lock file being written is complete within microseconds; an unreadable one older than this is stale. */
const UNREADABLE_GRACE_MS = 2000;

/**
 * Takes the lock on `dir` (which must exist) or throws one E_IO line naming the process that holds it.
 * `setting` is the name the error's path carries (the CLI shows it as the flag).
 */
export function lockFolder(dir: string, setting?: string): FolderLock {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    startTick: startTick(process.pid),
  };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new SpikerepError('E_IO', `cannot create the lock file ${path} (${code})`, setting ?? dir);
      }
      const held = heldBy(path);
      if (held !== 'stale') throw busy(dir, path, held, setting);
      removeIfUnchanged(path, readText(path));
      continue;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      unregister();
      removeIfUnchanged(path, text);
    };
    const unregister = onExit(release);
    return { path, release };
  }
  throw new SpikerepError('E_IO', `cannot take the lock ${path} (other processes keep taking it)`, setting ?? dir);
}

function busy(dir: string, path: string, owner: LockOwner | 'unreadable', setting?: string): SpikerepError {
  const who =
    owner === 'unreadable'
      ? 'another process (its lock file is being written)'
      : `process ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''}, started ${owner.started}`;
  return new SpikerepError(
    'E_IO',
    `${dir} is in use by ${who}; wait for it to finish, or use another folder (lock: ${path})`,
    setting ?? dir,
  );
}

/** The live owner of the lock at `path`, 'unreadable' while it is being written, or 'stale'. */
function heldBy(path: string): LockOwner | 'unreadable' | 'stale' {
  const text = readText(path);
  if (text === null) return 'stale'; // removed in the meantime: try again
  let owner: LockOwner | undefined;
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(v.pid) && typeof v.host === 'string' && typeof v.started === 'string') owner = v as LockOwner;
  } catch {
    /* handled below */
  }
  if (owner === undefined) {
    const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    return age < UNREADABLE_GRACE_MS ? 'unreadable' : 'stale';
  }
  // a process on another machine (a shared folder) cannot be checked from here: assume it runs
  if (owner.host !== hostname()) return owner;
  if (!isProcessAlive(owner.pid)) return 'stale';
  const tick = startTick(owner.pid);
  if (owner.startTick !== null && tick !== null && tick !== owner.startTick) return 'stale'; // the PID was reused
  return owner;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Removes the lock file only if it still holds `text`, so a process never deletes a lock another one took since. */
function removeIfUnchanged(path: string, text: string | null): void {
  if (text === null || readText(path) !== text) return;
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot; null where there is no /proc. */
function startTick(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}
