/**
 * Fault injection for checkpoint writes, for tests and the kill/resume script only (production code has no hooks).
 * It wraps node:fs's openSync / writeSync / fsyncSync and republishes them to ES modules with
 * syncBuiltinESMExports, so src/train/checkpoint.ts's own imports see the wrapped functions.
 *
 * Only temporary files of atomic writes are affected: checkpoints (".<name>.ckpt.<pid>.tmp") unless `files` names
 * others (e.g. /\.json\.\d+\.tmp$/ for result files), from the `at`-th one opened:
 *   enospc / erofs  every write to the file fails with that error code, as on a full or read-only disk;
 *   pause           the process stops for `ms` in the middle of the write (phase 'write': after the first bytes)
 *                   or just before the fsync and rename (phase 'fsync'), after creating the file `mark`,
 *                   so a parent process can SIGKILL it exactly there.
 * In a child process: node --import tsx --import ./scripts/fs-faults.ts …, configured by SPIKEREP_FAULT,
 * SPIKEREP_FAULT_AT, SPIKEREP_FAULT_PHASE, SPIKEREP_FAULT_MS, SPIKEREP_FAULT_MARK and SPIKEREP_FAULT_FILES (a regex).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

export interface FaultOptions {
  fault: 'enospc' | 'erofs' | 'pause';
  /** Which temporary checkpoint file (1-based, in opening order) and the ones after it get the fault. */
  at?: number;
  phase?: 'write' | 'fsync';
  ms?: number;
  mark?: string;
  /** Which temporary files get the fault (matched against the path); checkpoints' by default. */
  files?: RegExp;
}

const TEMP = /\.ckpt\.\d+\.tmp$/;

/** Installs the fault; returns a function that puts the real fs functions back. */
export function injectFaults(o: FaultOptions): () => void {
  const real = { openSync: fs.openSync, writeSync: fs.writeSync, fsyncSync: fs.fsyncSync };
  const faulty = new Set<number>();
  let opened = 0;
  const at = o.at ?? 1;
  const pause = (): void => {
    if (o.mark !== undefined) fs.writeFileSync(o.mark, `${process.pid}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, o.ms ?? 5000);
  };
  const patched = fs as unknown as Record<string, unknown>;
  patched['openSync'] = (...args: Parameters<typeof fs.openSync>): number => {
    const fd = real.openSync(...args);
    if (typeof args[0] === 'string' && (o.files ?? TEMP).test(args[0]) && ++opened >= at) faulty.add(fd);
    return fd;
  };
  patched['writeSync'] = (fd: number, ...rest: unknown[]): number => {
    if (!faulty.has(fd)) return (real.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    if (o.fault === 'pause') {
      const n = (real.writeSync as (...a: unknown[]) => number)(fd, ...rest);
      if (o.phase !== 'fsync') pause();
      return n;
    }
    const err = new Error(`${o.fault.toUpperCase()}: injected by fs-faults`) as NodeJS.ErrnoException;
    err.code = o.fault.toUpperCase();
    throw err;
  };
  patched['fsyncSync'] = (fd: number): void => {
    if (faulty.has(fd) && o.fault === 'pause' && o.phase === 'fsync') pause();
    real.fsyncSync(fd);
  };
  syncBuiltinESMExports();
  return () => {
    Object.assign(patched, real);
    syncBuiltinESMExports();
  };
}

const env = process.env;
const fault = env['SPIKEREP_FAULT'];
if (fault === 'enospc' || fault === 'erofs' || fault === 'pause') {
  injectFaults({
    fault,
    at: env['SPIKEREP_FAULT_AT'] === undefined ? undefined : Number(env['SPIKEREP_FAULT_AT']),
    phase: env['SPIKEREP_FAULT_PHASE'] === 'fsync' ? 'fsync' : 'write',
    ms: env['SPIKEREP_FAULT_MS'] === undefined ? undefined : Number(env['SPIKEREP_FAULT_MS']),
    mark: env['SPIKEREP_FAULT_MARK'],
    files: env['SPIKEREP_FAULT_FILES'] === undefined ? undefined : new RegExp(env['SPIKEREP_FAULT_FILES']),
  });
}
