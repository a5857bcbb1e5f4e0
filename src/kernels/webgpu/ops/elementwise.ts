import { type Binding, type GpuOp, grid1d, LINEAR, type Shader } from '../encoder.js';
import type { OpAttrs } from './attrs.js';

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
};
const ARITY = { fill: 0, copy: 1, scale: 1, clamp: 1, add: 2, mul: 2 } as const;

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

export const packSpikes: GpuOp<OpAttrs['packSpikes']> = () => {
  throw new Error('webgpu: packSpikes is not written yet');
};
export const unpackSpikes: GpuOp<OpAttrs['unpackSpikes']> = () => {
  throw new Error('webgpu: unpackSpikes is not written yet');
};
export const reduce: GpuOp<OpAttrs['reduce']> = () => {
  throw new Error('webgpu: reduce is not written yet');
};
export const sumRows: GpuOp<OpAttrs['sumRows']> = () => {
  throw new Error('webgpu: sumRows is not written yet');
};
