import { isSpikerepError } from '../errors.js';

/**
 * One line for the user. Expected problems (SpikerepError) print as "spikerep: <path>: <message>"; anything else
 * is a bug in spikerep, printed as one line too, with SPIKEREP_DEBUG=1 for the stack. `flagOf` turns the setting
 * names the library uses (the path, and names quoted `like this` in the message) into the flags a user typed.
 */
export function formatError(e: unknown, flagOf: (name: string) => string | undefined = () => undefined): string {
  if (isSpikerepError(e)) {
    let message = e.message;
    const flag = e.path === undefined ? undefined : flagOf(e.path);
    if (flag !== undefined && message.startsWith(`${e.path}: `))
      message = `${flag}: ${message.slice(e.path!.length + 2)}`;
    return `spikerep: ${message.replace(/`([A-Za-z][A-Za-z0-9]*)`/g, (quoted, name: string) => flagOf(name) ?? quoted)}`;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOSPC') return 'spikerep: the disk is full';
  if (err?.code === 'EACCES' || err?.code === 'EROFS')
    return `spikerep: permission denied${err.path ? `: ${err.path}` : ''}`;
  // the engine refusing one huge array: the sizes asked for (T, a batch size, a file's declared shape) do not fit
  if (e instanceof RangeError && /Array buffer allocation failed|Invalid typed array length/.test(e.message))
    return `spikerep: out of memory (${e.message}): the sizes asked for are too large (--T, --batch-size, or a file's declared shapes)`;
  if (process.env['SPIKEREP_DEBUG'] === '1' && err?.stack) return err.stack;
  const msg = (err?.message ?? String(e)).split('\n')[0];
  return `spikerep: internal error: ${msg} (set SPIKEREP_DEBUG=1 for details; please report it)`;
}
