/**
 * The choice between a layer's dense forward and its event-driven one (kernels' conv2dSparseForward), which only
 * does work for non-zero inputs and so wins on sparse spike trains; and the same choice for its weight gradient
 * (conv2dSparseBackwardFilter), whose input is the same spike train (or its time mean).
 */
import type { Buf, ConvGeometry, Kernels } from '../kernels/kernels.js';

/** 'auto' measures the input's density every forward; 'dense' and 'event' force one path. */
export type ForwardPath = 'auto' | 'dense' | 'event';

/**
 * Densities below which 'auto' takes the event path, per backend. wasm: `spikerep bench --only forward_density`,
 * `--only linear_forward_density`, `--only filter_density` and `--only linear_filter` (src/bench/sparse-bench.ts),
 * threads 1 and 2, on a shared 2-core Xeon (AVX-512), 2026-12-08, after the branch-free gathers and 24-wide
 * blocks; event vs dense ms on 2 threads:
 *   conv forward ([256, 14, 14, 32] → 64, 3×3): 10 % 7.1 vs 26.5, 20 % 10.1 vs 26.5, 50 % 19.6 vs 26.7 → cross ≈ 72 %
 *   conv filter gradient, same shape:          10 % 7.0 vs 30.5, 20 % 10.6 vs 30.4, 50 % 22.3 vs 30.5 → cross ≈ 71 %
 *   linear forward ([256, 3136] → 256):          10 % 2.6 vs 6.1,  20 % 4.1 vs 6.3,   50 % 8.8 vs 6.2   → cross ≈ 34 %
 *   linear weight gradient, same shape:          10 % 3.0 vs 5.7,  20 % 4.1 vs 5.7,   50 % 7.4 vs 5.7   → cross ≈ 34 %
 * (1 thread crosses at the same densities, within 3 points.) native, 2026-11-28, on a shared 2-core AMD EPYC
 * (AVX-512), same conv: 1 % 3.8 vs 17.2, 5 % 7.6 vs 17.3, 10 % 9.6 vs 17.3, 20 % 13.9 vs 17.4, 50 % 29.5 vs 17.2 →
 * cross ≈ 26 % (native's dense conv is oneDNN); its linear (OpenBLAS) crossed near 13 %. The reference backend's
 * dense loops do all the work the event loops do at density 1, so it switches at 50 %. Thresholds sit a little
 * below each crossover, and one table serves the forward and the weight gradient, which cross near each other.
 */
const EVENT_BELOW: Record<string, { conv: number; linear: number }> = {
  wasm: { conv: 0.6, linear: 0.3 },
  native: { conv: 0.25, linear: 0.1 },
  reference: { conv: 0.5, linear: 0.5 },
  // the GPU's dense forward is a tiled implicit GEMM, and its "sparse" forward is that same GEMM on transposed
  // weights: the event path never pays there, and measuring the density would cost a device round trip
  webgpu: { conv: 0, linear: 0 },
};

/** The density below which `k` runs a conv or linear forward (and its weight gradient) faster event-driven. */
export function eventBelow(k: Kernels, layer: 'conv' | 'linear'): number {
  return (EVENT_BELOW[k.name] ?? EVENT_BELOW['wasm']!)[layer];
}

/** Whether this forward takes the event path: forced, or 'auto' and the input is sparser than the crossover. */
export function useEventPath(k: Kernels, x: Buf, path: ForwardPath, layer: 'conv' | 'linear'): boolean {
  if (path !== 'auto') return path === 'event';
  const below = eventBelow(k, layer);
  if (below <= 0) return false;
  const density = x.length === 0 ? 0 : k.reduce(x, { op: 'countNonzero' }) / x.length;
  return density < below;
}

/**
 * dw (+)= the weight gradient of input x against output gradient dy (dy [rows, outC]; a linear layer is the 1×1
 * geometry with dw [outF, inF]), and dbias (+)= Σ_rows dy when given: event-driven when `event` (the layer's
 * useEventPath answer for x), else the dense conv filter gradient (which sums the bias on the way) or gemm.
 */
export function weightGradient(
  k: Kernels,
  x: Buf,
  dy: Buf,
  dw: Buf,
  dbias: Buf | null,
  g: ConvGeometry,
  accumulate: boolean,
  event: boolean,
  layer: 'conv' | 'linear',
): void {
  if (event) k.conv2dSparseBackwardFilter(x, dy, dw, { ...g, accumulate });
  else if (layer === 'conv') {
    k.conv2dBackwardFilter(x, dy, dw, dbias, { ...g, accumulate });
    return;
  } else k.gemm(dy, x, dw, { m: g.outC, n: g.inC, k: g.batch, transA: true, transB: false, accumulate });
  if (dbias !== null) k.sumRows(dy, dbias, { rows: g.batch * g.outH * g.outW, cols: g.outC, accumulate });
}
