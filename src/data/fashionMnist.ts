/**
 * Fashion-MNIST, read from the Debian package dataset-fashion-mnist (gzipped IDX under /usr/share/datasets).
 * It ships no checksums we could pin, so the loader checks format, sizes and labels, and the tests check the
 * canonical counts and first labels.
 */
import { SpikerepError } from '../errors.js';
import { isDirectory } from './files.js';
import type { U8ImageDataset } from './imageDataset.js';
import type { ImageLoadOptions } from './mnist.js';
import { loadMnistFormat, type MnistFormatSpec, type Split } from './mnistFormat.js';

/** Where `dpkg -L dataset-fashion-mnist` puts the four *-ubyte.gz files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_STATS = { mean: [0.286], std: [0.353] } as const;
const HINT =
  'install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data-dir';

const SPEC: MnistFormatSpec = {
  name: 'fashion-mnist',
  classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  stats: FASHION_MNIST_STATS,
  missingHint: HINT,
};

export function loadFashionMnist(split: Split, opts: ImageLoadOptions = {}): U8ImageDataset {
  const dir = opts.dataDir ?? FASHION_MNIST_DEBIAN_DIR;
  if (!isDirectory(dir)) throw new SpikerepError('E_NOT_FOUND', `Fashion-MNIST folder not found: ${HINT}`, dir);
  return loadMnistFormat(dir, split, SPEC, opts.normalize ?? true);
}
