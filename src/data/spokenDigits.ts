/**
 * The spoken-digit set that scripts/spoken-digits.sh synthesises with espeak-ng: a time-series folder
 * (timeSeries.ts: train_x.npy [N, frames, bands] of log-mel features scaled into [0, 1] per utterance, train_y.npy,
 * the same for test, classes.txt, manifest.json). Its default place is <cache>/spoken-digits, where the script
 * writes unless told otherwise.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SpikerepError } from '../errors.js';
import { defaultCacheDir } from './cacheDir.js';
import type { Dataset } from './dataset.js';
import type { Split } from './mnistFormat.js';
import { loadTimeSeries } from './timeSeries.js';

export function spokenDigitsDir(): string {
  return join(defaultCacheDir(), 'spoken-digits');
}

export async function loadSpokenDigits(split: Split, opts: { dataDir?: string } = {}): Promise<Dataset> {
  const dir = opts.dataDir ?? spokenDigitsDir();
  if (!existsSync(join(dir, 'manifest.json')))
    throw new SpikerepError(
      'E_NOT_FOUND',
      'no spoken-digit set here (no manifest.json): make one with bash scripts/spoken-digits.sh --out <dir>, then pass --data-dir <dir>',
      dir,
    );
  return loadTimeSeries(split, { dataDir: dir, name: 'spoken-digits' });
}
