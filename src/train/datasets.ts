import type { Dataset } from '../data/dataset.js';
import { loadMnist } from '../data/mnist.js';
import { loadFashionMnist } from '../data/fashionMnist.js';
import { loadCifar } from '../data/cifar.js';

export type DatasetName = 'mnist' | 'fashion-mnist' | 'cifar10' | 'cifar100';
export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion-mnist', 'cifar10', 'cifar100'];

/**
 * Loads one split of a named dataset from its real files (`dataDir` overrides the default place). Normalised
 * for direct encoding; intensities in [0, 1] for the rate and latency encoders.
 */
export function loadDataset(name: DatasetName, split: 'train' | 'test', dataDir?: string, normalize = true): Dataset {
  const opts = { dataDir, normalize };
  switch (name) {
    case 'mnist':
      return loadMnist(split, opts);
    case 'fashion-mnist':
      return loadFashionMnist(split, opts);
    case 'cifar10':
    case 'cifar100':
      return loadCifar(name, split, opts);
    default:
      name satisfies never;
      throw new Error('unreachable');
  }
}
