/**
 * Convolution passes on channels-last images as implicit GEMM on the 4×8 tile (tile.ts).
 *  forward:        y[P, outC]  = patches(x)[P, kH·kW·inC] · wᵀ,          P = batch·outH·outW
 *  input-gradient: dx[Q, inC]  = gathered(dy)[Q, kH·kW·outC] · w',       Q = batch·inH·inW (a gather, so threads
 *                  never write the same dx row and strides need no scatter)
 *  filter-grad:    dw[outC, K] = dyᵀ · patches(x),                       reduced over P in blocks of RB rows
 * A rows are packed per 4-row strip as [K][4] (taps outside the image read as zero); weights are packed once per
 * call by the main thread into 8-wide panels (packConvW / packConvWT).
 */
import { tileSeg } from './tile';

const RB: i32 = 32; // rows per block: RB/4 strips of A stay in L2 while one weight panel sits in L1
const FB: i32 = 128;
const KCC: i32 = 100000; // K chunk of the forward and input-gradient tiles // rows per filter-gradient block

/** wp[panel][k][8] = w[panel·8 + j][k] over K = kH·kW·inC (zero beyond outC). */
export function packConvW(w: usize, wp: usize, outC: i32, K: i32): void {
  for (let p = 0; p < outC; p += 8) {
    const panel = wp + <usize>(p * K) * 4;
    for (let j = 0; j < 8; j++) {
      const oc = p + j;
      for (let k = 0; k < K; k++) {
        store<f32>(panel + <usize>((k << 3) + j) * 4, oc < outC ? load<f32>(w + <usize>(oc * K + k) * 4) : 0);
      }
    }
  }
}

/** wq[panel][tap·outC + oc][8] = w[oc][tap][panel·8 + j]: the transposed filter of the input-gradient. */
export function packConvWT(w: usize, wq: usize, outC: i32, taps: i32, inC: i32): void {
  const K = taps * outC;
  for (let p = 0; p < inC; p += 8) {
    const panel = wq + <usize>(p * K) * 4;
    for (let t = 0; t < taps; t++) {
      for (let oc = 0; oc < outC; oc++) {
        const d = panel + <usize>((t * outC + oc) << 3) * 4;
        const src = w + <usize>((oc * taps + t) * inC + p) * 4;
        for (let j = 0; j < 8; j++) store<f32>(d + <usize>j * 4, p + j < inC ? load<f32>(src + <usize>j * 4) : 0);
      }
    }
  }
}

// Geometry: 13 i32 in shared memory (batch, inH, inW, inC, outC, kH, kW, sH, sW, pH, pW, outH, outW), copied
// into this instance's globals at the start of each entry point (globals are per thread, memory is shared).
let gBatch = 0, gInH = 0, gInW = 0, gInC = 0, gOutC = 0, gKH = 0, gKW = 0;
let gSH = 0, gSW = 0, gPH = 0, gPW = 0, gOutH = 0, gOutW = 0;

export function loadGeometry(g: usize): void {
  gBatch = load<i32>(g); gInH = load<i32>(g, 4); gInW = load<i32>(g, 8); gInC = load<i32>(g, 12);
  gOutC = load<i32>(g, 16); gKH = load<i32>(g, 20); gKW = load<i32>(g, 24); gSH = load<i32>(g, 28);
  gSW = load<i32>(g, 32); gPH = load<i32>(g, 36); gPW = load<i32>(g, 40); gOutH = load<i32>(g, 44);
  gOutW = load<i32>(g, 48);
}

/** Address of input pixel (b, ih, iw) for forward tap (kh, kw) of output row r, or 0 outside the image. */
// @ts-ignore: decorator
@inline
function fwdSrc(x: usize, r: i32, kh: i32, kw: i32): usize {
  const ow = r % gOutW;
  const t = r / gOutW;
  const oh = t % gOutH;
  const b = t / gOutH;
  const ih = oh * gSH - gPH + kh;
  const iw = ow * gSW - gPW + kw;
  if (ih < 0 || ih >= gInH || iw < 0 || iw >= gInW) return 0;
  return x + <usize>(((b * gInH + ih) * gInW + iw) * gInC) * 4;
}

/** Address of dy pixel that input row q receives from tap (kh, kw), or 0 when none does. */
// @ts-ignore: decorator
@inline
function bwdSrc(dy: usize, q: i32, kh: i32, kw: i32): usize {
  const iw = q % gInW;
  const t = q / gInW;
  const ih = t % gInH;
  const b = t / gInH;
  const th = ih + gPH - kh;
  const tw = iw + gPW - kw;
  if (th < 0 || tw < 0) return 0;
  const oh = th / gSH;
  const ow = tw / gSW;
  if (oh * gSH != th || ow * gSW != tw || oh >= gOutH || ow >= gOutW) return 0;
  return dy + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC) * 4;
}

// @ts-ignore: decorator
@inline
function rowPtr(src: usize, backward: bool, r: i32, kh: i32, kw: i32): usize {
  return backward ? bwdSrc(src, r, kh, kw) : fwdSrc(src, r, kh, kw);
}

/** Packs the A strip of rows [r, r+mr) as [taps·segLen][4]: 4×4 transposes, missing rows and taps as zeros. */
function packStrip(src: usize, backward: bool, r: i32, mr: i32, segLen: i32, dst: usize): void {
  const zero = f32x4.splat(0);
  const seg4 = segLen & ~3;
  let d = dst;
  for (let kh = 0; kh < gKH; kh++) {
    for (let kw = 0; kw < gKW; kw++) {
      const p0 = rowPtr(src, backward, r, kh, kw);
      const p1 = mr > 1 ? rowPtr(src, backward, r + 1, kh, kw) : 0;
      const p2 = mr > 2 ? rowPtr(src, backward, r + 2, kh, kw) : 0;
      const p3 = mr > 3 ? rowPtr(src, backward, r + 3, kh, kw) : 0;
      let c = 0;
      for (; c < seg4; c += 4) {
        const o = <usize>c * 4;
        const r0 = p0 ? v128.load(p0 + o) : zero;
        const r1 = p1 ? v128.load(p1 + o) : zero;
        const r2 = p2 ? v128.load(p2 + o) : zero;
        const r3 = p3 ? v128.load(p3 + o) : zero;
        const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
        const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
        v128.store(d, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
        v128.store(d, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
        v128.store(d, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
        d += 64;
      }
      for (; c < segLen; c++) {
        const o = <usize>c * 4;
        store<f32>(d, p0 ? load<f32>(p0 + o) : 0);
        store<f32>(d, p1 ? load<f32>(p1 + o) : 0, 4);
        store<f32>(d, p2 ? load<f32>(p2 + o) : 0, 8);
        store<f32>(d, p3 ? load<f32>(p3 + o) : 0, 12);
        d += 16;
      }
    }
  }
}

/** Rows [start, end) of the forward (backward = 0) or of the input-gradient (backward = 1). */
function convRows(
  src: usize, wp: usize, bias: usize, out: usize, backward: bool, start: i32, end: i32, scratch: usize,
): void {
  const segLen = backward ? gOutC : gInC;
  const N = backward ? gInC : gOutC;
  const K = gKH * gKW * segLen;
  const tmp = scratch;
  const strips = scratch + 128;
  const ldc = <usize>N * 4;
  for (let rb = start; rb < end; rb += RB) {
    const re = min(rb + RB, end);
    for (let r = rb; r < re; r += 4) {
      packStrip(src, backward, r, min(4, re - r), segLen, strips + <usize>(((r - rb) >> 2) * K) * 16);
    }
    // K is cut into chunks so that the strips' chunk and one panel's chunk both stay in L1.
    for (let k0 = 0; k0 < K; k0 += KCC) {
      const kc = min(KCC, K - k0);
      for (let p = 0; p < N; p += 8) {
        const nr = min(8, N - p);
        const panel = wp + <usize>(p * K + (k0 << 3)) * 4;
        const b = bias && k0 == 0 ? bias + <usize>p * 4 : 0;
        for (let r = rb; r < re; r += 4) {
          tileSeg(strips + <usize>(((r - rb) >> 2) * K + k0) * 16, panel, kc, out + <usize>(r * N + p) * 4, ldc,
            1, k0 > 0 ? 1 : 0, b, min(4, re - r), nr, tmp);
        }
      }
    }
  }
}

/** Scratch bytes per thread for the conv passes (K = taps · channels of the reduced side). */
export function convScratch(K: i32, outC: i32): i32 {
  const a = 128 + (RB >> 2) * K * 16;
  const f = 128 + FB * 12 + ((outC + 3) >> 2) * FB * 16 + FB * 32;
  return max(a, f);
}

export function convFwd(
  g: usize, x: usize, wp: usize, bias: usize, y: usize, start: i32, end: i32, scratch: usize,
): void {
  loadGeometry(g);
  convRows(x, wp, bias, y, false, start, end, scratch);
}

export function convBwdInput(g: usize, dy: usize, wq: usize, dx: usize, start: i32, end: i32, scratch: usize): void {
  loadGeometry(g);
  convRows(dy, wq, 0, dx, true, start, end, scratch);
}

/**
 * Columns [k0, k1) (multiples of 8 except at K) of dw[outC, K] (+)= dyᵀ · patches(x), reduced over the P output
 * pixels in blocks of FB rows: dy rows are packed as [FB][4] strips (one per 4 output channels), patch columns as
 * [FB][8] panels, and the same 4×8 tile as the forward accumulates into dw.
 */
export function convBwdFilter(
  g: usize, x: usize, dy: usize, dw: usize, accumulate: i32, k0: i32, k1: i32, scratch: usize,
): void {
  loadGeometry(g);
  const K = gKH * gKW * gInC;
  const P = gBatch * gOutH * gOutW;
  const groups = (gOutC + 3) >> 2;
  const tmp = scratch;
  const info = scratch + 128; // per row: ih0, iw0, pixel index of (b, ih0, iw0)
  const strips = info + <usize>FB * 12;
  const panel = strips + <usize>(groups * FB) * 16;
  if (!accumulate) {
    for (let oc = 0; oc < gOutC; oc++) memory.fill(dw + <usize>(oc * K + k0) * 4, 0, <usize>(k1 - k0) * 4);
  }
  for (let rb = 0; rb < P; rb += FB) {
    const rows = min(FB, P - rb);
    for (let i = 0; i < rows; i++) {
      const r = rb + i;
      const ow = r % gOutW, t = r / gOutW, oh = t % gOutH, b = t / gOutH;
      const ih0 = oh * gSH - gPH, iw0 = ow * gSW - gPW;
      const o = info + <usize>i * 12;
      store<i32>(o, ih0);
      store<i32>(o, iw0, 4);
      store<i32>(o, (b * gInH + ih0) * gInW + iw0, 8);
    }
    packDyStrips(dy, rb, rows, groups, strips);
    for (let k = k0; k < k1; k += 8) {
      const nr = min(8, k1 - k);
      packPatchPanel(x, info, rows, k, nr, panel);
      for (let gi = 0; gi < groups; gi++) {
        const oc = gi << 2;
        tileSeg(strips + <usize>(gi * FB) * 16, panel, rows, dw + <usize>(oc * K + k) * 4, <usize>K * 4,
          1, 1, 0, min(4, gOutC - oc), nr, tmp);
      }
    }
  }
}

/** strips[g][i][0..3] = dy[rb + i, 4g .. 4g+3] (zero past outC). */
function packDyStrips(dy: usize, rb: i32, rows: i32, groups: i32, strips: usize): void {
  for (let gi = 0; gi < groups; gi++) {
    const oc = gi << 2;
    const d = strips + <usize>(gi * FB) * 16;
    if (oc + 4 <= gOutC) {
      for (let i = 0; i < rows; i++) v128.store(d + <usize>(i << 4), v128.load(dy + <usize>((rb + i) * gOutC + oc) * 4));
    } else {
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < 4; j++) {
          store<f32>(d + <usize>((i << 4) + j * 4), oc + j < gOutC ? load<f32>(dy + <usize>((rb + i) * gOutC + oc + j) * 4) : 0);
        }
      }
    }
  }
}

/** panel[i][0..7] = patch columns [k, k+nr) of row i (zero outside the image and past nr). */
function packPatchPanel(x: usize, info: usize, rows: i32, k: i32, nr: i32, panel: usize): void {
  const tap = k / gInC;
  const c0 = k - tap * gInC;
  const zero = f32x4.splat(0);
  if (nr == 8 && c0 + 8 <= gInC) {
    const kh = tap / gKW, kw = tap - (tap / gKW) * gKW;
    for (let i = 0; i < rows; i++) {
      const o = info + <usize>i * 12;
      const ih = load<i32>(o) + kh, iw = load<i32>(o, 4) + kw;
      const d = panel + <usize>(i << 5);
      if (ih < 0 || ih >= gInH || iw < 0 || iw >= gInW) {
        v128.store(d, zero);
        v128.store(d, zero, 16);
      } else {
        const p = x + <usize>((load<i32>(o, 8) + kh * gInW + kw) * gInC + c0) * 4;
        v128.store(d, v128.load(p));
        v128.store(d, v128.load(p, 16), 16);
      }
    }
    return;
  }
  for (let j = 0; j < 8; j++) {
    const kk = k + j;
    const tp = kk / gInC;
    const c = kk - tp * gInC;
    const kh = tp / gKW, kw = tp - (tp / gKW) * gKW;
    for (let i = 0; i < rows; i++) {
      const d = panel + <usize>((i << 5) + j * 4);
      if (j >= nr) {
        store<f32>(d, 0);
        continue;
      }
      const o = info + <usize>i * 12;
      const ih = load<i32>(o) + kh, iw = load<i32>(o, 4) + kw;
      store<f32>(d, ih < 0 || ih >= gInH || iw < 0 || iw >= gInW ? 0
        : load<f32>(x + <usize>((load<i32>(o, 8) + kh * gInW + kw) * gInC + c) * 4));
    }
  }
}
