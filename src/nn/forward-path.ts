/**
 * The choice between a layer's dense forward and its event-driven one (kernels' conv2dSparseForward), which only
 * does work for non-zero inputs and so wins on sparse spike trains; and the same choice for its weight gradient
 * (conv2dSparseBackwardFilter), whose input is the same spike train (or its time mean).
 */
import type { Buf, ConvGeometry, Kernels } from '../kernels/kernels.js';

/** 'auto' measures the input's density every forward; 'dense' and 'event' force one path. */
export type ForwardPath = 'auto' | 'dense' | 'event';

/**
 * Densities below which 'auto' takes the event path, per backend, measured with `spikerep bench --only
 * forward_density --backend wasm,native --threads 1` (src/bench/sparse-bench.ts) on a shared 2-core AMD EPYC
 * (AVX-512), 2026-11-28, on the MNIST convnet's second conv ([256, 14, 14, 32] → 64, 3×3): event vs dense ms
 *   wasm:   1 % 5.7 vs 38.4, 5 % 9.8 vs 38.6, 10 % 15.1 vs 38.5, 20 % 25.9 vs 38.4, 50 % 56.5 vs 38.8 → cross ≈ 32 %
 *   native: 1 % 3.8 vs 17.2, 5 % 7.6 vs 17.3, 10 % 9.6 vs 17.3, 20 % 13.9 vs 17.4, 50 % 29.5 vs 17.2 → cross ≈ 26 %
 * (native's dense conv is oneDNN). The linear layer's dense path is one well-tiled gemm and its event path has
 * no taps to share the gathered list: on [256, 3136] → 256 (the convnet's first classifier) wasm crossed near
 * 20 % and native (OpenBLAS) near 13 %; on 256 → 10 wasm near 15 %, and native's event path never won (though
 * both take under 0.1 ms there). The reference backend's dense loops do all the work the event loops do at
 * density 1, so it switches at 50 %. Thresholds sit a little below each crossover.
 */
const EVENT_BELOW: Record<string, { conv: number; linear: number }> = {
  wasm: { conv: 0.3, linear: 0.15 },
  native: { conv: 0.25, linear: 0.1 },
  reference: { conv: 0.5, linear: 0.5 },
  // the GPU's dense forward is a tiled implicit GEMM, and its "sparse" forward is that same GEMM on transposed
  // weights: the event path never pays there, and measuring the density would cost a device round trip
  webgpu: { conv: 0, linear: 0 },
};

/**
 * The density below which `k` runs a conv or linear forward faster event-driven. The weight gradient's event path
 * crosses over near the same densities (`spikerep bench --only filter_density` and `--only linear_filter`, wasm,
 * 2026-12-07, same shapes: conv at about 35 %, linear near 17 % on 2 threads and 13 % on 1), so one table serves both.
 */
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
