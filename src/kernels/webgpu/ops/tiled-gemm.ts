import { type Binding, type Encoder, grid1d, LINEAR, MAX_GROUPS, type Shader } from '../encoder.js';

/*
 * The tiled matrix-product core that gemm and the three convolution passes share: out[m, n] = Σ_k A(m, k)·B(k, n),
 * where each op says in WGSL how to read A and B (a plain matrix, or an image patch gathered on the fly: an implicit
 * GEMM) and how to store a result (alpha, accumulate, bias). A workgroup of 16×16 invocations computes one
 * BM×BN output tile (BM = 16·TM, BN = 16·TN); it walks K in BK-deep slices staged in workgroup memory, and each
 * invocation keeps a TM×TN block of sums in registers. The rows of an invocation are strided by 64 (four at a
 * time, vec4) so neighbouring invocations read neighbouring workgroup words. Each invocation fetches its share of
 * the next slice into registers while the current one is multiplied, and results leave through workgroup memory
 * so that stores are coalesced. Flags (transposes, accumulate, bias) are uniforms, not shader variants: one
 * shader per op and tiling keeps compile time down (lavapipe needs about a second per shader).
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
  /** Holds u32 (an index table) rather than f32. */
  readonly u32?: boolean;
}

/** What makes an op's implicit GEMM: WGSL bodies of its loaders and store, and its own uniform fields. */
export interface GemmSpec {
  /** Names the generated code; one shader per spec and tiling, so flags are uniforms, not variants. */
  readonly key: string;
  readonly buffers: readonly GemmBuffer[];
  /** The op's uniform fields (after the core's M, N, K, kChunk, tilesN, splits, aK, bK). */
  readonly u32: readonly string[];
  readonly f32: readonly string[];
  /** Body of `fn loadA(m: u32, k: u32) -> f32`, called with m < M and k < K. */
  readonly loadA: string;
  /** Body of `fn loadB(k: u32, n: u32) -> f32`, called with k < K and n < N. */
  readonly loadB: string;
  /** Body of `fn store(m: u32, n: u32, v: f32)`, called once per output with the full sum v. */
  readonly store: string;
}

/** The sizes of one product, and which index of each operand is contiguous in memory. */
export interface Product {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly aFast: 'm' | 'k';
  readonly bFast: 'k' | 'n';
}

/** A register block; the workgroup is always 16×16 invocations. */
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
/**
 * K slice depth. Deeper slices halve the barriers but double the unrolled inner loop, which is what makes lavapipe
 * (the software adapter the tests run on) slow to compile.
 */
const BK = 8;

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
    ...['M', 'N', 'K', 'kChunk', 'tilesN', 'splits', 'aK', 'bK'].map((f) => `${f}: u32`),
    ...spec.u32.map((f) => `${f}: u32`),
    ...spec.f32.map((f) => `${f}: f32`),
  ];
  return `struct P { ${fields.join(', ')} }\n@group(0) @binding(0) var<uniform> p: P;`;
}

/** Binding declarations for the buffers a mode touches, numbered in the order the dispatch passes them. */
function declarations(spec: GemmSpec, mode: Mode): string {
  const list: GemmBuffer[] = [];
  if (mode === 'reduce') list.push({ name: 'part', use: 'load' });
  for (const b of spec.buffers) {
    if ((mode === 'partial' && b.use === 'store') || (mode === 'reduce' && b.use === 'load')) continue;
    list.push(b);
  }
  if (mode === 'partial') list.push({ name: 'part', use: 'store', write: true });
  return list
    .map(
      (b, i) =>
        `@group(0) @binding(${i + 1}) var<storage, ${b.write === true ? 'read_write' : 'read'}> ${b.name}: ` +
        `array<${b.u32 === true ? 'u32' : 'f32'}>;`,
    )
    .join('\n');
}

/**
 * Where invocation tid stages the l-th element of an operand's slice: (r, kk) within the BK×rows tile. Invocations
 * walk the operand's contiguous index fastest (p.aK / p.bK: whether that is k), so a warp reads neighbouring words.
 */
function slot(rows: number, l: number, kFast: string): [string, string] {
  const i = `(tid + ${l * 256}u)`;
  return [
    `select(${i} % ${rows}u, ${i} / ${BK}u, ${kFast} != 0u)`,
    `select(${i} / ${rows}u, ${i} % ${BK}u, ${kFast} != 0u)`,
  ];
}

function gemmShader(spec: GemmSpec, t: Tiling, mode: 'fused' | 'partial'): string {
  const BM = 16 * t.tm;
  const BN = 16 * t.tn;
  // Workgroup memory T holds the A slice ([BK][BM]) then the B slice ([BK][BN]) as vec4 columns; a row is one vec4
  // longer than its data so the strided k-fast stores of a warp land in different banks. The epilogue reuses T.
  const RA = BM / 4 + 1;
  const RB = BN / 4 + 1;
  const OB = BK * RA;
  const size = Math.max(BK * (RA + RB), 4 * BN);
  const ra = t.tm / 4; // vec4 row groups per invocation
  const cb = t.tn / 4; // vec4 column groups per invocation
  const acc = (i: number, r: number, j: number): string => `c${i}_${r}_${j}`;
  const vars: string[] = [];
  const fetch: string[] = [];
  const stage: string[] = [];
  const refetch: string[] = [];
  for (const [op, rows, kFast, base] of [
    ['a', BM, 'p.aK', '0u'],
    ['b', BN, 'p.bK', `${OB}u`],
  ] as const) {
    const stride = op === 'a' ? RA : RB;
    for (let l = 0; l < (rows * BK) / 256; l++) {
      const [r, kk] = slot(rows, l, kFast);
      vars.push(`let ${op}r${l} = ${r}; let ${op}k${l} = ${kk};`);
      const call = op === 'a' ? `fetchA(m0 + ar${l}, k0 + ak${l}, kEnd)` : `fetchB(k0 + bk${l}, n0 + br${l}, kEnd)`;
      fetch.push(`var ${op}v${l} = ${call.replace(/k0/, 'kBegin')};`);
      refetch.push(`${op}v${l} = ${call.replace(/k0/, 'k1')};`);
      stage.push(`T[${base} + ${op}k${l} * ${stride}u + ${op}r${l} / 4u][${op}r${l} % 4u] = ${op}v${l};`);
    }
  }
  const reads: string[] = [];
  const fma: string[] = [];
  for (let i = 0; i < ra; i++) reads.push(`let a${i} = T[kk * ${RA}u + ${i * 16}u + ty];`);
  for (let j = 0; j < cb; j++) reads.push(`let b${j} = T[${OB}u + kk * ${RB}u + ${j * 16}u + tx];`);
  const cases: string[] = [];
  for (let i = 0; i < ra; i++) {
    for (let r = 0; r < 4; r++) {
      for (let j = 0; j < cb; j++) {
        vars.push(`var ${acc(i, r, j)} = vec4f(0.0);`);
        fma.push(`${acc(i, r, j)} = fma(vec4f(a${i}[${r}]), b${j}, ${acc(i, r, j)});`);
      }
      const row = Array.from({ length: cb }, (_, j) => `T[ty * ${BN / 4}u + ${j * 16}u + tx] = ${acc(i, r, j)};`);
      cases.push(`case ${i * 4 + r}u: { ${row.join(' ')} }`);
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
fn fetchA(m: u32, k: u32, kEnd: u32) -> f32 { if (m < p.M && k < kEnd) { return loadA(m, k); } return 0.0; }
fn fetchB(k: u32, n: u32, kEnd: u32) -> f32 { if (n < p.N && k < kEnd) { return loadB(k, n); } return 0.0; }
${mode === 'fused' ? `fn store(m: u32, n: u32, v: f32) { ${spec.store} }` : ''}
var<private> wz: u32;
${put}
var<workgroup> T: array<vec4f, ${size}>;
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
  ${fetch.join('\n  ')}
  for (var k0 = kBegin; k0 < kEnd; k0 += ${BK}u) {
    ${stage.join('\n    ')}
    workgroupBarrier();
    // the next slice's loads are in flight while this one is multiplied
    let k1 = k0 + ${BK}u;
    ${refetch.join('\n    ')}
    for (var kk = 0u; kk < ${BK}u; kk++) {
      ${reads.join('\n      ')}
      ${fma.join('\n      ')}
    }
    workgroupBarrier();
  }
  // Results leave through T one row slot at a time (16 rows × BN), so a warp stores neighbouring words and the
  // op's store appears once in the code.
  for (var s = 0u; s < ${t.tm}u; s++) {
    workgroupBarrier();
    switch (s) {
      ${cases.join('\n      ')}
      default: {}
    }
    workgroupBarrier();
    let rowBase = m0 + (s / 4u) * 64u + s % 4u;
    for (var e = tid; e < ${16 * BN}u; e += 256u) {
      let gm = rowBase + (e / ${BN}u) * 4u;
      let gn = n0 + e % ${BN}u;
      if (gm < p.M && gn < p.N) { put(gm, gn, T[e / 4u][e % 4u]); }
    }
  }
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
  size: Product,
  values: { readonly u32?: readonly number[]; readonly f32?: readonly number[] },
  buffers: readonly Binding[],
): void {
  const { M, N, K } = size;
  if (M === 0 || N === 0) return;
  const t = chooseTiling(M, N);
  const tilesN = Math.ceil(N / (16 * t.tn));
  const tiles = Math.ceil(M / (16 * t.tm)) * tilesN;
  let splits = chooseSplits(tiles, M, N, K);
  const kChunk = Math.max(1, Math.ceil(K / splits / BK) * BK);
  splits = Math.max(1, Math.ceil(K / kChunk));
  const [gx, gy] = grid1d(tiles, 1);
  if (gy > MAX_GROUPS || splits > MAX_GROUPS) throw new Error(`webgpu: a ${M}×${N}×${K} product is too large`);
  const fast = [size.aFast === 'k' ? 1 : 0, size.bFast === 'k' ? 1 : 0];
  const params = { u32: [M, N, K, kChunk, tilesN, splits, ...fast, ...(values.u32 ?? [])], f32: values.f32 ?? [] };
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
