import { isSpikerepError } from '../errors.js';

/**
 * One line for the user. Expected problems (SpikerepError) print as "spikerep: <path>: <message>"; anything else
 * is a bug in spikerep, printed as one line too, with SPIKEREP_DEBUG=1 for the stack.
 */
export function formatError(e: unknown): string {
  if (isSpikerepError(e)) return `spikerep: ${e.message}`;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOSPC') return 'spikerep: the disk is full';
  if (err?.code === 'EACCES' || err?.code === 'EROFS') return `spikerep: permission denied${err.path ? `: ${err.path}` : ''}`;
  if (process.env['SPIKEREP_DEBUG'] === '1' && err?.stack) return err.stack;
  const msg = (err?.message ?? String(e)).split('\n')[0];
  return `spikerep: internal error: ${msg} (set SPIKEREP_DEBUG=1 for details; please report it)`;
}
