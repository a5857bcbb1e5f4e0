/**
 * Binary spikes stored as bits: a neuron layer's output is 0 or one magnitude (Vth, or Vth/Δt for LIF),
 * so one bit per neuron·step plus that magnitude holds it exactly — 32× less than float32. The bits live in a
 * float buffer from `alloc` (one 32-bit word per float slot), so every backend can hand them around like any Buf.
 * Bit i of the spike vector is bit (i mod 32) of word ⌊i/32⌋.
 */
import type { Buf, UnpackSpikesAttrs } from '../kernels.js';

const words = (bits: Buf): Uint32Array => new Uint32Array(bits.buffer, bits.byteOffset, bits.length);

export function packSpikes(x: Buf, bits: Buf): void {
  const n = x.length;
  const w = words(bits);
  const full = n >>> 5;
  for (let j = 0; j < full; j++) {
    let word = 0;
    const base = j << 5;
    for (let b = 0; b < 32; b++) if (x[base + b] !== 0) word |= 1 << b;
    w[j] = word >>> 0;
  }
  if ((n & 31) !== 0) {
    let word = 0;
    for (let i = full << 5, b = 0; i < n; i++, b++) if (x[i] !== 0) word |= 1 << b;
    w[full] = word >>> 0;
  }
}

export function unpackSpikes(bits: Buf, y: Buf, attrs: UnpackSpikesAttrs): void {
  const w = words(bits);
  const m = Math.fround(attrs.magnitude);
  for (let i = 0; i < y.length; i++) y[i] = (w[i >>> 5]! >>> (i & 31)) & 1 ? m : 0;
}
