/**
 * Symmetric weight quantisation for quantisation-aware training and export (docs/targets.md): a weight w becomes
 * s·clamp(round(w/s), −q, q) with q = 2^(bits−1) − 1 (8 bits: ±127, 4: ±7, 2: the ternary −1, 0, 1), one scale s per
 * layer or per output channel (the leading axis of both conv [outC, kH, kW, inC] and linear [outF, inF] weights).
 *
 * The scale is the one, among max|w|/q·f for the fractions f of SCALE_FRACTIONS, that gives the smallest squared
 * error: max|w|/q alone keeps the largest weight but, at 2 bits, rounds almost every other weight to 0 (a silent
 * network); clipping the few largest weights keeps the many small ones. Ties go to the larger scale. The error of a
 * range of more than SCALE_SAMPLE weights is measured on an evenly strided sample of them.
 *
 * Conv and linear layers run their forward (and their input gradient) on the quantised copy and leave the float
 * master weight to the optimiser: the weight gradient is the gradient with respect to the quantised weight, passed
 * straight through (the straight-through estimator: round and clamp are treated as the identity in the backward).
 */
import type { Buf, Kernels } from '../kernels/kernels.js';

export const WEIGHT_BITS = [8, 4, 2] as const;
export type WeightBits = (typeof WEIGHT_BITS)[number];
export const QUANT_SCALES = ['layer', 'channel'] as const;
export type QuantScale = (typeof QUANT_SCALES)[number];

/** How a layer's weights are quantised. */
export interface WeightQuant {
  readonly bits: WeightBits;
  readonly scale: QuantScale;
}

/** The fractions of max|w|/q tried as the scale, largest first. */
export const SCALE_FRACTIONS: readonly number[] = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];

/** The largest integer level of a signed symmetric `bits`-bit grid: 127, 7, 1. */
export function levels(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/** round(v/s) clamped to ±q; 0 for a zero scale. Math.round ties go up; the grid is symmetric anyway. */
export function quantLevel(v: number, s: number, q: number): number {
  if (s === 0) return 0;
  const r = Math.round(v / s);
  return Math.min(q, Math.max(-q, r));
}

/**
 * Weights the scale's error is measured on at most: a larger range is measured on every k-th weight. The
 * quantiser runs every forward under QAT, and measuring all 800 000 weights of the MNIST convnet's first classifier
 * at 8 candidates cost a third of a training step's time on wasm.
 */
export const SCALE_SAMPLE = 1 << 16;

/** The squared error of quantising w[from, to) (every `step`-th weight) with scale s to ±q. */
function squaredError(w: ArrayLike<number>, from: number, to: number, s: number, q: number, step: number): number {
  let e = 0;
  for (let i = from; i < to; i += step) {
    const d = w[i]! - quantLevel(w[i]!, s, q) * s;
    e += d * d;
  }
  return e;
}

/** The scale of w[from, to) (see the file comment); 0 for an all-zero range. */
export function chooseScale(w: ArrayLike<number>, from: number, to: number, bits: number): number {
  const q = levels(bits);
  let max = 0;
  for (let i = from; i < to; i++) max = Math.max(max, Math.abs(w[i]!));
  if (max === 0) return 0;
  const step = Math.ceil((to - from) / SCALE_SAMPLE);
  let best = max / q;
  let bestErr = squaredError(w, from, to, best, q, step);
  for (const f of SCALE_FRACTIONS.slice(1)) {
    const s = (max / q) * f;
    const e = squaredError(w, from, to, s, q, step);
    if (e < bestErr) {
      best = s;
      bestErr = e;
    }
  }
  return best;
}

/**
 * A power-of-two scale for w (0 for all zeros): 2^k with k the smallest exponent whose grid holds max|w| (the
 * largest weight, up to float rounding, lands on ±q at most), or half of it when clipping the few largest weights
 * gives a smaller squared error. Integer targets use it: a network whose weights already lie on such a grid is
 * found on it again, and scaling by a power of two is exact in floating point (export/target-deploy.ts).
 */
export function powerOfTwoScale(w: ArrayLike<number>, bits: number): number {
  const q = levels(bits);
  let max = 0;
  for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]!));
  if (max === 0) return 0;
  const full = 2 ** Math.ceil(Math.log2(max / q) - 1e-6);
  const step = Math.ceil(w.length / SCALE_SAMPLE);
  const half = full / 2;
  return squaredError(w, 0, w.length, half, q, step) < squaredError(w, 0, w.length, full, q, step) ? half : full;
}

/** The scales of a weight with `rows` output rows: one (per layer) or `rows` (per channel). */
export function weightScales(w: ArrayLike<number>, rows: number, quant: WeightQuant): Float64Array {
  if (quant.scale === 'layer') return Float64Array.of(chooseScale(w, 0, w.length, quant.bits));
  const per = w.length / rows;
  const s = new Float64Array(rows);
  for (let r = 0; r < rows; r++) s[r] = chooseScale(w, r * per, (r + 1) * per, quant.bits);
  return s;
}

/** The integer levels of w with the given scales (one, or one per row). */
export function integerWeights(w: ArrayLike<number>, scales: ArrayLike<number>, bits: number): Int32Array {
  const q = levels(bits);
  const per = w.length / scales.length;
  const out = new Int32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = quantLevel(w[i]!, scales[Math.floor(i / per)]!, q);
  return out;
}

/**
 * out = the fake-quantised w (levels × scale, float), written through the kernels' host-access rule; returns the
 * scales. Weights are parameter-sized, so the loop runs on the host.
 */
export function fakeQuantize(k: Kernels, w: Buf, out: Buf, rows: number, quant: WeightQuant): Float64Array {
  k.toHost(w);
  const scales = weightScales(w, rows, quant);
  const q = levels(quant.bits);
  const per = w.length / scales.length;
  for (let g = 0; g < scales.length; g++) {
    const s = scales[g]!;
    for (let i = g * per; i < (g + 1) * per; i++) out[i] = quantLevel(w[i]!, s, q) * s;
  }
  k.fromHost(out);
  return scales;
}

/**
 * A DSR neuron's threshold for a target whose state is integer, in units of its input weights' scale: it fires at
 * α·Vth and subtracts Vth, so both become integers (at least 1) — the subtracted amount round(Vth/unit) and the
 * threshold round(α·Vth/unit) — and α becomes their ratio.
 */
export function integerThresholds(
  vth: number,
  alpha: number,
  unit: number,
): { subtract: number; threshold: number; alpha: number } {
  const subtract = Math.max(1, Math.round(vth / unit));
  const threshold = Math.min(subtract, Math.max(1, Math.round((alpha * vth) / unit)));
  return { subtract, threshold, alpha: threshold / subtract };
}
