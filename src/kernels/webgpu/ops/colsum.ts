/**
 * Column sums of a row-major [rows, cols] matrix: out[j] (+)= scale · Σ_r f(r, j), the shape shared by sumRows and
 * the batch-norm statistics and gradients. No float atomics: the first pass sums chunks of rows into a scratch
 * [chunks, cols] (one invocation per chunk and column, adjacent columns on adjacent invocations so the loads
 * coalesce), the second sums each column's chunks: with one workgroup per column (a tree, so the float32 error
 * grows with log(chunks) rather than chunks) when they are many, else serially. A matrix of at most MIN_CHUNK rows
 * is one pass straight into out.
 */
import { type Binding, type Encoder, grid1d, LINEAR, type Shader } from '../encoder.js';

const WG = 256;
/** The second pass's workgroup: chunks ≤ MAX_CHUNKS, so each invocation adds at most 16 partial sums. */
const FINISH_WG = 64;
const MIN_CHUNK = 16;
const MAX_CHUNKS = 1024;
/** Up to this many chunks, one invocation per column adds them (a workgroup per column would mostly idle). */
const SERIAL_CHUNKS = 32;

/**
 * What is summed, per kind (the inputs are bound in this order, then the destination):
 *   plain     a[r, j]                              [a]
 *   weighted  w[r] · a[r, j]                       [a, w]   (w: one float per row)
 *   sqdev     (a[r, j] − m[j])²                    [a, m]
 *   dyxhat    b[r, j] · (a[r, j] − m[j]) · s[j]    [a, b, m, s]   (Σ dy·x̂ of the batch-norm backward)
 */
export type ColumnTerm = 'plain' | 'weighted' | 'sqdev' | 'dyxhat';

const TERMS: Record<ColumnTerm, { inputs: readonly string[]; expr: string }> = {
  plain: { inputs: ['a'], expr: 'a[k]' },
  weighted: { inputs: ['a', 'w'], expr: 'w[r] * a[k]' },
  sqdev: { inputs: ['a', 'm'], expr: 'sq(a[k] - m[j])' },
  dyxhat: { inputs: ['a', 'b', 'm', 's'], expr: 'b[k] * (a[k] - m[j]) * s[j]' },
};

const shaders = new Map<ColumnTerm, Shader>();
function chunkShader(term: ColumnTerm): Shader {
  let s = shaders.get(term);
  if (s !== undefined) return s;
  const { inputs, expr } = TERMS[term];
  const decls = inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<f32>;`);
  const code = `
const WG = ${WG}u;
struct P { rows: u32, cols: u32, per: u32, chunks: u32, acc: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: P;
${decls.join('\n')}
@group(0) @binding(${inputs.length + 1}) var<storage, read_write> dst: array<f32>;
${LINEAR}
fn sq(d: f32) -> f32 { return d * d; }
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  let chunk = i / max(p.cols, 1u);
  let j = i - chunk * p.cols;
  if (chunk >= p.chunks) { return; }
  let r0 = chunk * p.per;
  let r1 = min(p.rows, r0 + p.per);
  var sum = 0.0;
  for (var r = r0; r < r1; r++) {
    let k = r * p.cols + j;
    sum += ${expr};
  }
  let v = sum * p.scale;
  dst[i] = select(v, dst[i] + v, p.acc != 0u);
}`;
  s = { key: `colsum.${term}`, code };
  shaders.set(term, s);
  return s;
}

const finish: Shader = {
  key: 'colsum.finish',
  code: `
const WG = ${FINISH_WG}u;
struct P { chunks: u32, cols: u32, acc: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<workgroup> tree: array<f32, WG>;
@compute @workgroup_size(${FINISH_WG}) fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = wid.x + wid.y * nwg.x;
  var sum = 0.0;
  if (j < p.cols) {
    for (var k = t; k < p.chunks; k += WG) { sum += part[k * p.cols + j]; }
  }
  tree[t] = sum;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h >>= 1u) {
    if (t < h) { tree[t] += tree[t + h]; }
    workgroupBarrier();
  }
  if (t == 0u && j < p.cols) {
    let v = tree[0] * p.scale;
    out[j] = select(v, out[j] + v, p.acc != 0u);
  }
}`,
};

export interface ColumnSum {
  readonly rows: number;
  readonly cols: number;
  /** Multiplies the finished sum (1/rows for a mean); default 1. */
  readonly scale?: number;
  readonly accumulate?: boolean;
}

/** out[j] (+)= scale · Σ_r term(r, j); `inputs` as TERMS lists them for `term`. */
export function columnSum(
  e: Encoder,
  term: ColumnTerm,
  inputs: readonly Binding[],
  out: Binding,
  { rows, cols, scale = 1, accumulate = false }: ColumnSum,
): void {
  if (cols === 0) return;
  const per = Math.max(MIN_CHUNK, Math.ceil(rows / MAX_CHUNKS));
  const chunks = Math.max(1, Math.ceil(rows / per));
  const acc = accumulate ? 1 : 0;
  if (chunks === 1) {
    e.dispatch(chunkShader(term), { u32: [rows, cols, per, 1, acc], f32: [scale] }, [...inputs, out], grid1d(cols, WG));
    return;
  }
  const part = e.scratch(chunks * cols);
  e.dispatch(
    chunkShader(term),
    { u32: [rows, cols, per, chunks, 0], f32: [1] },
    [...inputs, part],
    grid1d(chunks * cols, WG),
  );
  if (chunks <= SERIAL_CHUNKS) {
    // the partials are a [chunks, cols] matrix of few rows: one pass of the plain sum finishes them
    const u32 = [chunks, cols, chunks, 1, acc];
    e.dispatch(chunkShader('plain'), { u32, f32: [scale] }, [part, out], grid1d(cols, WG));
  } else {
    e.dispatch(finish, { u32: [chunks, cols, acc], f32: [scale] }, [part, out], grid1d(cols, 1));
  }
}
