/**
 * Batch transforms on channels-last float batches [B, H, W, C] or event batches [B, T, H, W, C].
 * Randomness comes only from the caller's Rng, so a seed fixes every crop and flip.
 */
import { check } from '../errors.js';
import type { Rng } from '../rng.js';
import type { ChannelStats, Dataset } from './dataset.js';

/** x ↦ (x − mean[c]) / std[c] in place, for intensities already in [0, 1]; c = index mod channels. */
export function normalizeInPlace(x: Float32Array, stats: ChannelStats): void {
  const C = stats.mean.length;
  for (let k = 0; k < x.length; k++) {
    const c = k % C;
    x[k] = (x[k]! - stats.mean[c]!) / stats.std[c]!;
  }
}

/** The inverse: normalised values back to intensities (into `out`, default a new array). */
export function denormalize(x: Float32Array, stats: ChannelStats, out = new Float32Array(x.length)): Float32Array {
  const C = stats.mean.length;
  for (let k = 0; k < x.length; k++) {
    const c = k % C;
    out[k] = x[k]! * stats.std[c]! + stats.mean[c]!;
  }
  return out;
}

/**
 * The value padding should take per channel for a dataset's batches. The reference pipeline pads the raw image
 * with black (0) before ToTensor/Normalize, so in a normalised batch the padding is (0 − mean)/std, not 0.
 */
export function padFill(ds: Dataset): number[] {
  const C = ds.sampleShape[ds.sampleShape.length - 1]!;
  if (!ds.normalized || ds.stats === undefined) return new Array<number>(C).fill(0);
  return ds.stats.mean.map((m, c) => Math.fround((0 - m) / ds.stats!.std[c]!));
}

export interface CropFlipOptions {
  /** Padding on every side; offsets are drawn uniformly from 0…2·pad in each direction (RandomCrop(H, pad)). */
  pad: number;
  /** Mirror left–right with probability ½ (RandomHorizontalFlip), after cropping. */
  flip: boolean;
  /** Per-channel padding value (default 0; see padFill). */
  fill?: readonly number[];
}

/**
 * Random crop with padding, then optional horizontal flip, per sample; an event sample's T frames share one crop.
 * Per sample the Rng is drawn in this order: row offset, column offset, then (if flip) one uniform for the flip.
 * `shape` is the batch shape [B, …, H, W, C]. Writes into `out` (a new array by default; must not alias x).
 */
export function randomCropFlip(
  x: Float32Array,
  shape: readonly number[],
  opts: CropFlipOptions,
  rng: Rng,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  check(shape.length >= 4, `crop needs a batch [B, …, H, W, C], got [${shape.join(', ')}]`);
  check(Number.isInteger(opts.pad) && opts.pad >= 0, `crop padding must be a non-negative integer, got ${opts.pad}`);
  check(out !== x, 'randomCropFlip: out must not be the input array');
  const n = shape.length;
  const [H, W, C] = [shape[n - 3]!, shape[n - 2]!, shape[n - 1]!];
  const B = shape[0]!;
  const frames = x.length / (B * H * W * C);
  const fill = opts.fill ?? new Array<number>(C).fill(0);
  check(fill.length === C, `crop fill needs ${C} values, got ${fill.length}`);
  const p = opts.pad;
  const plane = H * W * C;
  for (let b = 0; b < B; b++) {
    const dy = rng.int(2 * p + 1) - p;
    const dx = rng.int(2 * p + 1) - p;
    const mirror = opts.flip && rng.uniform() < 0.5;
    for (let f = 0; f < frames; f++) {
      const base = (b * frames + f) * plane;
      for (let y = 0; y < H; y++) {
        const sy = y + dy;
        for (let xo = 0; xo < W; xo++) {
          const sx = (mirror ? W - 1 - xo : xo) + dx;
          const o = base + (y * W + xo) * C;
          if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
            for (let c = 0; c < C; c++) out[o + c] = fill[c]!;
          } else {
            const s = base + (sy * W + sx) * C;
            for (let c = 0; c < C; c++) out[o + c] = x[s + c]!;
          }
        }
      }
    }
  }
  return out;
}
