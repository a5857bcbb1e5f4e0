import { encodeFrames, encodeLatency, encodeRate } from '../data/encoders.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Encoding } from '../nn/network.js';
import { Scratch } from '../nn/scratch.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import type { EncoderName } from './config.js';
import { seriesFrames } from './series-frames.js';

export interface EncodedInput {
  x: Tensor;
  encoding: Encoding;
}

const staging = new WeakMap<Kernels, Scratch>();

/**
 * A data batch [B, …] (intensities in [0, 1] for rate/latency, normalised for direct) as network input in the
 * backend's memory: direct input stays [B, …] (the network presents it at every step), spike encodings become
 * time-major [T·B, …]. Event data [B, T, H, W, C] (DVS frames) is reordered to time-major whatever the encoder;
 * series [B, time, C] are fitted to T steps and fed row by row (series-frames.ts; the run refuses other encoders).
 */
export function encodeBatch(
  k: Kernels,
  encoder: EncoderName,
  x: Float32Array,
  shape: readonly number[],
  T: number,
  rng: Rng,
): EncodedInput {
  let data = x;
  let outShape = shape;
  let encoding: Encoding = 'direct';
  if (shape.length === 3) {
    const [B, , C] = shape as [number, number, number];
    data = seriesFrames(x, shape, T);
    outShape = [T * B, C];
    encoding = 'time-major';
  } else if (shape.length === 5) {
    const enc = encodeFrames(x, shape);
    data = enc.input.data;
    outShape = enc.input.shape;
    encoding = 'time-major';
  } else if (encoder !== 'direct') {
    const enc = encoder === 'rate' ? encodeRate(x, shape, { T, rng }) : encodeLatency(x, shape, { T });
    data = enc.input.data;
    outShape = enc.input.shape;
    encoding = 'time-major';
  }
  let s = staging.get(k);
  if (s === undefined) {
    s = new Scratch();
    staging.set(k, s);
  }
  const buf = s.get(k, data.length);
  buf.set(data);
  k.fromHost(buf); // the staging buffer is reused: kernels saw the previous batch in it
  return { x: { shape: outShape, data: buf }, encoding };
}
