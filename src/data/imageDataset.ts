/**
 * An image dataset held as raw uint8 pixels, channels-last [N, H, W, C]. `read` converts one sample through a
 * 256-entry lookup table per channel: ToTensor's x/255, then Normalize's (x − mean)/std when normalised.
 */
import { check } from '../errors.js';
import type { ChannelStats, Dataset } from './dataset.js';

export interface U8ImageDatasetInit {
  name: string;
  pixels: Uint8Array;
  labels: Uint8Array;
  /** [H, W, C] */
  shape: readonly [number, number, number];
  classes: readonly string[];
  stats: ChannelStats;
  normalize: boolean;
}

export class U8ImageDataset implements Dataset {
  readonly name: string;
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly classes: readonly string[];
  readonly stats: ChannelStats;
  readonly normalized: boolean;
  private readonly pixels: Uint8Array;
  private readonly labels: Uint8Array;
  private readonly size: number;
  /** lut[c * 256 + v]: the float written for byte v in channel c. */
  private readonly lut: Float32Array;

  constructor(init: U8ImageDatasetInit) {
    const [h, w, c] = init.shape;
    this.size = h * w * c;
    check(
      init.pixels.length === init.labels.length * this.size,
      `${init.name}: pixel count does not match labels × ${h}×${w}×${c}`,
    );
    check(init.stats.mean.length === c && init.stats.std.length === c, `${init.name}: stats need ${c} channels`);
    this.name = init.name;
    this.length = init.labels.length;
    this.sampleShape = [h, w, c];
    this.classes = init.classes;
    this.stats = init.stats;
    this.normalized = init.normalize;
    this.pixels = init.pixels;
    this.labels = init.labels;
    this.lut = new Float32Array(256 * c);
    for (let ch = 0; ch < c; ch++) {
      for (let v = 0; v < 256; v++) {
        // float32 at each step, as ToTensor then Normalize compute it
        const x = Math.fround(v / 255);
        this.lut[ch * 256 + v] = init.normalize
          ? Math.fround(Math.fround(x - Math.fround(init.stats.mean[ch]!)) / Math.fround(init.stats.std[ch]!))
          : x;
      }
    }
  }

  label(i: number): number {
    return this.labels[i]!;
  }

  read(i: number, out: Float32Array, offset: number): void {
    const c = this.sampleShape[2]!;
    const src = this.pixels;
    const base = i * this.size;
    const lut = this.lut;
    if (c === 1) {
      for (let k = 0; k < this.size; k++) out[offset + k] = lut[src[base + k]!]!;
      return;
    }
    for (let k = 0; k < this.size; k++) out[offset + k] = lut[(k % c) * 256 + src[base + k]!]!;
  }

  /** The stored bytes of sample i (a view, not a copy). */
  rawSample(i: number): Uint8Array {
    return this.pixels.subarray(i * this.size, (i + 1) * this.size);
  }
}
