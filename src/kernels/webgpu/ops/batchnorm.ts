/**
 * Batch-norm over x[rows, channels] (channels-last), as reference/batchnorm.ts. The per-channel sums are column
 * sums (colsum.ts). The variance is a second pass over x, Σ (x − mean)² with the mean just computed, as the
 * reference does: the one-pass Σx² − (Σx)²/N would cancel catastrophically in float32.
 */
import { type GpuOp, grid1d, LINEAR, type Shader } from '../encoder.js';
import type { OpAttrs } from './attrs.js';
import { columnSum } from './colsum.js';
import { elementwise } from './elementwise.js';

const WG = 256;

export const batchNormStats: GpuOp<OpAttrs['batchNormStats']> = (e, b, at) => {
  const [x, mean, variance] = [b[0]!, b[1]!, b[2]!];
  const { rows, channels: cols } = at;
  if (cols === 0) return;
  columnSum(e, 'plain', [x], mean, { rows, cols, scale: 1 / rows });
  // mean is read while variance is written: one dispatch may not bind one buffer both ways, so when the two are
  // views of one buffer the variance goes through a scratch
  const shared = mean.buffer === variance.buffer;
  const to = shared ? e.scratch(cols) : variance;
  columnSum(e, 'sqdev', [x, mean], to, { rows, cols, scale: 1 / rows });
  if (shared) e.copy({ ...to, size: cols * 4 }, { ...variance, size: cols * 4 });
};

const apply: Shader = {
  key: 'batchNorm.apply',
  code: `
const WG = ${WG}u;
struct P { n: u32, C: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> invStd: array<f32>;
@group(0) @binding(5) var<storage, read> gamma: array<f32>;
@group(0) @binding(6) var<storage, read> beta: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let c = i % p.C;
  y[i] = (x[i] - mean[c]) * invStd[c] * gamma[c] + beta[c];
}`,
};

export const batchNormApply: GpuOp<OpAttrs['batchNormApply']> = (e, b, at) => {
  const n = at.rows * at.channels;
  if (n === 0) return;
  e.dispatch(
    apply,
    { u32: [n, at.channels] },
    b.slice(0, 6).map((x) => x!),
    grid1d(n, WG),
  );
};

/** dx = gamma·invStd/N · (N·dy − Σdy − x̂·Σdy·x̂), with x̂ = (x − mean)·invStd. */
const backwardDx: Shader = {
  key: 'batchNorm.backwardDx',
  code: `
const WG = ${WG}u;
struct P { n: u32, C: u32, N: f32, invN: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> invStd: array<f32>;
@group(0) @binding(5) var<storage, read> gamma: array<f32>;
@group(0) @binding(6) var<storage, read> sumDy: array<f32>;
@group(0) @binding(7) var<storage, read> sumDyXhat: array<f32>;
@group(0) @binding(8) var<storage, read_write> dx: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let c = i % p.C;
  let xhat = (x[i] - mean[c]) * invStd[c];
  dx[i] = gamma[c] * invStd[c] * p.invN * (p.N * dy[i] - sumDy[c] - xhat * sumDyXhat[c]);
}`,
};

export const batchNormBackward: GpuOp<OpAttrs['batchNormBackward']> = (e, b, at) => {
  const [x, dy, mean, invStd, gamma, dx, dgamma, dbeta] = [b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!];
  const { rows, channels: cols } = at;
  if (cols === 0) return;
  // the fresh sums feed dx; dgamma and dbeta may accumulate, so they get them afterwards
  const sumDy = e.scratch(cols);
  const sumDyXhat = e.scratch(cols);
  columnSum(e, 'plain', [dy], sumDy, { rows, cols });
  columnSum(e, 'dyxhat', [x, dy, mean, invStd], sumDyXhat, { rows, cols });
  const n = rows * cols;
  if (n > 0) {
    e.dispatch(
      backwardDx,
      { u32: [n, cols], f32: [rows, 1 / rows] },
      [x, dy, mean, invStd, gamma, sumDy, sumDyXhat, dx],
      grid1d(n, WG),
    );
  }
  const add = { op: 'copy', accumulate: at.accumulate === true, n: cols, last: cols } as const;
  elementwise(e, [sumDyXhat, dgamma], add);
  elementwise(e, [sumDy, dbeta], add);
};
