/**
 * Kernel micro-benchmarks: gemm 1024³, the three conv passes of the backends.md shape (NHWC batch 32,
 * 32×32×64 → 64, 3×3 same padding, 2.416 GFLOP per pass), the MNIST convnet's first conv (1 → 32 channels) and the fused LIF forward over 2.1 M neurons.
 * Every figure is the best of `reps` runs: the machine may be shared. A timer stops when the device has finished
 * (device-sync.ts), not when the call returns.
 */
import { convGeometry, convMacs } from '../kernels/geometry.js';
import type { ConvGeometry, Kernels } from '../kernels/kernels.js';
import { Rng } from '../rng.js';
import { lifConfig } from '../snn/config.js';
import { forwardAttrs } from '../snn/description.js';
import { neuronModel } from '../snn/model.js';
import { settled } from './device-sync.js';
import { type BenchResult, bestMs } from './report.js';

export type Row = Omit<BenchResult, 'backend' | 'threads'>;

export const NEURONS = 2_097_152; // 2.1 M: batch 32 × 32×32×64
export const CONV = convGeometry({ batch: 32, inH: 32, inW: 32, inC: 64, outC: 64, kH: 3, pad: 1 });
const N = 1024;

function filled(k: Kernels, n: number, rng: Rng): Float32Array {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() - 0.5;
  return a;
}

/** gemm_1024 and conv_fwd / conv_bwd_input / conv_bwd_filter in GFLOP/s. */
export function denseRows(k: Kernels, reps: number): Row[] {
  return [gemmRow(k, N, reps), ...convRows(k, CONV, reps)];
}

/** `gemm_<n>`: an n×n by n×n product, GFLOP/s. */
export function gemmRow(k: Kernels, n: number, reps: number): Row {
  const rng = new Rng(1);
  const a = filled(k, n * n, rng),
    b = filled(k, n * n, rng),
    c = k.alloc(n * n);
  try {
    const ms = bestMs(
      settled(k, () => k.gemm(a, b, c, { m: n, n, k: n, transA: false, transB: false })),
      reps,
    );
    return { name: `gemm_${n}`, value: (2 * n ** 3) / ms / 1e6, unit: 'GFLOP/s' };
  } finally {
    [a, b, c].forEach((x) => k.free(x));
  }
}

/** conv_fwd, conv_bwd_input and conv_bwd_filter of geometry `g`, GFLOP/s each. */
export function convRows(k: Kernels, g: ConvGeometry, reps: number): Row[] {
  const rng = new Rng(1);
  const x = filled(k, g.batch * g.inH * g.inW * g.inC, rng),
    w = filled(k, g.outC * g.kH * g.kW * g.inC, rng);
  const y = k.alloc(g.batch * g.outH * g.outW * g.outC),
    dx = k.alloc(x.length),
    dw = k.alloc(w.length);
  const gflop = (2 * convMacs(g)) / 1e6;
  const passes: [string, () => void][] = [
    ['conv_fwd', () => k.conv2dForward(x, w, null, y, g)],
    ['conv_bwd_input', () => k.conv2dBackwardInput(y, w, dx, g)],
    ['conv_bwd_filter', () => k.conv2dBackwardFilter(x, y, dw, null, g)],
  ];
  try {
    return passes.map(([name, run]): Row => ({ name, value: gflop / bestMs(settled(k, run), reps), unit: 'GFLOP/s' }));
  } finally {
    [x, w, y, dx, dw].forEach((v) => k.free(v));
  }
}

/** The MNIST convnet's first conv: one input channel, so K = kH·kW·inC = 9 columns per output. */
export const FIRST_CONV = convGeometry({ batch: 64, inH: 28, inW: 28, inC: 1, outC: 32, kH: 3, pad: 1 });

/**
 * first_conv_fwd and first_conv_bwd_filter: the two passes of a network's first conv (whose input gradient nobody
 * needs), GFLOP/s. With K = 9 a GEMM does little work per tile it starts; wasm runs direct kernels here.
 */
export function firstConvRows(k: Kernels, reps: number): Row[] {
  const g = FIRST_CONV;
  const rng = new Rng(3);
  const x = filled(k, g.batch * g.inH * g.inW * g.inC, rng),
    w = filled(k, g.outC * g.kH * g.kW * g.inC, rng),
    bias = filled(k, g.outC, rng),
    dy = filled(k, g.batch * g.outH * g.outW * g.outC, rng);
  const y = k.alloc(dy.length),
    dw = k.alloc(w.length),
    db = k.alloc(g.outC);
  const gflop = (2 * convMacs(g)) / 1e6;
  const passes: [string, () => void][] = [
    ['first_conv_fwd', () => k.conv2dForward(x, w, bias, y, g)],
    ['first_conv_bwd_filter', () => k.conv2dBackwardFilter(x, dy, dw, db, g)],
  ];
  try {
    return passes.map(([name, run]): Row => ({ name, value: gflop / bestMs(settled(k, run), reps), unit: 'GFLOP/s' }));
  } finally {
    [x, w, bias, dy, y, dw, db].forEach((v) => k.free(v));
  }
}

/** lif_step: one step input → spikes over 2.1 M neurons (as in backends.md); also with the rate, and fused T = 4 per step. */
export function neuronRows(k: Kernels, reps: number): Row[] {
  const rng = new Rng(2);
  const rows: Row[] = [];
  const lif = neuronModel(lifConfig({ vth: 1, alpha: 0.5, tau: 1, dt: 0.05 }));
  for (const [name, T, withRate] of [
    ['lif_step', 1, false],
    ['lif_step_with_rate', 1, true],
    ['lif_fused_T4_per_step', 4, true],
  ] as const) {
    const inp = filled(k, T * NEURONS, rng),
      spk = k.alloc(T * NEURONS);
    const rate = withRate ? k.alloc(NEURONS) : null;
    const attrs = forwardAttrs(lif, T, NEURONS, { rate });
    const ms = bestMs(
      settled(k, () => k.neuronForward(inp, spk, attrs)),
      reps * 4,
    );
    rows.push({ name, value: ms / T, unit: 'ms' });
    [inp, spk].forEach((v) => k.free(v));
    if (rate) k.free(rate);
  }
  return rows;
}
