/**
 * Axis orders between spikerep (channels-last: activations [H, W, C], conv weights [Cout, kH, kW, Cin]) and NIR
 * (PyTorch order: [C, H, W], [Cout, Cin, kH, kW]).
 */
import type { NirArray } from './nir-graph.js';

export function hwcToChw(shape: readonly number[]): number[] {
  return shape.length === 3 ? [shape[2]!, shape[0]!, shape[1]!] : [...shape];
}

export function chwToHwc(shape: readonly number[]): number[] {
  return shape.length === 3 ? [shape[1]!, shape[2]!, shape[0]!] : [...shape];
}

/** [Cout, kH, kW, Cin] → [Cout, Cin, kH, kW]. */
export function spikerepConvToNir(w: ArrayLike<number>, shape: readonly number[]): NirArray {
  const [O, KH, KW, I] = shape as [number, number, number, number];
  const out = new Float32Array(O * I * KH * KW);
  for (let o = 0; o < O; o++) {
    for (let y = 0; y < KH; y++) {
      for (let x = 0; x < KW; x++)
        for (let i = 0; i < I; i++) out[((o * I + i) * KH + y) * KW + x] = w[((o * KH + y) * KW + x) * I + i]!;
    }
  }
  return { shape: [O, I, KH, KW], data: out };
}

/** [Cout, Cin, kH, kW] → [Cout, kH, kW, Cin]. */
export function nirConvToSpikerep(w: NirArray): Float32Array {
  const [O, I, KH, KW] = w.shape as [number, number, number, number];
  const out = new Float32Array(O * I * KH * KW);
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      for (let y = 0; y < KH; y++)
        for (let x = 0; x < KW; x++) out[((o * KH + y) * KW + x) * I + i] = w.data[((o * I + i) * KH + y) * KW + x]!;
    }
  }
  return out;
}
