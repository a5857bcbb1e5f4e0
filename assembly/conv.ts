/**
 * Convolution passes on channels-last images as implicit GEMM on the 4×8 tile (tile.ts).
 *  forward:        y[P, outC]  = patches(x)[P, kH·kW·inC] · wᵀ,          P = batch·outH·outW
 *  input-gradient: dx[Q, inC]  = gathered(dy)[Q, kH·kW·outC] · w',       Q = batch·inH·inW (a gather, so threads
 *                  never write the same dx row and strides need no scatter)
 *  filter-grad:    dw[outC, K] = dyᵀ · patches(x),                       reduced over P in blocks of FB rows
 * A rows are packed per 4-row strip as [K][4] (taps outside the image read as zero); weights are packed once per
 * call by the main thread into 8-wide panels (packConvW / packConvWT).
 */
import { tileSeg } from './tile';
import {
  gBatch, gInC, gInH, gInW, gKH, gKW, gOutC, gOutH, gOutW, gPH, gPW, gSH, gSW, loadGeometry, packTap,
} from './convgeom';

const RB: i32 = 32; // rows per block: RB/4 packed strips of A stay in cache while the weight panels stream
const FB: i32 = 256; // rows per filter-gradient block

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

/**
 * Packs the A strip of rows [r, r+mr) as [taps·segLen][4] (missing rows and taps read as zero). Each row is
 * decoded once into the corner its taps are offsets from: forward taps read x at (y + kh, x + kw); stride-1
 * input-gradient taps read dy at (y − kh, x − kw). `info` holds 4 × (y, x, pixel index) for the strip.
 */
function packStrip(src: usize, backward: bool, r: i32, mr: i32, segLen: i32, dst: usize, info: usize): void {
  const H = backward ? gOutH : gInH, W = backward ? gOutW : gInW;
  const sign = backward ? -1 : 1;
  for (let i = 0; i < 4; i++) {
    const o = info + <usize>i * 12;
    if (i >= mr) {
      store<i32>(o, -(1 << 30)); // never inside the image
      continue;
    }
    const q = r + i;
    let y: i32, x: i32;
    if (backward) {
      const iw = q % gInW, t = q / gInW, ih = t % gInH, b = t / gInH;
      y = ih + gPH;
      x = iw + gPW;
      store<i32>(o, y, 0);
      store<i32>(o, (b * gOutH + y) * gOutW + x, 8);
    } else {
      const ow = q % gOutW, t = q / gOutW, oh = t % gOutH, b = t / gOutH;
      y = oh * gSH - gPH;
      x = ow * gSW - gPW;
      store<i32>(o, y, 0);
      store<i32>(o, (b * gInH + y) * gInW + x, 8);
    }
    store<i32>(o, x, 4);
  }
  let d = dst;
  for (let kh = 0; kh < gKH; kh++) {
    for (let kw = 0; kw < gKW; kw++) {
      const off = sign * (kh * W + kw);
      const p0 = tapPtr(src, info, H, W, sign * kh, sign * kw, off, segLen);
      const p1 = tapPtr(src, info + 12, H, W, sign * kh, sign * kw, off, segLen);
      const p2 = tapPtr(src, info + 24, H, W, sign * kh, sign * kw, off, segLen);
      const p3 = tapPtr(src, info + 36, H, W, sign * kh, sign * kw, off, segLen);
      d = packTap(p0, p1, p2, p3, segLen, d);
    }
  }
}

// @ts-ignore: decorator
@inline
function tapPtr(src: usize, o: usize, H: i32, W: i32, dy: i32, dx: i32, off: i32, C: i32): usize {
  const y = load<i32>(o) + dy, x = load<i32>(o, 4) + dx;
  if (y < 0 || y >= H || x < 0 || x >= W) return 0;
  return src + <usize>((load<i32>(o, 8) + off) * C) * 4;
}

/** Rows [start, end) of the forward (backward = 0) or of the input-gradient (backward = 1). */
function convRows(
  src: usize, wp: usize, bias: usize, out: usize, backward: bool, start: i32, end: i32, scratch: usize,
): void {
  const segLen = backward ? gOutC : gInC;
  const N = backward ? gInC : gOutC;
  const K = gKH * gKW * segLen;
  const tmp = scratch;
  const info = scratch + 128;
  const strips = scratch + 192;
  const ldc = <usize>N * 4;
  for (let rb = start; rb < end; rb += RB) {
    const re = min(rb + RB, end);
    for (let r = rb; r < re; r += 4) {
      packStrip(src, backward, r, min(4, re - r), segLen, strips + <usize>(((r - rb) >> 2) * K) * 16, info);
    }
    for (let p = 0; p < N; p += 8) {
      const nr = min(8, N - p);
      const panel = wp + <usize>(p * K) * 4;
      const b = bias ? bias + <usize>p * 4 : 0;
      for (let r = rb; r < re; r += 4) {
        tileSeg(strips + <usize>(((r - rb) >> 2) * K) * 16, panel, K, out + <usize>(r * N + p) * 4, ldc,
          1, 0, b, min(4, re - r), nr, tmp);
      }
    }
  }
}

/** Scratch bytes per thread for the conv passes (K = taps · channels of the reduced side). */
export function convScratch(K: i32, outC: i32): i32 {
  const a = 192 + (RB >> 2) * K * 16;
  const f = 128 + FB * 12 + ((outC + 3) >> 2) * FB * 16 + FB * 32 + 96;
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
  if (!accumulate) {
    for (let oc = 0; oc < gOutC; oc++) memory.fill(dw + <usize>(oc * K + k0) * 4, 0, <usize>(k1 - k0) * 4);
  }
  filterRows(x, dy, dw, k0, k1, 0, gBatch * gOutH * gOutW, scratch);
}

/** Bytes before the conv scratch in convBwdFilterRows' scratch: a 16-byte header, then the partial dw. */
export function filterPartialBytes(K: i32, outC: i32): i32 {
  return (outC * K * 4 + 15) & ~15;
}

/**
 * For a filter too narrow to split by columns (the first layer's K = kH·kW·inC, e.g. 9): output pixels [r0, r1)
 * of dw (all K columns), slot by slot: pixels [s·perSlot, (s + 1)·perSlot) add into slot s's partial dw
 * [outC, K] at `slots` (zeroed at the slot's first pixel; a call covers whole slots), so the sums are the same on
 * any number of threads and from run to run. The caller sums the partials in slot order.
 */
export function convBwdFilterRows(
  g: usize, x: usize, dy: usize, slots: usize, perSlot: i32, r0: i32, r1: i32, scratch: usize,
): void {
  loadGeometry(g);
  const K = gKH * gKW * gInC;
  const bytes = <usize>filterPartialBytes(K, gOutC);
  for (let s0 = r0; s0 < r1; s0 += perSlot) {
    const partial = slots + <usize>(s0 / perSlot) * bytes;
    memory.fill(partial, 0, <usize>(gOutC * K) * 4);
    filterRows(x, dy, partial, 0, K, s0, min(r1, s0 + perSlot), scratch);
  }
}

/** Columns [k0, k1) of dw += dyᵀ · patches(x) over output pixels [r0, r1), in blocks of FB rows. */
function filterRows(x: usize, dy: usize, dw: usize, k0: i32, k1: i32, r0: i32, r1: i32, scratch: usize): void {
  const K = gKH * gKW * gInC;
  const groups = (gOutC + 3) >> 2;
  const tmp = scratch;
  const info = scratch + 128; // per row: ih0, iw0, pixel index of (b, ih0, iw0)
  const strips = info + <usize>FB * 12;
  const panel = strips + <usize>(groups * FB) * 16;
  for (let rb = r0; rb < r1; rb += FB) {
    const rows = min(FB, r1 - rb);
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
          const v: f32 = oc + j < gOutC ? load<f32>(dy + <usize>((rb + i) * gOutC + oc + j) * 4) : 0;
          store<f32>(d + <usize>((i << 4) + j * 4), v);
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
  // Columns cross taps (small inC): per column, the tap and the offset of its value from the row's corner pixel.
  // Rows whose whole window is inside the image (most of them) then need no bounds checks.
  const offs = panel + <usize>(rows << 5); // 8 × (offset, kh, kw) after the panel, in scratch
  for (let j = 0; j < nr; j++) {
    const kk = k + j;
    const tp = kk / gInC;
    const kh = tp / gKW, kw = tp - (tp / gKW) * gKW;
    store<i32>(offs + <usize>j * 12, (kh * gInW + kw) * gInC + (kk - tp * gInC));
    store<i32>(offs + <usize>j * 12, kh, 4);
    store<i32>(offs + <usize>j * 12, kw, 8);
  }
  for (let i = 0; i < rows; i++) {
    const o = info + <usize>i * 12;
    const y = load<i32>(o), x0 = load<i32>(o, 4);
    const base = x + <usize>(load<i32>(o, 8) * gInC) * 4;
    const d = panel + <usize>(i << 5);
    v128.store(d, zero);
    v128.store(d, zero, 16);
    if (y >= 0 && y + gKH <= gInH && x0 >= 0 && x0 + gKW <= gInW) {
      for (let j = 0; j < nr; j++) store<f32>(d + <usize>j * 4, load<f32>(base + <usize>load<i32>(offs + <usize>j * 12) * 4));
    } else {
      for (let j = 0; j < nr; j++) {
        const c = offs + <usize>j * 12;
        const ih = y + load<i32>(c, 4), iw = x0 + load<i32>(c, 8);
        if (ih >= 0 && ih < gInH && iw >= 0 && iw < gInW) {
          store<f32>(d + <usize>j * 4, load<f32>(base + <usize>load<i32>(c) * 4));
        }
      }
    }
  }
}
