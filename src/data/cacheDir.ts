/** Where downloaded and extracted datasets live: SPIKEREP_CACHE, else $XDG_CACHE_HOME/spikerep, else ~/.cache/spikerep. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultCacheDir(): string {
  const env = process.env['SPIKEREP_CACHE'];
  if (env !== undefined && env !== '') return env;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'spikerep');
}
