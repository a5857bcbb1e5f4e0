/**
 * Average pooling on channels-last images, as reference/pool.ts: padding counts as zeros and every window divides
 * by kH·kW. One invocation per output element forward; backward, one invocation per input element gathers the
 * windows that contain it, so dx is overwritten without atomics.
 */
import { type GpuOp, grid1d, LINEAR, type Shader } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

const WG = 256;
const GEOMETRY = `struct P {
  batch: u32, inH: u32, inW: u32, C: u32, kH: u32, kW: u32,
  strideH: u32, strideW: u32, padH: u32, padW: u32, outH: u32, outW: u32, n: u32,
  inv: f32,
}`;

const forward: Shader = {
  key: 'avgPool.forward',
  code: `
const WG = ${WG}u;
${GEOMETRY}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let c = i % p.C;
  let pix = i / p.C;
  let ow = pix % p.outW;
  let oh = (pix / p.outW) % p.outH;
  let b = pix / (p.outW * p.outH);
  // window origin in padded coordinates; the rows/columns before padH/padW are the zeros of the padding
  let h0 = oh * p.strideH;
  let w0 = ow * p.strideW;
  var sum = 0.0;
  for (var kh = 0u; kh < p.kH; kh++) {
    let hp = h0 + kh;
    if (hp < p.padH || hp - p.padH >= p.inH) { continue; }
    let row = (b * p.inH + hp - p.padH) * p.inW;
    for (var kw = 0u; kw < p.kW; kw++) {
      let wp = w0 + kw;
      if (wp < p.padW || wp - p.padW >= p.inW) { continue; }
      sum += x[(row + wp - p.padW) * p.C + c];
    }
  }
  y[i] = sum * p.inv;
}`,
};

const backward: Shader = {
  key: 'avgPool.backward',
  code: `
const WG = ${WG}u;
${GEOMETRY}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let c = i % p.C;
  let pix = i / p.C;
  let iw = pix % p.inW;
  let ih = (pix / p.inW) % p.inH;
  let b = pix / (p.inW * p.inH);
  // the windows oh with oh·strideH ≤ ih + padH < oh·strideH + kH (likewise for w)
  let hp = ih + p.padH;
  let wp = iw + p.padW;
  let ohLo = select(0u, (hp + 1u - p.kH + p.strideH - 1u) / p.strideH, hp + 1u > p.kH);
  let ohHi = min(hp / p.strideH + 1u, p.outH);
  let owLo = select(0u, (wp + 1u - p.kW + p.strideW - 1u) / p.strideW, wp + 1u > p.kW);
  let owHi = min(wp / p.strideW + 1u, p.outW);
  var sum = 0.0;
  for (var oh = ohLo; oh < ohHi; oh++) {
    let row = (b * p.outH + oh) * p.outW;
    for (var ow = owLo; ow < owHi; ow++) { sum += dy[(row + ow) * p.C + c]; }
  }
  dx[i] = sum * p.inv;
}`,
};

export const avgPool2dForward: GpuOp<OpAttrs['avgPool2dForward']> = (e, b, g) => {
  const n = g.batch * g.outH * g.outW * g.inC;
  if (n === 0) return;
  e.dispatch(forward, params(g, n), [b[0]!, b[1]!], grid1d(n, WG));
};

export const avgPool2dBackward: GpuOp<OpAttrs['avgPool2dBackward']> = (e, b, g) => {
  const n = g.batch * g.inH * g.inW * g.inC;
  if (n === 0) return;
  e.dispatch(backward, params(g, n), [b[0]!, b[1]!], grid1d(n, WG));
};

function params(g: OpAttrs['avgPool2dForward'], n: number) {
  return {
    u32: [g.batch, g.inH, g.inW, g.inC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW, n],
    f32: [1 / (g.kH * g.kW)],
  };
}
