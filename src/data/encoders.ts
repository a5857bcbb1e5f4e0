/**
 * Input encoders: a batch [B, H, W, C] (or event frames [B, T, H, W, C]) becomes the time-major network input
 * [T·B, H, W, C], row t·B + b being sample b at step t (src/tensor.ts).
 *  - direct:  the same analog (normalised) image at every step, as the DSR code's cat([x]*T). Time-constant, so
 *             the engine may run the first layer once on `frame` and repeat its output T times.
 *  - rate:    Poisson/Bernoulli spikes, 1 with probability p = clamp(x, 0, 1) of the un-normalised intensity,
 *             drawn independently per pixel and step.
 *  - latency: time to first spike; one spike per pixel with x > 0, at step ⌊(1 − x)·T⌋ clamped to T − 1, so
 *             x = 1 fires at step 0 and dimmer pixels later; x ≤ 0 never fires.
 *  - frames:  event data that already has T frames per sample: [B, T, …] reordered to [T·B, …].
 */
import { check } from '../errors.js';
import type { Rng } from '../rng.js';
import { type Tensor, tensor } from '../tensor.js';
import type { ChannelStats } from './dataset.js';

export type EncoderName = 'direct' | 'rate' | 'latency' | 'frames';

export interface Encoded {
  /** [T·B, H, W, C], time-major. */
  readonly input: Tensor;
  readonly T: number;
  /** True when every step holds the same values (direct): `frame` [B, H, W, C] is that one step (it is the
   *  caller's batch array, not a copy). */
  readonly timeConstant: boolean;
  readonly frame: Tensor | undefined;
}

export interface EncodeOptions {
  T: number;
  /** For rate/latency given a normalised batch: the stats to undo it (x·std + mean) before encoding. */
  denormalize?: ChannelStats;
  /** Needed by rate. */
  rng?: Rng;
}

function checkT(T: number): void {
  check(Number.isInteger(T) && T > 0, `T must be a positive integer, got ${T}`);
}

function intensity(x: Float32Array, k: number, stats: ChannelStats | undefined): number {
  if (stats === undefined) return x[k]!;
  const c = k % stats.mean.length;
  return x[k]! * stats.std[c]! + stats.mean[c]!;
}

/** The same image at every step. `shape` is the batch shape [B, H, W, C]. */
export function encodeDirect(x: Float32Array, shape: readonly number[], T: number): Encoded {
  checkT(T);
  const out = new Float32Array(T * x.length);
  for (let t = 0; t < T; t++) out.set(x, t * x.length);
  const B = shape[0]!;
  const rest = shape.slice(1);
  return { input: tensor([T * B, ...rest], out), T, timeConstant: true, frame: tensor([B, ...rest], x) };
}

export function encodeRate(x: Float32Array, shape: readonly number[], opts: EncodeOptions): Encoded {
  checkT(opts.T);
  check(opts.rng !== undefined, 'rate encoding needs an Rng');
  const rng = opts.rng;
  const n = x.length;
  const p = new Float32Array(n);
  for (let k = 0; k < n; k++) p[k] = Math.min(1, Math.max(0, intensity(x, k, opts.denormalize)));
  const out = new Float32Array(opts.T * n);
  for (let t = 0; t < opts.T; t++) {
    const base = t * n;
    for (let k = 0; k < n; k++) out[base + k] = rng.uniform() < p[k]! ? 1 : 0;
  }
  return {
    input: tensor([opts.T * shape[0]!, ...shape.slice(1)], out),
    T: opts.T,
    timeConstant: false,
    frame: undefined,
  };
}

/** The step at which a pixel of intensity v fires under latency coding, or −1 for never. */
export function latencyStep(v: number, T: number): number {
  if (!(v > 0)) return -1;
  return Math.min(T - 1, Math.floor((1 - Math.min(1, v)) * T));
}

export function encodeLatency(x: Float32Array, shape: readonly number[], opts: EncodeOptions): Encoded {
  checkT(opts.T);
  const n = x.length;
  const out = new Float32Array(opts.T * n);
  for (let k = 0; k < n; k++) {
    const t = latencyStep(intensity(x, k, opts.denormalize), opts.T);
    if (t >= 0) out[t * n + k] = 1;
  }
  return {
    input: tensor([opts.T * shape[0]!, ...shape.slice(1)], out),
    T: opts.T,
    timeConstant: false,
    frame: undefined,
  };
}

/** Event batches [B, T, H, W, C] → [T·B, H, W, C]. */
export function encodeFrames(x: Float32Array, shape: readonly number[]): Encoded {
  check(shape.length === 5, `frames encoding needs [B, T, H, W, C], got [${shape.join(', ')}]`);
  const [B, T, H, W, C] = shape as [number, number, number, number, number];
  const plane = H * W * C;
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) out.set(x.subarray((b * T + t) * plane, (b * T + t + 1) * plane), (t * B + b) * plane);
  }
  return { input: tensor([T * B, H, W, C], out), T, timeConstant: false, frame: undefined };
}

/** Dispatch by name; `shape` is the batch shape. For 'frames' T comes from the data and opts.T must match. */
export function encode(name: EncoderName, x: Float32Array, shape: readonly number[], opts: EncodeOptions): Encoded {
  switch (name) {
    case 'direct':
      return encodeDirect(x, shape, opts.T);
    case 'rate':
      return encodeRate(x, shape, opts);
    case 'latency':
      return encodeLatency(x, shape, opts);
    case 'frames': {
      check(shape[1] === opts.T, `event data has ${shape[1]} frames per sample but T = ${opts.T}`);
      return encodeFrames(x, shape);
    }
    default:
      return name satisfies never;
  }
}
