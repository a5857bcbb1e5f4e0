/**
 * Event-driven vs dense convolution forward on binary inputs of a given density: the MNIST-scale
 * convnet's second conv, input [T·B = 4·64, 14, 14, 32] → 64 channels, 3×3, pad 1. Rows
 * forward_density_<d>_event and forward_density_<d>_dense in ms, best of `reps`; the event figure includes
 * transposing the weight (the transpose kernel), as the layer does every forward. The crossover density of nn/forward-path.ts comes
 * from these rows. linear_forward_density_<d>_* do the same for the convnet's first classifier layer
 * ([256, 3136] → 256; dense: one gemm and the bias), filter_density_<d>_* for the filter gradient of that conv
 * and linear_filter_density_<d>_* for the classifier layer's weight gradient.
 */
import { convGeometry, linearGeometry } from '../kernels/geometry.js';
import type { Buf, ConvGeometry, Kernels } from '../kernels/kernels.js';
import { Rng } from '../rng.js';
import { settled } from './device-sync.js';
import type { Row } from './kernel-bench.js';
import { bestMs } from './report.js';

export const SPARSE_CONV = convGeometry({ batch: 4 * 64, inH: 14, inW: 14, inC: 32, outC: 64, kH: 3, pad: 1 });
export const DENSITIES = [0.01, 0.05, 0.1, 0.2, 0.5] as const;
export const QUICK_DENSITIES = [0.1] as const;

export function sparseRows(k: Kernels, reps: number, densities: readonly number[]): Row[] {
  return forwardRows(k, reps, densities, 'forward_density', SPARSE_CONV, 5, (x, w, bias, y, g) =>
    k.conv2dForward(x, w, bias, y, g),
  );
}

export const SPARSE_LINEAR = linearGeometry(4 * 64, 7 * 7 * 64, 256);

/** The same for the linear layer, against one gemm and the bias. */
export function sparseLinearRows(k: Kernels, reps: number, densities: readonly number[]): Row[] {
  return forwardRows(k, reps, densities, 'linear_forward_density', SPARSE_LINEAR, 7, (x, w, bias, y, g) => {
    k.gemm(x, w, y, { m: g.batch, n: g.outC, k: g.inC, transA: false, transB: true });
    k.elementwise([y, bias], y, { op: 'add' });
  });
}

/**
 * `${prefix}_<d>_event` and `_dense` for each density: the event path with the weight transposed first, as the
 * layers do every forward, against `dense`, on inputs of `vth`-valued spikes.
 */
function forwardRows(
  k: Kernels,
  reps: number,
  densities: readonly number[],
  prefix: string,
  g: ConvGeometry,
  seed: number,
  dense: (x: Buf, w: Buf, bias: Buf, y: Buf, g: ConvGeometry) => void,
): Row[] {
  const rng = new Rng(seed);
  const K = g.kH * g.kW * g.inC;
  const w = k.alloc(g.outC * K),
    wT = k.alloc(g.outC * K),
    bias = k.alloc(g.outC);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform() - 0.5;
  for (let i = 0; i < bias.length; i++) bias[i] = rng.uniform() - 0.5;
  k.fromHost(w);
  k.fromHost(bias);
  const x = k.alloc(g.batch * g.inH * g.inW * g.inC),
    y = k.alloc(g.batch * g.outH * g.outW * g.outC);
  const rows: Row[] = [];
  for (const d of densities) {
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform() < d ? 1 : 0;
    k.fromHost(x); // kernels read the previous density's input
    const event = (): void => {
      k.transpose(w, wT, { rows: g.outC, cols: K });
      k.conv2dSparseForward(x, wT, bias, y, g);
    };
    rows.push({ name: `${prefix}_${d}_event`, value: bestMs(settled(k, event), reps), unit: 'ms' });
    rows.push({
      name: `${prefix}_${d}_dense`,
      value: bestMs(
        settled(k, () => dense(x, w, bias, y, g)),
        reps,
      ),
      unit: 'ms',
    });
  }
  [w, wT, bias, x, y].forEach((b) => k.free(b));
  return rows;
}

/** Event-driven vs dense filter gradient (the dense one: conv2dBackwardFilter, or gemm for the linear layer). */
export function sparseFilterRows(k: Kernels, reps: number, densities: readonly number[]): Row[] {
  const rows: Row[] = [];
  const cases: [string, ConvGeometry][] = [
    ['filter_density', SPARSE_CONV],
    ['linear_filter_density', SPARSE_LINEAR],
  ];
  for (const [prefix, g] of cases) {
    const rng = new Rng(6);
    const nx = g.batch * g.inH * g.inW * g.inC;
    const ny = g.batch * g.outH * g.outW * g.outC;
    const x = k.alloc(nx),
      dy = k.alloc(ny),
      dw = k.alloc(g.outC * g.kH * g.kW * g.inC);
    for (let i = 0; i < ny; i++) dy[i] = rng.uniform() - 0.5;
    k.fromHost(dy);
    const dense =
      g.inH === 1 && g.kH === 1
        ? (): void => k.gemm(dy, x, dw, { m: g.outC, n: g.inC, k: g.batch, transA: true, transB: false })
        : (): void => k.conv2dBackwardFilter(x, dy, dw, null, g);
    for (const d of densities) {
      for (let i = 0; i < nx; i++) x[i] = rng.uniform() < d ? 1 : 0;
      k.fromHost(x);
      const event = (): void => k.conv2dSparseBackwardFilter(x, dy, dw, g);
      rows.push({ name: `${prefix}_${d}_event`, value: bestMs(settled(k, event), reps), unit: 'ms' });
      rows.push({ name: `${prefix}_${d}_dense`, value: bestMs(settled(k, dense), reps), unit: 'ms' });
    }
    [x, dy, dw].forEach((b) => k.free(b));
  }
  return rows;
}
