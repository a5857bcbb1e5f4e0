import { type Binding, type Encoder, grid1d, LINEAR, MAX_GROUPS, type Shader } from '../encoder.js';

/*
 * The tiled matrix-product core that gemm and the three convolution passes share: out[m, n] = Σ_k A(m, k)·B(k, n),
 * where each op says in WGSL how to read A and B (a plain matrix, or an image patch gathered on the fly: an implicit
 * GEMM) and how to store a result (alpha, accumulate, bias). A workgroup of 16×16 invocations computes one
 * BM×BN output tile (BM = 16·TM, BN = 16·TN); it walks K in BK-deep slices staged in workgroup memory, and each
 * invocation keeps a TM×TN block of sums in registers. The rows of an invocation are strided by 64 (four at a
 * time, vec4) so neighbouring invocations read neighbouring workgroup words.
 *
 * When the tiles alone cannot fill the device and K is long (a filter gradient sums over every output position),
 * K is split across workgroups (grid z): each writes its partial tile to scratch, and a second pass adds the
 * partials and stores them. No float atomics, and the result does not depend on scheduling.
 */

/** One buffer of an op, in the order the op passes them: read by the loaders, or touched by the store. */
export interface GemmBuffer {
  readonly name: string;
  readonly use: 'load' | 'store';
  readonly write?: boolean;
}

/** What makes an op's implicit GEMM: WGSL bodies of its loaders and store, and its own uniform fields. */
export interface GemmSpec {
  /** Distinguishes the generated code: every flag that changes a body belongs in it. */
  readonly key: string;
  readonly buffers: readonly GemmBuffer[];
  /** The op's uniform fields (after the core's M, N, K, kChunk, tilesN, splits). */
  readonly u32: readonly string[];
  readonly f32: readonly string[];
  /** Body of `fn loadA(m: u32, k: u32) -> f32`, called with m < M and k < K. */
  readonly loadA: string;
  /** Which index of A is contiguous in memory: it varies fastest across invocations when a tile is loaded. */
  readonly aFast: 'm' | 'k';
  /** Body of `fn loadB(k: u32, n: u32) -> f32`, called with k < K and n < N. */
  readonly loadB: string;
  readonly bFast: 'k' | 'n';
  /** Body of `fn store(m: u32, n: u32, v: f32)`, called once per output with the full sum v. */
  readonly store: string;
}

/** A register block and slice depth; the workgroup is always 16×16 invocations. */
export interface Tiling {
  readonly tm: 4 | 8;
  readonly tn: 4 | 8;
}

/** Tests force each tiling and K split on small shapes; null: chosen from the shape. */
export const forcedTiling: { tiling: Tiling | null; splits: number | null } = { tiling: null, splits: null };

/** Workgroups that keep a large GPU busy (two waves of ~132 multiprocessors). */
const BUSY = 264;
/** The shortest K range worth a workgroup of its own when K is split. */
const MIN_CHUNK = 256;
/** Partial tiles of a split K live in scratch: at most this many floats. */
const MAX_PARTIALS = 1 << 24;
const RWG = 256;

const bk = (t: Tiling): number => (t.tm === 4 && t.tn === 4 ? 16 : 8);
const tilesOf = (t: Tiling, M: number, N: number): number => Math.ceil(M / (16 * t.tm)) * Math.ceil(N / (16 * t.tn));

function chooseTiling(M: number, N: number): Tiling {
  if (forcedTiling.tiling !== null) return forcedTiling.tiling;
  let t: Tiling = { tm: M > 64 ? 8 : 4, tn: N > 64 ? 8 : 4 };
  // smaller blocks when the big ones leave the device idle
  if (tilesOf(t, M, N) < BUSY && t.tm === 8) t = { ...t, tm: 4 };
  if (tilesOf(t, M, N) < BUSY && t.tn === 8) t = { ...t, tn: 4 };
  return t;
}

function chooseSplits(tiles: number, M: number, N: number, K: number): number {
  if (forcedTiling.splits !== null) return Math.max(1, Math.min(forcedTiling.splits, Math.max(1, K)));
  if (tiles >= BUSY || K < 2 * MIN_CHUNK) return 1;
  const byWork = Math.min(Math.ceil(BUSY / tiles), Math.floor(K / MIN_CHUNK));
  const byScratch = Math.floor(MAX_PARTIALS / Math.max(1, M * N));
  return Math.max(1, Math.min(byWork, byScratch));
}

type Mode = 'fused' | 'partial' | 'reduce';

function uniformStruct(spec: GemmSpec): string {
  const fields = [
    ...['M', 'N', 'K', 'kChunk', 'tilesN', 'splits'].map((f) => `${f}: u32`),
    ...spec.u32.map((f) => `${f}: u32`),
    ...spec.f32.map((f) => `${f}: f32`),
  ];
  return `struct P { ${fields.join(', ')} }\n@group(0) @binding(0) var<uniform> p: P;`;
}

/** Binding declarations for the buffers a mode touches, numbered in the order the dispatch passes them. */
function declarations(spec: GemmSpec, mode: Mode): string {
  const list: { name: string; write: boolean }[] = [];
  if (mode === 'reduce') list.push({ name: 'part', write: false });
  for (const b of spec.buffers) {
    if ((mode === 'partial' && b.use === 'store') || (mode === 'reduce' && b.use === 'load')) continue;
    list.push({ name: b.name, write: b.write === true });
  }
  if (mode === 'partial') list.push({ name: 'part', write: true });
  return list
    .map(
      (b, i) => `@group(0) @binding(${i + 1}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<f32>;`,
    )
    .join('\n');
}

/** The code that fills one operand's workgroup tile ([BK][rows] as vec4 columns) for the slice at k0. */
function tileLoad(operand: 'A' | 'B', rows: number, depth: number, kFast: boolean): string {
  const per = (rows * depth) / 256;
  const lines: string[] = [];
  const [bound, load] = operand === 'A' ? ['p.M', 'loadA(g, gk)'] : ['p.N', 'loadB(gk, g)'];
  const base = operand === 'A' ? 'm0' : 'n0';
  for (let l = 0; l < per; l++) {
    const idx = `tid + ${l * 256}u`;
    const [r, kk] = kFast
      ? [`(${idx}) / ${depth}u`, `(${idx}) % ${depth}u`]
      : [`(${idx}) % ${rows}u`, `(${idx}) / ${rows}u`];
    lines.push(`{
      let r = ${r}; let kk = ${kk}; let g = ${base} + r; let gk = k0 + kk;
      var v = 0.0;
      if (g < ${bound} && gk < kEnd) { v = ${load}; }
      T${operand}[kk * ${rows / 4}u + r / 4u][r % 4u] = v;
    }`);
  }
  return lines.join('\n');
}

function gemmShader(spec: GemmSpec, t: Tiling, mode: 'fused' | 'partial'): string {
  const BM = 16 * t.tm;
  const BN = 16 * t.tn;
  const BK = bk(t);
  const ra = t.tm / 4; // vec4 row groups per invocation
  const cb = t.tn / 4; // vec4 column groups per invocation
  const acc = (i: number, r: number, j: number): string => `c${i}_${r}_${j}`;
  const decl: string[] = [];
  const fma: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < ra; i++) {
    decl.push(`let a${i} = TA[kk * ${BM / 4}u + ${i * 16}u + ty];`);
  }
  for (let j = 0; j < cb; j++) decl.push(`let b${j} = TB[kk * ${BN / 4}u + ${j * 16}u + tx];`);
  for (let i = 0; i < ra; i++) {
    for (let r = 0; r < 4; r++) {
      for (let j = 0; j < cb; j++) fma.push(`${acc(i, r, j)} = fma(vec4f(a${i}[${r}]), b${j}, ${acc(i, r, j)});`);
    }
  }
  const vars: string[] = [];
  for (let i = 0; i < ra; i++) {
    for (let r = 0; r < 4; r++) {
      for (let j = 0; j < cb; j++) vars.push(`var ${acc(i, r, j)} = vec4f(0.0);`);
      out.push(`{
    let gm = m0 + ${i * 64 + r}u + ty * 4u;
    if (gm < p.M) {
${Array.from({ length: cb }, (_, j) =>
  [0, 1, 2, 3]
    .map(
      (c) => `      { let gn = n0 + ${j * 64 + c}u + tx * 4u; if (gn < p.N) { put(gm, gn, ${acc(i, r, j)}[${c}]); } }`,
    )
    .join('\n'),
).join('\n')}
    }
  }`);
    }
  }
  const put =
    mode === 'fused'
      ? 'fn put(m: u32, n: u32, v: f32) { store(m, n, v); }'
      : 'fn put(m: u32, n: u32, v: f32) { part[(wz * p.M + m) * p.N + n] = v; }';
  return `
${uniformStruct(spec)}
${declarations(spec, mode)}
fn loadA(m: u32, k: u32) -> f32 { ${spec.loadA} }
fn loadB(k: u32, n: u32) -> f32 { ${spec.loadB} }
${mode === 'fused' ? `fn store(m: u32, n: u32, v: f32) { ${spec.store} }` : ''}
var<private> wz: u32;
${put}
var<workgroup> TA: array<vec4f, ${(BK * BM) / 4}>;
var<workgroup> TB: array<vec4f, ${(BK * BN) / 4}>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let tile = wid.x + wid.y * nwg.x;
  let tilesM = (p.M + ${BM - 1}u) / ${BM}u;
  if (tile >= tilesM * p.tilesN) { return; }
  wz = wid.z;
  let m0 = (tile / p.tilesN) * ${BM}u;
  let n0 = (tile % p.tilesN) * ${BN}u;
  let kBegin = wid.z * p.kChunk;
  let kEnd = min(p.K, kBegin + p.kChunk);
  let tx = tid % 16u;
  let ty = tid / 16u;
  ${vars.join('\n  ')}
  for (var k0 = kBegin; k0 < kEnd; k0 += ${BK}u) {
    ${tileLoad('A', BM, BK, spec.aFast === 'k')}
    ${tileLoad('B', BN, BK, spec.bFast === 'k')}
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
      ${decl.join('\n      ')}
      ${fma.join('\n      ')}
    }
    workgroupBarrier();
  }
  ${out.join('\n  ')}
}`;
}

function reduceShader(spec: GemmSpec): string {
  return `
const WG = ${RWG}u;
${uniformStruct(spec)}
${declarations(spec, 'reduce')}
fn store(m: u32, n: u32, v: f32) { ${spec.store} }
${LINEAR}
@compute @workgroup_size(${RWG}) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  let mn = p.M * p.N;
  if (i >= mn) { return; }
  var v = 0.0;
  for (var s = 0u; s < p.splits; s++) { v += part[s * mn + i]; }
  store(i / p.N, i % p.N, v);
}`;
}

const shaders = new Map<string, Shader>();
function cached(key: string, make: () => string): Shader {
  let s = shaders.get(key);
  if (s === undefined) {
    s = { key, code: make() };
    shaders.set(key, s);
  }
  return s;
}

/**
 * Encodes out = A·B for an M×N×K product described by `spec`; `buffers` are the op's bindings in spec.buffers'
 * order, `u32`/`f32` its uniform values in spec's field order.
 */
export function tiledGemm(
  e: Encoder,
  spec: GemmSpec,
  size: { readonly M: number; readonly N: number; readonly K: number },
  values: { readonly u32?: readonly number[]; readonly f32?: readonly number[] },
  buffers: readonly Binding[],
): void {
  const { M, N, K } = size;
  if (M === 0 || N === 0) return;
  const t = chooseTiling(M, N);
  const tilesN = Math.ceil(N / (16 * t.tn));
  const tiles = Math.ceil(M / (16 * t.tm)) * tilesN;
  let splits = chooseSplits(tiles, M, N, K);
  const kChunk = Math.max(1, Math.ceil(K / splits / bk(t)) * bk(t));
  splits = Math.max(1, Math.ceil(K / kChunk));
  const [gx, gy] = grid1d(tiles, 1);
  if (gy > MAX_GROUPS || splits > MAX_GROUPS) throw new Error(`webgpu: a ${M}×${N}×${K} product is too large`);
  const params = { u32: [M, N, K, kChunk, tilesN, splits, ...(values.u32 ?? [])], f32: values.f32 ?? [] };
  const key = `gemm.${spec.key}.${t.tm}x${t.tn}`;
  if (splits === 1) {
    e.dispatch(
      cached(`${key}.fused`, () => gemmShader(spec, t, 'fused')),
      params,
      buffers,
      [gx, gy, 1],
    );
    return;
  }
  const part = e.scratch(splits * M * N);
  const loads = buffers.filter((_, i) => spec.buffers[i]!.use === 'load');
  const stores = buffers.filter((_, i) => spec.buffers[i]!.use === 'store');
  e.dispatch(
    cached(`${key}.partial`, () => gemmShader(spec, t, 'partial')),
    params,
    [...loads, part],
    [gx, gy, splits],
  );
  e.dispatch(
    cached(`gemm.${spec.key}.reduce`, () => reduceShader(spec)),
    params,
    [part, ...stores],
    grid1d(M * N, RWG),
  );
}
