/**
 * The validation split: images held out of the training set, drawn by seed, on which the best epoch (and best.ckpt)
 * is chosen, so that the test set is only ever evaluated for reporting.
 */
import { check } from '../errors.js';
import { Rng } from '../rng.js';
import { type Dataset, epochOrder, subset } from './dataset.js';

/** Datasets whose literature holds out a fixed count; every other one holds out a tenth of its training set. */
const FIXED_HOLD_OUT: Readonly<Record<string, number>> = { mnist: 5000, 'fashion-mnist': 5000 };

/**
 * How many training images validate a run when `--val-split` is unset: 5000 for MNIST and Fashion-MNIST, a tenth
 * elsewhere; with a train limit n, at most a tenth of n (a quick 10 000-image run validates on 1000, not 5000).
 */
export function defaultValidationSize(dataset: string, trainLength: number, trainLimit?: number): number {
  const tenth = (n: number): number => Math.max(1, Math.round(n / 10));
  const full = FIXED_HOLD_OUT[dataset] ?? tenth(trainLength);
  return Math.min(full, trainLimit === undefined ? full : tenth(trainLimit), Math.max(0, trainLength - 1));
}

/**
 * Splits a training set into `size` validation samples, drawn by `seed` (a stream of its own, so the split does not
 * move when other streams are used), and the rest; both keep the dataset's order.
 */
export function holdOut(ds: Dataset, size: number, seed: number): { train: Dataset; val: Dataset | undefined } {
  check(Number.isInteger(size) && size >= 0, `validation size must be an integer ≥ 0, got ${size}`, 'valSplit');
  if (size === 0) return { train: ds, val: undefined };
  check(size < ds.length, `cannot hold out ${size} validation images from a training set of ${ds.length}`, 'valSplit');
  const order = epochOrder(ds.length, new Rng(seed ^ 0x5eed_7a1d));
  const val = order.subarray(0, size).slice().sort();
  const isVal = new Uint8Array(ds.length);
  for (const i of val) isVal[i] = 1;
  const train = new Int32Array(ds.length - size);
  let n = 0;
  for (let i = 0; i < ds.length; i++) if (isVal[i] === 0) train[n++] = i;
  return { train: subset(ds, train), val: subset(ds, val) };
}
