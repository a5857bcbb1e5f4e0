import type { Dataset } from '../data/dataset.js';
import { SpikerepError } from '../errors.js';

/**
 * Refuses a dataset with no samples before any work: training on it would train nothing, and an accuracy over
 * it is 0/0 (NaN). `path` names where the data came from (the data folder), else the dataset's own name is used.
 */
export function requireSamples(ds: Dataset, use: 'train on' | 'evaluate', path?: string): void {
  if (ds.length > 0) return;
  throw new SpikerepError(
    'E_SHAPE',
    `${path === undefined ? '' : `${ds.name}: `}the dataset holds no samples: nothing to ${use}`,
    path ?? ds.name,
  );
}
