/**
 * What a dataset is to the rest of spikerep: a list of labelled samples that can write any one sample as float32
 * into a caller's buffer. Samples stay in their compact stored form (uint8 pixels, event files on disk) until a batch
 * is assembled, so MNIST costs 47 MB of bytes, not 188 MB of floats.
 */
import { check, SpikerepError } from '../errors.js';
import type { Rng } from '../rng.js';

/** Per-channel statistics used to normalise images: x ↦ (x/255 − mean[c]) / std[c]. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export interface Dataset {
  readonly name: string;
  readonly length: number;
  /** One sample's shape, channels-last: [H, W, C] for images, [T, H, W, C] for event frames. */
  readonly sampleShape: readonly number[];
  /** Class names; labels are indices into this list. */
  readonly classes: readonly string[];
  /** The dataset's normalisation statistics (undefined for event counts, which are never normalised). */
  readonly stats: ChannelStats | undefined;
  /** True when `read` writes normalised values, false when it writes intensities in [0, 1] (or raw counts). */
  readonly normalized: boolean;
  label(i: number): number;
  /** Writes sample i (sampleShape, row-major) as float32 into out[offset …]. */
  read(i: number, out: Float32Array, offset: number): void;
}

export function sampleSize(ds: Dataset): number {
  let n = 1;
  for (const d of ds.sampleShape) n *= d;
  return n;
}

/** A batch: x is [B, …sampleShape] row-major, labels[b] the class of row b. */
export interface Batch {
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly shape: readonly number[];
}

/**
 * Gathers the samples `indices` into one batch. Pass `into` (from a previous call of the same size) to reuse its
 * buffers across steps instead of allocating a new batch every time.
 */
export function gatherBatch(ds: Dataset, indices: ArrayLike<number>, into?: Batch): Batch {
  const B = indices.length;
  const n = sampleSize(ds);
  const reuse = into !== undefined && into.labels.length === B && into.x.length === B * n;
  const x = reuse ? into.x : new Float32Array(B * n);
  const labels = reuse ? into.labels : new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const i = indices[b]!;
    check(Number.isInteger(i) && i >= 0 && i < ds.length, `sample index ${i} outside [0, ${ds.length})`, ds.name);
    ds.read(i, x, b * n);
    for (let k = b * n; k < (b + 1) * n; k++) {
      // x − x is NaN exactly for NaN and ±Inf; a sample with either would poison the whole run
      if (x[k]! - x[k]! !== 0)
        throw new SpikerepError('E_NAN', `sample ${i} holds ${x[k]} at value ${k - b * n}`, ds.name);
    }
    labels[b] = ds.label(i);
  }
  return { x, labels, shape: [B, ...ds.sampleShape] };
}

/** 0 … n−1 in an order drawn from `rng` (or in order when rng is undefined, as for evaluation). */
export function epochOrder(n: number, rng?: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (rng !== undefined) rng.shuffle(order);
  return order;
}

/** Splits an epoch order into consecutive batches; the last one is shorter unless dropLast. */
export function* batchesOf(order: Int32Array, batchSize: number, dropLast = false): Generator<Int32Array> {
  check(Number.isInteger(batchSize) && batchSize > 0, `batch size must be a positive integer, got ${batchSize}`);
  for (let s = 0; s < order.length; s += batchSize) {
    const e = Math.min(order.length, s + batchSize);
    if (dropLast && e - s < batchSize) return;
    yield order.subarray(s, e);
  }
}

/** The first `count` samples (or the listed ones) of a dataset, as a dataset (used by --train-limit/--test-limit). */
export function subset(ds: Dataset, pick: number | ArrayLike<number>): Dataset {
  let idx: Int32Array;
  if (typeof pick === 'number') {
    check(Number.isInteger(pick) && pick >= 0, `subset size must be a non-negative integer, got ${pick}`);
    idx = epochOrder(Math.min(pick, ds.length));
  } else {
    idx = Int32Array.from(pick);
    for (const i of idx) check(i >= 0 && i < ds.length, `subset index ${i} outside [0, ${ds.length})`, ds.name);
  }
  return {
    name: ds.name,
    length: idx.length,
    sampleShape: ds.sampleShape,
    classes: ds.classes,
    stats: ds.stats,
    normalized: ds.normalized,
    label: (i) => ds.label(idx[i]!),
    read: (i, out, offset) => ds.read(idx[i]!, out, offset),
  };
}
