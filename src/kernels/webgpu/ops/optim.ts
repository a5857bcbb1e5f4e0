/**
 * The optimiser steps of reference/optim.ts (torch.optim.SGD and Adam), one invocation per parameter. The
 * step-dependent constants (Adam's bias corrections) are computed here in float64 and rounded once on upload.
 */
import { type GpuOp, grid1d, LINEAR, type Shader } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

const WG = 256;

/** Without momentum the buffer is neither bound nor touched. */
const sgdPlain: Shader = {
  key: 'optim.sgd',
  code: `
const WG = ${WG}u;
struct P { n: u32, lr: f32, weightDecay: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let d = grad[i] + p.weightDecay * param[i];
  param[i] = param[i] - p.lr * d;
}`,
};

const sgdMomentum: Shader = {
  key: 'optim.sgdMomentum',
  code: `
const WG = ${WG}u;
struct P { n: u32, nesterov: u32, firstStep: u32, lr: f32, weightDecay: f32, momentum: f32, keep: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let d = grad[i] + p.weightDecay * param[i];
  var b = d;
  if (p.firstStep == 0u) { b = p.momentum * buf[i] + p.keep * d; }
  buf[i] = b;
  let step = select(b, d + p.momentum * b, p.nesterov != 0u);
  param[i] = param[i] - p.lr * step;
}`,
};

export const sgdStep: GpuOp<OpAttrs['sgdStep']> = (e, b, a) => {
  if (a.n === 0) return;
  if (a.momentum === 0) {
    e.dispatch(sgdPlain, { u32: [a.n], f32: [a.lr, a.weightDecay] }, [b[0]!, b[1]!], grid1d(a.n, WG));
    return;
  }
  e.dispatch(
    sgdMomentum,
    {
      u32: [a.n, a.nesterov ? 1 : 0, a.firstStep ? 1 : 0],
      f32: [a.lr, a.weightDecay, a.momentum, 1 - a.dampening],
    },
    [b[0]!, b[1]!, b[2]!],
    grid1d(a.n, WG),
  );
};

/** p −= stepSize · m / (√v / √(1 − β2^step) + eps), stepSize = lr/(1 − β1^step); the moments as stored. */
const adam: Shader = {
  key: 'optim.adam',
  code: `
const WG = ${WG}u;
struct P { n: u32, beta1: f32, keep1: f32, beta2: f32, keep2: f32, eps: f32, weightDecay: f32, stepSize: f32, sqrtBc2: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let g = grad[i] + p.weightDecay * param[i];
  let mi = p.beta1 * m[i] + p.keep1 * g;
  let vi = p.beta2 * v[i] + p.keep2 * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = param[i] - p.stepSize * mi / (sqrt(vi) / p.sqrtBc2 + p.eps);
}`,
};

export const adamStep: GpuOp<OpAttrs['adamStep']> = (e, b, a) => {
  if (a.n === 0) return;
  e.dispatch(
    adam,
    {
      u32: [a.n],
      f32: [
        a.beta1,
        1 - a.beta1,
        a.beta2,
        1 - a.beta2,
        a.eps,
        a.weightDecay,
        a.lr / (1 - a.beta1 ** a.step),
        Math.sqrt(1 - a.beta2 ** a.step),
      ],
    },
    [b[0]!, b[1]!, b[2]!, b[3]!],
    grid1d(a.n, WG),
  );
};
