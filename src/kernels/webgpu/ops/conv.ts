import type { ConvGeometry } from '../../kernels.js';
import type { Binding, GpuOp } from '../encoder.js';
import type { OpAttrs } from './attrs.js';
import { type GemmSpec, tiledGemm } from './tiled-gemm.js';

/*
 * The three convolution passes as implicit GEMMs on the tiled core (channels-last, index maps as in
 * reference/conv.ts); image patches are gathered while a tile is loaded, so no im2col buffer exists.
 *   forward          M = rows·outH·outW, N = outC, K = kH·kW·inC        A = x patches, B = wᵀ
 *   input gradient   M = dx positions of one stride phase, N = inC, K = that phase's taps·outC   (see below)
 *   filter gradient  M = outC, N = kH·kW·inC (+1: dbias), K = rows·outH·outW   (K split by the core)
 * The event-driven forward is the dense forward reading the transposed weight: on a GPU a gather beats a scatter,
 * and the contract only promises equality up to summation order.
 */

const GEOMETRY = ['inH', 'inW', 'inC', 'outC', 'kH', 'kW', 'sH', 'sW', 'pH', 'pW', 'outH', 'outW'];
const geometry = (g: ConvGeometry): number[] => [
  g.inH,
  g.inW,
  g.inC,
  g.outC,
  g.kH,
  g.kW,
  g.strideH,
  g.strideW,
  g.padH,
  g.padW,
  g.outH,
  g.outW,
];

/*
 * Tap tables: entry q of a K index packs (kh, kw, c) as kh << 24 | kw << 16 | c, so a tile load decodes its K
 * index with shifts instead of three integer divisions by uniforms (each a dozen instructions on a GPU); the row
 * index's divisions do not change along K and leave the loop.
 */
function tapTable(kH: number, kW: number, C: number): Uint32Array {
  if (kH > 255 || kW > 255 || C > 0xffff) {
    throw new Error(`webgpu: a ${kH}×${kW} window over ${C} channels is larger than the tap table encodes`);
  }
  const t = new Uint32Array(kH * kW * C);
  for (let kh = 0, q = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) for (let c = 0; c < C; c++, q++) t[q] = ((kh << 24) | (kw << 16) | c) >>> 0;
  }
  return t;
}
const TAP = (q: string, c: string, kh: string, kw: string): string =>
  `let tap = taps[${q}]; let ${c} = tap & 0xffffu; let ${kw} = (tap >> 16u) & 0xffu; let ${kh} = tap >> 24u;`;

/** WGSL: x[b, ih, iw, ic] for output row r = (b, oh, ow) and patch column q = (kh, kw, ic); zero in the padding. */
const PATCH = (r: string, q: string): string => `
  let ow = ${r} % p.outW; let t = ${r} / p.outW; let oh = t % p.outH; let bb = t / p.outH;
  ${TAP(q, 'ic', 'kh', 'kw')}
  let ih = i32(oh * p.sH + kh) - i32(p.pH); let iw = i32(ow * p.sW + kw) - i32(p.pW);
  if (ih < 0 || ih >= i32(p.inH) || iw < 0 || iw >= i32(p.inW)) { return 0.0; }
  return x[((bb * p.inH + u32(ih)) * p.inW + u32(iw)) * p.inC + ic];`;

/** Forward and event-driven forward: w[oc, q] is read as w[q·wK + oc·wN], so one shader serves w and wT. */
const FORWARD: GemmSpec = {
  key: 'conv.forward',
  buffers: [
    { name: 'x', use: 'load' },
    { name: 'w', use: 'load' },
    { name: 'taps', use: 'load', u32: true },
    { name: 'bias', use: 'store' },
    { name: 'y', use: 'store', write: true },
  ],
  u32: [...GEOMETRY, 'wK', 'wN', 'hasBias'],
  f32: [],
  loadA: PATCH('m', 'k'),
  loadB: 'return w[k * p.wK + n * p.wN];',
  store: 'y[m * p.N + n] = select(v, v + bias[n], p.hasBias != 0u);',
};

function forward(transposedWeight: boolean): GpuOp<ConvGeometry> {
  return (e, b, g) => {
    const [x, w, bias, y] = b;
    const K = g.kH * g.kW * g.inC;
    // w is [outC, K], wT is [K, outC]
    const strides = transposedWeight ? [g.outC, 1] : [1, K];
    const size = {
      M: g.batch * g.outH * g.outW,
      N: g.outC,
      K,
      aFast: 'k',
      bFast: transposedWeight ? 'n' : 'k',
    } as const;
    const values = { u32: [...geometry(g), ...strides, present(bias) ? 1 : 0] };
    const taps = e.constants(tapTable(g.kH, g.kW, g.inC));
    tiledGemm(e, FORWARD, size, values, [x!, w!, taps, present(bias) ? bias : e.scratch(1), y!]);
  };
}

export const conv2dForward: GpuOp<OpAttrs['conv2dForward']> = forward(false);
export const conv2dSparseForward: GpuOp<OpAttrs['conv2dSparseForward']> = forward(true);

/*
 * Input gradient, gathered: dx[b, ih, iw, ic] = Σ dy[b, oh, ow, oc]·w[oc, kh, kw, ic] over the taps with
 * ih + padH − kh = oh·strideH (likewise in w). With a stride, which taps qualify depends only on ih mod strideH,
 * so the dx positions are split into strideH·strideW phases and each phase is one GEMM over exactly its taps
 * (kh = kh0, kh0 + strideH, …): no multiply is spent on a tap that cannot land. A phase with no taps writes zeros.
 */
const PHASE = ['ih0', 'iw0', 'cntH', 'cntW', 'kh0', 'kw0', 'ohBase', 'owBase'];
/** WGSL: the batch index and the position (ch, cw) within the phase of phase row m; then its dx position. */
const PHASE_ROW = `
  let cw = m % p.cntW; let t = m / p.cntW; let ch = t % p.cntH; let bb = t / p.cntH;`;
const DX_POSITION = `${PHASE_ROW}
  let ih = p.ih0 + ch * p.sH; let iw = p.iw0 + cw * p.sW;`;
const INPUT_GRADIENT: GemmSpec = {
  key: 'conv.inputGradient',
  buffers: [
    { name: 'dy', use: 'load' },
    { name: 'w', use: 'load' },
    { name: 'taps', use: 'load', u32: true },
    { name: 'dx', use: 'store', write: true },
  ],
  u32: [...GEOMETRY, ...PHASE],
  f32: [],
  // tap (jh, jw) of the phase is kh = kh0 + jh·strideH, which reads output row oh = ohBase + ch − jh
  loadA: `${PHASE_ROW}
  ${TAP('k', 'oc', 'jh', 'jw')}
  let oh = i32(p.ohBase + ch) - i32(jh); let ow = i32(p.owBase + cw) - i32(jw);
  if (oh < 0 || ow < 0 || oh >= i32(p.outH) || ow >= i32(p.outW)) { return 0.0; }
  return dy[((bb * p.outH + u32(oh)) * p.outW + u32(ow)) * p.outC + oc];`,
  loadB: `
  ${TAP('k', 'oc', 'jh', 'jw')}
  let kh = p.kh0 + jh * p.sH; let kw = p.kw0 + jw * p.sW;
  return w[((oc * p.kH + kh) * p.kW + kw) * p.inC + n];`,
  store: `${DX_POSITION}
  dx[((bb * p.inH + ih) * p.inW + iw) * p.inC + n] = v;`,
};

/** The dx rows with ih ≡ i0 (mod stride) and the taps that reach them: first tap and count. */
function phase(i0: number, n: number, stride: number, pad: number, k: number): [number, number, number] {
  const count = Math.ceil((n - i0) / stride);
  const k0 = (i0 + pad) % stride;
  const taps = k0 < k ? Math.ceil((k - k0) / stride) : 0;
  return [count, k0, taps];
}

export const conv2dBackwardInput: GpuOp<OpAttrs['conv2dBackwardInput']> = (e, b, g) => {
  const [dy, w, dx] = b as readonly Binding[];
  for (let ih0 = 0; ih0 < Math.min(g.strideH, g.inH); ih0++) {
    const [cntH, kh0, nKh] = phase(ih0, g.inH, g.strideH, g.padH, g.kH);
    for (let iw0 = 0; iw0 < Math.min(g.strideW, g.inW); iw0++) {
      const [cntW, kw0, nKw] = phase(iw0, g.inW, g.strideW, g.padW, g.kW);
      const size = { M: g.batch * cntH * cntW, N: g.inC, K: nKh * nKw * g.outC, aFast: 'k', bFast: 'n' } as const;
      // ih + padH − kh = (ih0 + padH − kh0) + (ch − jh)·strideH, and the first term is a multiple of strideH
      const ohBase = (ih0 + g.padH - kh0) / g.strideH;
      const owBase = (iw0 + g.padW - kw0) / g.strideW;
      const values = { u32: [...geometry(g), ih0, iw0, cntH, cntW, kh0, kw0, ohBase, owBase] };
      const taps = e.constants(tapTable(nKh, nKw, g.outC));
      tiledGemm(e, INPUT_GRADIENT, size, values, [dy!, w!, taps, dx!]);
    }
  }
};

/*
 * Filter gradient: dw[oc, q] = Σ_r dy[r, oc]·patch(r, q) over every output position r. With dbias, one more
 * column of ones makes the same product yield dbias[oc] = Σ_r dy[r, oc] as column K2.
 */
const FILTER_GRADIENT: GemmSpec = {
  key: 'conv.filterGradient',
  buffers: [
    { name: 'x', use: 'load' },
    { name: 'dy', use: 'load' },
    { name: 'taps', use: 'load', u32: true },
    { name: 'dw', use: 'store', write: true },
    { name: 'dbias', use: 'store', write: true },
  ],
  u32: [...GEOMETRY, 'K2', 'acc'],
  f32: [],
  loadA: 'return dy[k * p.outC + m];',
  loadB: `if (n == p.K2) { return 1.0; }${PATCH('k', 'n')}`,
  store: `
  let add = p.acc != 0u;
  if (n < p.K2) { let i = m * p.K2 + n; dw[i] = select(v, v + dw[i], add); }
  else { dbias[m] = select(v, v + dbias[m], add); }`,
};

export const conv2dBackwardFilter: GpuOp<OpAttrs['conv2dBackwardFilter']> = (e, b, g) => {
  const [x, dy, dw, dbias] = b;
  const K2 = g.kH * g.kW * g.inC;
  const bias = present(dbias);
  // without dbias, N stops before the column of ones, so the dummy binding is never touched
  const size = { M: g.outC, N: K2 + (bias ? 1 : 0), K: g.batch * g.outH * g.outW, aFast: 'm', bFast: 'n' } as const;
  const values = { u32: [...geometry(g), K2, g.accumulate === true ? 1 : 0] };
  const taps = e.constants(tapTable(g.kH, g.kW, g.inC));
  tiledGemm(e, FILTER_GRADIENT, size, values, [x!, dy!, taps, dw!, bias ? dbias : e.scratch(1)]);
};

/** Whether an optional buffer was passed; an absent one is bound to a scratch word the shader never reads. */
function present(b: Binding | null | undefined): b is Binding {
  return b !== null && b !== undefined;
}
