/**
 * Kernel micro-benchmarks: gemm 1024³, the three conv passes of the backends.md shape (NHWC batch 32, 32×32×64 → 64,
 * 3×3 same padding) and the fused LIF forward over 2.1 M neurons, for the wasm backend at 1 and 2 threads and for
 * the reference backend where it finishes in reasonable time.
 *   npx tsx bench/kernels.ts [--json PATH] [--reps N] [--threads 1,2]
 */
import { createKernels, disposeKernels } from '../src/kernels/backend.js';
import { convGeometry, convMacs } from '../src/kernels/geometry.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { Rng } from '../src/rng.js';
import { bestMs, header, Report } from './report.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const reps = Number(arg('--reps', '5'));
const threadList = arg('--threads', '1,2').split(',').map(Number);
const jsonPath = arg('--json', '');
const rng = new Rng(1);

function filled(k: Kernels, n: number, f: () => number): Float32Array {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = f();
  return a;
}

const NEURONS = 2_097_152; // 2.1 M: e.g. batch 32 × 32×32×64
const CONV = convGeometry({ batch: 32, inH: 32, inW: 32, inC: 64, outC: 64, kH: 3, pad: 1 });

function benchBackend(report: Report, k: Kernels, big: boolean): void {
  const be = k.name;
  const th = k.threads;
  const skip = (name: string, unit: string): void =>
    report.add({ name, backend: be, threads: th, value: NaN, unit, note: 'skipped: too slow for plain loops' });
  const N = 1024;
  if (big) {
    const a = filled(k, N * N, () => rng.uniform() - 0.5);
    const b = filled(k, N * N, () => rng.uniform() - 0.5);
    const c = k.alloc(N * N);
    const ms = bestMs(() => k.gemm(a, b, c, { m: N, n: N, k: N, transA: false, transB: false, alpha: 1, beta: 0 }), reps);
    report.add({ name: 'gemm_1024', backend: be, threads: th, value: (2 * N ** 3) / ms / 1e6, unit: 'GFLOP/s' });
    [a, b, c].forEach((x) => k.free(x));
    const g = CONV;
    const x = filled(k, g.batch * g.inH * g.inW * g.inC, () => rng.uniform() - 0.5);
    const w = filled(k, g.outC * g.kH * g.kW * g.inC, () => rng.uniform() - 0.5);
    const y = k.alloc(g.batch * g.outH * g.outW * g.outC);
    const dx = k.alloc(x.length);
    const dw = k.alloc(w.length);
    const flop = 2 * convMacs(g);
    const fwd = bestMs(() => k.conv2dForward(x, w, null, y, g), reps);
    report.add({ name: 'conv_fwd', backend: be, threads: th, value: flop / fwd / 1e6, unit: 'GFLOP/s' });
    const bi = bestMs(() => k.conv2dBackwardInput(y, w, dx, g), reps);
    report.add({ name: 'conv_bwd_input', backend: be, threads: th, value: flop / bi / 1e6, unit: 'GFLOP/s' });
    const bf = bestMs(() => k.conv2dBackwardFilter(x, y, dw, null, g, false), reps);
    report.add({ name: 'conv_bwd_filter', backend: be, threads: th, value: flop / bf / 1e6, unit: 'GFLOP/s' });
    [x, w, y, dx, dw].forEach((v) => k.free(v));
  } else {
    for (const name of ['gemm_1024', 'conv_fwd', 'conv_bwd_input', 'conv_bwd_filter']) skip(name, 'GFLOP/s');
  }
  // One LIF step over 2.1 M neurons (T = 1), then the fused T = 4 forward reported per step.
  const lif = { vth: 1, alpha: 0.5, tau: 1, dt: 0.05 };
  for (const T of [1, 4]) {
    const inp = filled(k, T * NEURONS, () => 2 * rng.uniform());
    const spk = k.alloc(T * NEURONS);
    const rate = k.alloc(NEURONS);
    const ms = bestMs(() => k.lifForward(inp, spk, rate, { ...lif, T, n: NEURONS }), reps * 2);
    report.add({
      name: T === 1 ? 'lif_step' : `lif_fused_T${T}_per_step`, backend: be, threads: th, value: ms / T, unit: 'ms',
    });
    [inp, spk, rate].forEach((v) => k.free(v));
  }
}

const report = new Report();
console.log(header());
for (const threads of threadList) {
  const k = await createKernels('wasm', { threads });
  benchBackend(report, k, true);
  disposeKernels(k);
}
benchBackend(report, await createKernels('reference'), false);
if (jsonPath) report.write(jsonPath);
