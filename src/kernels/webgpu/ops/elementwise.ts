import { type Binding, type GpuOp, grid1d, LINEAR, type Shader } from '../encoder.js';
import type { OpAttrs } from './attrs.js';
import { columnSum } from './colsum.js';

const WG = 256;

/*
 * elementwise: one shader per op and arity. The maps read element i before writing it, and the executor hands an
 * aliased input over as a copy, so out may be one of the inputs. The last input repeats (index i mod `last`).
 * Sums and products round once in float32, as the reference rounds its float64 result once.
 */
const EXPR: Record<OpAttrs['elementwise']['op'], string> = {
  fill: 'p.value',
  copy: 'b[j]',
  scale: 'p.value * b[j]',
  clamp: 'min(max(b[j], p.lo), p.hi)',
  add: 'a[i] + b[j]',
  mul: 'a[i] * b[j]',
  // b holds one factor per row of out (p.last rows of p.n / p.last elements), not a repeating row
  scaleRows: 'b[i / (p.n / p.last)] * a[i]',
};
const ARITY = { fill: 0, copy: 1, scale: 1, clamp: 1, add: 2, mul: 2, scaleRows: 2 } as const;

const shaders = new Map<string, Shader>();
function elementwiseShader(op: OpAttrs['elementwise']['op'], accumulate: boolean): Shader {
  const key = `elementwise.${op}.${accumulate ? 'acc' : 'set'}`;
  let s = shaders.get(key);
  if (s !== undefined) return s;
  const arity = ARITY[op];
  const decls = [
    arity === 2 ? '@group(0) @binding(1) var<storage, read> a: array<f32>;' : '',
    arity >= 1 ? `@group(0) @binding(${arity}) var<storage, read> b: array<f32>;` : '',
    `@group(0) @binding(${arity + 1}) var<storage, read_write> out: array<f32>;`,
  ].join('\n');
  const code = `
const WG = ${WG}u;
struct P { n: u32, last: u32, value: f32, lo: f32, hi: f32 }
@group(0) @binding(0) var<uniform> p: P;
${decls}
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let j = i % max(p.last, 1u);
  _ = j;
  let v = ${EXPR[op]};
  out[i] = ${accumulate ? 'out[i] + v' : 'v'};
}`;
  s = { key, code };
  shaders.set(key, s);
  return s;
}

export const elementwise: GpuOp<OpAttrs['elementwise']> = (e, b, at) => {
  if (at.n === 0) return;
  const buffers = b.filter((x): x is Binding => x !== null);
  const value = at.op === 'fill' ? at.value : at.op === 'scale' ? at.alpha : 0;
  const lo = at.op === 'clamp' ? at.lo : 0;
  const hi = at.op === 'clamp' ? at.hi : 0;
  e.dispatch(
    elementwiseShader(at.op, at.accumulate === true),
    { u32: [at.n, at.last], f32: [value, lo, hi] },
    buffers,
    grid1d(at.n, WG),
  );
};

/** transpose: one invocation per element of y, y[c·rows + r] = x[r·cols + c] (a copy, so exact). */
const transposeShader: Shader = {
  key: 'layout.transpose',
  code: `
const WG = ${WG}u;
struct P { rows: u32, cols: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  let c = i / p.rows;
  let r = i - c * p.rows;
  y[i] = x[r * p.cols + c];
}`,
};

export const transpose: GpuOp<OpAttrs['transpose']> = (e, b, at) => {
  const n = at.rows * at.cols;
  if (n === 0) return;
  e.dispatch(transposeShader, { u32: [at.rows, at.cols, n] }, [b[0]!, b[1]!], grid1d(n, WG));
};

/*
 * Spike bits: bit i of the vector is bit (i mod 32) of word ⌊i/32⌋ (reference/bits.ts), the words living in a
 * float buffer's bytes, so the shaders bind it as array<u32>. A value is a spike when it is not ±0; the test is on
 * the bits so that NaN counts as set, as in the reference, even where a compiler assumes NaN away. Packing reads
 * one value per invocation (adjacent invocations, adjacent floats) and gathers a workgroup's WG/32 words with
 * integer atomics in workgroup memory.
 */
const pack: Shader = {
  key: 'bits.pack',
  code: `
const WG = ${WG}u;
struct P { n: u32, words: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> bits: array<u32>;
var<workgroup> gathered: array<atomic<u32>, WG / 32u>;
@compute @workgroup_size(${WG}) fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let group = wid.x + wid.y * nwg.x;
  let i = group * WG + t;
  if (t < WG / 32u) { atomicStore(&gathered[t], 0u); }
  workgroupBarrier();
  if (i < p.n && (bitcast<u32>(x[i]) & 0x7fffffffu) != 0u) { atomicOr(&gathered[t >> 5u], 1u << (t & 31u)); }
  workgroupBarrier();
  let w = group * (WG / 32u) + t;
  if (t < WG / 32u && w < p.words) { bits[w] = atomicLoad(&gathered[t]); }
}`,
};

const unpack: Shader = {
  key: 'bits.unpack',
  code: `
const WG = ${WG}u;
struct P { n: u32, magnitude: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> bits: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${LINEAR}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  y[i] = select(0.0, p.magnitude, ((bits[i >> 5u] >> (i & 31u)) & 1u) != 0u);
}`,
};

export const packSpikes: GpuOp<OpAttrs['packSpikes']> = (e, b, at) => {
  const words = Math.ceil(at.n / 32);
  if (words === 0) return;
  e.dispatch(pack, { u32: [at.n, words] }, [b[0]!, b[1]!], grid1d(at.n, WG));
};

export const unpackSpikes: GpuOp<OpAttrs['unpackSpikes']> = (e, b, at) => {
  if (at.n === 0) return;
  e.dispatch(unpack, { u32: [at.n], f32: [at.magnitude] }, [b[0]!, b[1]!], grid1d(at.n, WG));
};

/*
 * reduce: every invocation strides over x, then each workgroup adds its invocations' results in a tree and writes
 * one partial result; the caller adds the partials in float64. Sums are carried as float32 pairs (hi, lo) whose
 * float64 sum is the compensated total (Knuth's two-sum: each addition's rounding error goes into lo), so the
 * answer is close to the reference's float64 sum rather than to a float32 one; each workgroup writes hi and lo as
 * two partials. Counts stay exact in their float32 partial: a workgroup counts at most n/4096 entries, far below
 * the 2^24 up to which float32 holds every integer.
 */
const REDUCE_GROUPS = 4096; // ≤ 65535 groups in one dimension; 2 partials each stays ≤ 65536 floats

// p.one is 1.0 from the uniform: multiplying by it is exact, and a value the compiler cannot see stops it from
// simplifying (a + b) − a to b (which Mesa does, and any reassociating compiler may), which would drop lo.
const TWO_SUM = `
fn twoSum(a: f32, b: f32) -> vec2f {
  let s = (a + b) * p.one;
  let bb = (s - a) * p.one;
  return vec2f(s, (a - (s - bb)) + (b - bb));
}
// (hi, lo) + (hi, lo), renormalised so that |lo| ≤ half an ulp of hi; an infinite or NaN hi is the answer (its
// rounding error would be NaN)
fn add2(x: vec2f, y: vec2f) -> vec2f {
  let s = twoSum(x.x, y.x);
  if ((bitcast<u32>(s.x) & 0x7f800000u) == 0x7f800000u) { return vec2f(s.x, 0.0); }
  let lo = s.y + (x.y + y.y);
  let hi = (s.x + lo) * p.one;
  return vec2f(hi, lo - (hi - s.x));
}`;

const reduceSum: Shader = {
  key: 'reduce.sum',
  code: `
const WG = ${WG}u;
struct P { n: u32, stride: u32, one: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
var<workgroup> tree: array<vec2f, WG>;
${TWO_SUM}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  var acc = vec2f(0.0);
  for (var i = gid.x; i < p.n; i += p.stride) { acc = add2(acc, vec2f(x[i], 0.0)); }
  tree[t] = acc;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h >>= 1u) {
    if (t < h) { tree[t] = add2(tree[t], tree[t + h]); }
    workgroupBarrier();
  }
  if (t == 0u) {
    part[2u * wid.x] = tree[0].x;
    part[2u * wid.x + 1u] = tree[0].y;
  }
}`,
};

const reduceCount: Shader = {
  key: 'reduce.countNonzero',
  code: `
const WG = ${WG}u;
struct P { n: u32, stride: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
var<workgroup> tree: array<u32, WG>;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  var count = 0u;
  for (var i = gid.x; i < p.n; i += p.stride) {
    // on the bits: NaN is not zero, and ±0 is
    count += select(0u, 1u, (bitcast<u32>(x[i]) & 0x7fffffffu) != 0u);
  }
  tree[t] = count;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h >>= 1u) {
    if (t < h) { tree[t] += tree[t + h]; }
    workgroupBarrier();
  }
  if (t == 0u) { part[wid.x] = f32(tree[0]); }
}`,
};

export const reduce: GpuOp<OpAttrs['reduce']> = (e, b, at) => {
  const groups = Math.min(REDUCE_GROUPS, Math.max(1, Math.ceil(at.n / WG)));
  const sum = at.op === 'sum';
  const floatsOut = sum ? 2 * groups : groups;
  const part = e.scratch(floatsOut);
  const params = { u32: [at.n, groups * WG], f32: sum ? [1] : [] };
  e.dispatch(sum ? reduceSum : reduceCount, params, [b[0]!, part], [groups]);
  return { ...part, size: floatsOut * 4 };
};

/** out[j] (+)= Σ_r w[r]·x[r, j]: column sums (colsum.ts); the weights are rounded to float32 once, on upload. */
export const sumRows: GpuOp<OpAttrs['sumRows']> = (e, b, at) => {
  const { rows, cols, weights } = at;
  const shape = { rows, cols, accumulate: at.accumulate === true };
  if (weights === undefined) columnSum(e, 'plain', [b[0]!], b[1]!, shape);
  else columnSum(e, 'weighted', [b[0]!, e.constants(Float32Array.from(weights))], b[1]!, shape);
};
