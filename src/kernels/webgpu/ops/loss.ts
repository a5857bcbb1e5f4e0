/**
 * Softmax cross-entropy over logits[rows, classes], as reference/loss.ts: each row is shifted by its maximum
 * before exp, loss_r = log Σ_j exp(z_j − max) − (z_label − max), grad = (softmax − onehot)/rows. One invocation
 * per row (classes are few); invocation t adds the losses of rows t, t + S, t + 2S … (S ≤ 65536 invocations) and
 * writes them as one partial sum, so for up to 65536 rows every row's loss reaches the caller's float64 sum alone.
 * The caller divides by rows. A row holding NaN has a NaN loss and NaN gradients, as in the reference (the test is
 * on the bits, since a compiler may assume NaN away in max() and arithmetic).
 */
import { checkLabels } from '../../labels.js';
import { type GpuOp, grid1d, LINEAR, type Shader } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

const WG = 64;
const MAX_PARTIALS = 65536;

const softmax: Shader = {
  key: 'loss.softmaxCrossEntropy',
  code: `
const WG = ${WG}u;
struct P { rows: u32, classes: u32, lanes: u32, nanBits: u32, invRows: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>;
${LINEAR}
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = linear(gid, nwg);
  if (t >= p.lanes) { return; }
  // a quiet NaN from the uniform: a NaN constant would not compile, and one the compiler sees it may fold away
  let nan = bitcast<f32>(p.nanBits);
  var total = 0.0;
  var anyNan = false;
  for (var r = t; r < p.rows; r += p.lanes) {
    let base = r * p.classes;
    var top = logits[base];
    var hasNan = false;
    for (var j = 0u; j < p.classes; j++) {
      let z = logits[base + j];
      hasNan = hasNan || isNan(z);
      top = max(top, z);
    }
    var sum = 0.0;
    for (var j = 0u; j < p.classes; j++) { sum += exp(logits[base + j] - top); }
    let label = u32(labels[r]);
    if (hasNan) {
      anyNan = true;
      for (var j = 0u; j < p.classes; j++) { grad[base + j] = nan; }
      continue;
    }
    total += log(sum) - (logits[base + label] - top);
    for (var j = 0u; j < p.classes; j++) {
      let prob = exp(logits[base + j] - top) / sum;
      grad[base + j] = (prob - select(0.0, 1.0, j == label)) * p.invRows;
    }
  }
  part[t] = select(total, nan, anyNan);
}`,
};

export const softmaxCrossEntropy: GpuOp<OpAttrs['softmaxCrossEntropy']> = (e, b, at) => {
  const { rows, classes, labels } = at;
  checkLabels(labels, rows, classes); // the calling thread checks first, so its error keeps its code
  const lanes = Math.max(1, Math.min(rows, MAX_PARTIALS));
  const part = e.scratch(lanes);
  if (rows === 0 || classes === 0) {
    e.clear(part);
  } else {
    e.dispatch(
      softmax,
      { u32: [rows, classes, lanes, 0x7fc00000], f32: [1 / rows] },
      [b[0]!, b[1]!, e.constants(labels), part],
      grid1d(lanes, WG),
    );
  }
  return { ...part, size: lanes * 4 };
};
