/**
 * Datasets by name, as the CLI and recipes name them. One call opens one split; every loader honours dataDir.
 * CIFAR and CIFAR10-DVS archives are fetched into the cache only when `download` is set (never silently).
 */
import { check } from '../errors.js';
import { loadCifar } from './cifar.js';
import { ensureCifar } from './cifarDownload.js';
import type { Dataset } from './dataset.js';
import type { DownloadOptions } from './download.js';
import { DvsCifar10 } from './dvsCifar10.js';
import { ensureDvsCifar10 } from './dvsDownload.js';
import { DvsGesture } from './dvsGesture.js';
import { loadFashionMnist } from './fashionMnist.js';
import { loadMnist } from './mnist.js';
import type { Split } from './mnistFormat.js';
import { DATASET_NAMES, type DatasetName } from './names.js';
import { NMnist } from './nmnist.js';

export { DATASET_NAMES, type DatasetName };

export interface OpenOptions extends DownloadOptions {
  dataDir?: string;
  /** Normalise image values (default true); ignored for event data. */
  normalize?: boolean;
  /** Frames per sample, for event data. */
  T?: number;
  /** Download the CIFAR / CIFAR10-DVS archives into the cache when they are not there. */
  download?: boolean;
}

export function isDatasetName(s: string): s is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(s);
}

export async function openDataset(name: DatasetName, split: Split, opts: OpenOptions = {}): Promise<Dataset> {
  const img = { dataDir: opts.dataDir, normalize: opts.normalize };
  switch (name) {
    case 'mnist':
      return loadMnist(split, img);
    case 'fashion-mnist':
      return loadFashionMnist(split, img);
    case 'cifar10':
    case 'cifar100': {
      const dataDir =
        opts.dataDir === undefined && opts.download === true ? await ensureCifar(name, opts) : opts.dataDir;
      return loadCifar(name, split, { dataDir, normalize: opts.normalize });
    }
    case 'dvs-cifar10': {
      check(opts.T !== undefined, 'dvs-cifar10 needs T (frames per sample)', '--T');
      const dataDir =
        opts.dataDir === undefined && opts.download === true ? await ensureDvsCifar10(opts) : opts.dataDir;
      return new DvsCifar10(split, { dataDir, T: opts.T });
    }
    // no download: neither archive has a stable direct link; --data-dir points at the extracted folder
    case 'n-mnist':
      check(opts.T !== undefined, 'n-mnist needs T (frames per sample)', '--T');
      return new NMnist(split, { dataDir: opts.dataDir, T: opts.T });
    case 'dvs-gesture':
      check(opts.T !== undefined, 'dvs-gesture needs T (frames per sample)', '--T');
      return new DvsGesture(split, { dataDir: opts.dataDir, T: opts.T });
    default:
      return name satisfies never;
  }
}
