/**
 * Event-driven convolution forward for sparse (spiking) inputs; the linear layer runs on it as a 1×1 image.
 * Per image: first the non-zero inputs are gathered into a compressed list per pixel (entries of byte offset
 * ic·outC·4 into a tap's weight rows, and the value), scanning four channels at a time so zero runs cost one
 * compare. Then every output pixel sums value · wT[kh, kw, ic, block] over the active entries of the pixels its
 * taps read, in registers, 32 output channels (8 vectors) at a time; the work is proportional to the spike count.
 * The 32-wide blocks go one kernel row kh at a time (y starts from the bias at kh = 0 and is added to after), so
 * the weight slice being read, kW·inC rows of 128 bytes, stays in L1: 10 % faster than all taps at once at 5–50 %
 * density on the bench shape (src/bench/sparse-bench.ts). wT is [kH, kW, inC, outC].
 */
import {
  gInC, gInH, gInW, gKH, gKW, gOutC, gOutH, gOutW, gPH, gPW, gSH, gSW, loadGeometry,
} from './convgeom';

/** c + a·b, fused under relaxed SIMD (the fma build), as in tile.ts. */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Scratch bytes one thread needs: the per-pixel list starts, 8 bytes per possible entry, and one output pixel's
 * non-empty taps (12 bytes each).
 */
export function sparseScratch(inH: i32, inW: i32, inC: i32, taps: i32): i32 {
  return (((inH * inW + 1) * 4 + 15) & ~15) + inH * inW * inC * 8 + taps * 12;
}

/** Gathers image b's non-zero inputs: starts[p]..starts[p+1] index entries (offset, value) of pixel p. */
function gather(x: usize, b: i32, starts: usize, ent: usize): void {
  const P = gInH * gInW;
  const rowBytes = <i32>gOutC * 4;
  const zero = f32x4.splat(0);
  let src = x + <usize>(b * P * gInC) * 4;
  let n = 0;
  for (let p = 0; p < P; p++) {
    store<i32>(starts + <usize>p * 4, n);
    let c = 0;
    for (; c + 4 <= gInC; c += 4) {
      const v = v128.load(src + <usize>c * 4);
      if (!v128.any_true(f32x4.ne(v, zero))) continue;
      for (let j = 0; j < 4; j++) {
        const s = load<f32>(src + <usize>(c + j) * 4);
        if (s != 0) {
          store<i32>(ent + <usize>n * 8, (c + j) * rowBytes);
          store<f32>(ent + <usize>n * 8, s, 4);
          n++;
        }
      }
    }
    for (; c < gInC; c++) {
      const s = load<f32>(src + <usize>c * 4);
      if (s != 0) {
        store<i32>(ent + <usize>n * 8, c * rowBytes);
        store<f32>(ent + <usize>n * 8, s, 4);
        n++;
      }
    }
    src += <usize>gInC * 4;
  }
  store<i32>(starts + <usize>P * 4, n);
}

/**
 * Lists the taps of output pixel (oh, ow) that read a pixel with active entries, as (weight byte offset of the tap,
 * first entry, end entry) triples at `taps`; returns how many.
 */
// @ts-ignore: decorator
@inline
function activeTaps(oh: i32, ow: i32, starts: usize, taps: usize): i32 {
  const ih0 = oh * gSH - gPH, iw0 = ow * gSW - gPW;
  const khLo = max(0, -ih0), khHi = min(gKH, gInH - ih0);
  const kwLo = max(0, -iw0), kwHi = min(gKW, gInW - iw0);
  const tapBytes = gInC * gOutC * 4;
  let n = 0;
  for (let kh = khLo; kh < khHi; kh++) {
    for (let kw = kwLo; kw < kwHi; kw++) {
      const sp = starts + <usize>((ih0 + kh) * gInW + iw0 + kw) * 4;
      const e0 = load<i32>(sp), e1 = load<i32>(sp, 4);
      if (e1 > e0) {
        const t = taps + <usize>n * 12;
        store<i32>(t, (kh * gKW + kw) * tapBytes);
        store<i32>(t, e0, 4);
        store<i32>(t, e1, 8);
        n++;
      }
    }
  }
  return n;
}

/** Kernel row kh's share of output channels [ob, ob + 32) of image b: starts from the bias when `first`, else adds to y. */
function block32row(
  b: i32, ob: i32, kh: i32, first: bool, wT: usize, bias: usize, y: usize, starts: usize, ent: usize,
): void {
  const wb = wT + <usize>ob * 4 + <usize>(kh * gKW * gInC * gOutC) * 4;
  const bb = bias + <usize>ob * 4;
  const rowBytes = <i32>gOutC * 4;
  for (let oh = 0; oh < gOutH; oh++) {
    const ih = oh * gSH - gPH + kh;
    const inside = ih >= 0 && ih < gInH;
    if (!inside && !first) continue;
    for (let ow = 0; ow < gOutW; ow++) {
      const o = y + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC + ob) * 4;
      let a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128;
      if (!first) {
        a0 = v128.load(o); a1 = v128.load(o, 16); a2 = v128.load(o, 32); a3 = v128.load(o, 48);
        a4 = v128.load(o, 64); a5 = v128.load(o, 80); a6 = v128.load(o, 96); a7 = v128.load(o, 112);
      } else if (bias) {
        a0 = v128.load(bb); a1 = v128.load(bb, 16); a2 = v128.load(bb, 32); a3 = v128.load(bb, 48);
        a4 = v128.load(bb, 64); a5 = v128.load(bb, 80); a6 = v128.load(bb, 96); a7 = v128.load(bb, 112);
      } else {
        a0 = f32x4.splat(0); a1 = a0; a2 = a0; a3 = a0; a4 = a0; a5 = a0; a6 = a0; a7 = a0;
      }
      if (inside) {
        const iw0 = ow * gSW - gPW;
        const kwLo = max(0, -iw0), kwHi = min(gKW, gInW - iw0);
        for (let kw = kwLo; kw < kwHi; kw++) {
          const sp = starts + <usize>(ih * gInW + iw0 + kw) * 4;
          const wTap = wb + <usize>(kw * gInC * rowBytes);
          const qEnd = ent + <usize>load<i32>(sp, 4) * 8;
          for (let q = ent + <usize>load<i32>(sp) * 8; q < qEnd; q += 8) {
            const w = wTap + <usize>load<i32>(q);
            const v = v128.load32_splat(q, 4);
            a0 = madd(v, v128.load(w), a0);
            a1 = madd(v, v128.load(w, 16), a1);
            a2 = madd(v, v128.load(w, 32), a2);
            a3 = madd(v, v128.load(w, 48), a3);
            a4 = madd(v, v128.load(w, 64), a4);
            a5 = madd(v, v128.load(w, 80), a5);
            a6 = madd(v, v128.load(w, 96), a6);
            a7 = madd(v, v128.load(w, 112), a7);
          }
        }
      }
      v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
      v128.store(o, a4, 64); v128.store(o, a5, 80); v128.store(o, a6, 96); v128.store(o, a7, 112);
    }
  }
}

/** Output channels [ob, ob + 4) of every pixel of image b (channels left over after the 32-wide blocks). */
function block4(b: i32, ob: i32, wT: usize, bias: usize, y: usize, starts: usize, ent: usize, taps: usize): void {
  const wb = wT + <usize>ob * 4;
  for (let oh = 0; oh < gOutH; oh++) {
    for (let ow = 0; ow < gOutW; ow++) {
      const tEnd = taps + <usize>activeTaps(oh, ow, starts, taps) * 12;
      let a = bias ? v128.load(bias + <usize>ob * 4) : f32x4.splat(0);
      for (let t = taps; t < tEnd; t += 12) {
        const wTap = wb + <usize>load<i32>(t);
        const qEnd = ent + <usize>load<i32>(t, 8) * 8;
        for (let q = ent + <usize>load<i32>(t, 4) * 8; q < qEnd; q += 8) {
          a = madd(v128.load32_splat(q, 4), v128.load(wTap + <usize>load<i32>(q)), a);
        }
      }
      v128.store(y + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC + ob) * 4, a);
    }
  }
}

/** Output channel ob of every pixel of image b (the last outC mod 4 channels). */
function block1(b: i32, ob: i32, wT: usize, bias: usize, y: usize, starts: usize, ent: usize, taps: usize): void {
  const wb = wT + <usize>ob * 4;
  for (let oh = 0; oh < gOutH; oh++) {
    for (let ow = 0; ow < gOutW; ow++) {
      const tEnd = taps + <usize>activeTaps(oh, ow, starts, taps) * 12;
      let a: f32 = bias ? load<f32>(bias + <usize>ob * 4) : 0;
      for (let t = taps; t < tEnd; t += 12) {
        const wTap = wb + <usize>load<i32>(t);
        const qEnd = ent + <usize>load<i32>(t, 8) * 8;
        for (let q = ent + <usize>load<i32>(t, 4) * 8; q < qEnd; q += 8) {
          a += load<f32>(q, 4) * load<f32>(wTap + <usize>load<i32>(q));
        }
      }
      store<f32>(y + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC + ob) * 4, a);
    }
  }
}

/** Images [start, end) of y = conv(x, w) (+ bias) from the transposed weight wT. */
export function convSparseFwd(g: usize, x: usize, wT: usize, bias: usize, y: usize, start: i32, end: i32, scratch: usize): void {
  loadGeometry(g);
  const starts = scratch;
  const ent = scratch + <usize>(((gInH * gInW + 1) * 4 + 15) & ~15);
  const taps = ent + <usize>(gInH * gInW * gInC) * 8;
  for (let b = start; b < end; b++) {
    gather(x, b, starts, ent);
    let ob = 0;
    for (; ob + 32 <= gOutC; ob += 32) {
      for (let kh = 0; kh < gKH; kh++) block32row(b, ob, kh, kh == 0, wT, bias, y, starts, ent);
    }
    for (; ob + 4 <= gOutC; ob += 4) block4(b, ob, wT, bias, y, starts, ent, taps);
    for (; ob < gOutC; ob++) block1(b, ob, wT, bias, y, starts, ent, taps);
  }
}

/** This part's count of entries of x[start, end) that are not 0 (NaN included), as a float64 in out64. */
export function countNonzero(x: usize, start: i32, end: i32, out64: usize): void {
  const zero = f32x4.splat(0);
  let cnt = i32x4.splat(0);
  let i = start;
  for (; i + 4 <= end; i += 4) cnt = i32x4.sub(cnt, f32x4.ne(v128.load(x + <usize>i * 4), zero));
  let n: i64 = <i64>i32x4.extract_lane(cnt, 0) + <i64>i32x4.extract_lane(cnt, 1) +
    <i64>i32x4.extract_lane(cnt, 2) + <i64>i32x4.extract_lane(cnt, 3);
  for (; i < end; i++) if (load<f32>(x + <usize>i * 4) != 0) n++;
  store<f64>(out64, <f64>n);
}
