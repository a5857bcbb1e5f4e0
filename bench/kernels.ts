/**
 * Kernel micro-benchmarks: gemm 1024³, the three conv passes of the backends.md shape (NHWC batch 32, 32×32×64 → 64,
 * 3×3 same padding, 2.416 GFLOP per pass) and the LIF forward over 2.1 M neurons, for the wasm backend at each
 * thread count and for the reference backend where plain loops finish in reasonable time.
 *   npx tsx bench/kernels.ts [--json PATH] [--reps N] [--rounds N] [--threads 1,2]
 * The machine may be shared: every figure is the best over reps × rounds (rounds repeat the whole set, so a burst
 * of load from elsewhere does not decide a row).
 */
import { createKernels, disposeKernels } from '../src/kernels/backend.js';
import { convGeometry, convMacs } from '../src/kernels/geometry.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { WasmKernels } from '../src/kernels/wasm/index.js';
import { Rng } from '../src/rng.js';
import { bestMs, Report, type BenchResult } from './report.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const reps = Number(arg('--reps', '5'));
const rounds = Number(arg('--rounds', '3'));
const threadList = arg('--threads', '1,2').split(',').map(Number);
const jsonPath = arg('--json', '');
const rng = new Rng(1);

const NEURONS = 2_097_152; // 2.1 M: batch 32 × 32×32×64
const CONV = convGeometry({ batch: 32, inH: 32, inW: 32, inC: 64, outC: 64, kH: 3, pad: 1 });
const N = 1024;

function filled(k: Kernels, n: number): Float32Array {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() - 0.5;
  return a;
}

type Row = Omit<BenchResult, 'backend' | 'threads'>;

function dense(k: Kernels): Row[] {
  const rows: Row[] = [];
  const a = filled(k, N * N), b = filled(k, N * N), c = k.alloc(N * N);
  const ms = bestMs(() => k.gemm(a, b, c, { m: N, n: N, k: N, transA: false, transB: false, alpha: 1, beta: 0 }), reps);
  rows.push({ name: 'gemm_1024', value: (2 * N ** 3) / ms / 1e6, unit: 'GFLOP/s' });
  [a, b, c].forEach((x) => k.free(x));
  const g = CONV;
  const x = filled(k, g.batch * g.inH * g.inW * g.inC), w = filled(k, g.outC * g.kH * g.kW * g.inC);
  const y = k.alloc(g.batch * g.outH * g.outW * g.outC), dx = k.alloc(x.length), dw = k.alloc(w.length);
  const gflop = (2 * convMacs(g)) / 1e6;
  const passes: [string, () => void][] = [
    ['conv_fwd', () => k.conv2dForward(x, w, null, y, g)],
    ['conv_bwd_input', () => k.conv2dBackwardInput(y, w, dx, g)],
    ['conv_bwd_filter', () => k.conv2dBackwardFilter(x, y, dw, null, g, false)],
  ];
  for (const [name, run] of passes) rows.push({ name, value: gflop / bestMs(run, reps), unit: 'GFLOP/s' });
  [x, w, y, dx, dw].forEach((v) => k.free(v));
  return rows;
}

/** One step input → spikes (as in backends.md), the same with the rate, and the fused T = 4 forward per step. */
function neuron(k: Kernels): Row[] {
  const rows: Row[] = [];
  const lif = { vth: 1, alpha: 0.5, tau: 1, dt: 0.05 };
  for (const [name, T, withRate] of [
    ['lif_step', 1, false], ['lif_step_with_rate', 1, true], ['lif_fused_T4_per_step', 4, true],
  ] as const) {
    const inp = filled(k, T * NEURONS), spk = k.alloc(T * NEURONS);
    const rate = withRate ? k.alloc(NEURONS) : null;
    const ms = bestMs(() => k.lifForward(inp, spk, rate, { ...lif, T, n: NEURONS }), reps * 4);
    rows.push({ name, value: ms / T, unit: 'ms' });
    [inp, spk].forEach((v) => k.free(v));
    if (rate) k.free(rate);
  }
  return rows;
}

const best = new Map<string, BenchResult>();
function keep(r: BenchResult): void {
  const key = `${r.name}/${r.backend}/${r.threads}`;
  const old = best.get(key);
  const [v, o] = [r.value ?? NaN, old?.value ?? NaN];
  const better = old === undefined || (r.unit === 'ms' ? v < o : v > o);
  if (better) best.set(key, r);
}

let fma = false;
for (let round = 0; round < rounds; round++) {
  for (const threads of threadList) {
    const k = await createKernels('wasm', { threads });
    fma = (k as WasmKernels).fma;
    for (const r of [...dense(k), ...neuron(k)]) keep({ ...r, backend: 'wasm', threads });
    disposeKernels(k);
  }
  if (round === 0) for (const r of neuron(await createKernels('reference'))) keep({ ...r, backend: 'reference', threads: 1 });
}

const report = new Report();
report.machine.wasmFma = fma ? 'relaxed-simd fused multiply-add' : 'plain simd (mul + add)';
for (const r of best.values()) report.add(r);
for (const name of ['gemm_1024', 'conv_fwd', 'conv_bwd_input', 'conv_bwd_filter']) {
  const note = 'skipped: plain loops take minutes here';
  report.add({ name, backend: 'reference', threads: 1, value: null, unit: 'GFLOP/s', note });
}
console.log(report.table());
if (jsonPath) report.write(jsonPath);
