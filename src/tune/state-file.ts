/** tune.json on disk: read with a one-line error for anything that is not a search state; written atomically. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { TuneState } from './state.js';

export const STATE_FILE = 'tune.json';

export function statePath(dir: string): string {
  return join(dir, STATE_FILE);
}

export function readTuneState(path: string): TuneState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SpikerepError('E_IO', `cannot read the search state (${(e as NodeJS.ErrnoException).code})`, path);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new SpikerepError('E_FORMAT', `not JSON (${(e as Error).message.split('\n')[0]})`, path);
  }
  const s = v as Partial<TuneState> | null;
  if (s === null || typeof s !== 'object' || s.kind !== 'spikerep-tune') {
    throw new SpikerepError('E_FORMAT', 'not a spikerep tune state (kind is not spikerep-tune)', path);
  }
  if (s.version !== 1) throw new SpikerepError('E_FORMAT', `unknown tune state version ${String(s.version)}`, path);
  if (typeof s.settings !== 'object' || !Array.isArray(s.trials) || typeof s.elapsedSeconds !== 'number') {
    throw new SpikerepError('E_FORMAT', 'not a valid tune state (settings, trials or elapsedSeconds missing)', path);
  }
  return s as TuneState;
}

export function writeTuneState(path: string, s: TuneState): void {
  writeFileAtomic(path, `${JSON.stringify(s, null, 1)}\n`, { what: 'the search state' });
}
