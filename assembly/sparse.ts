/**
 * Event-driven convolution forward for sparse (spiking) inputs; the linear layer runs on it as a 1×1 image.
 * Per image: first the non-zero inputs are gathered into a compressed list per pixel (entries of byte offset
 * (iw·inC + ic)·outC·4, and the value), 16 channels at a time so a zero run costs one compare, written without a
 * branch per entry (emit). Then every output pixel sums value · wT[kh, kw, ic, block] over the active entries of
 * the pixels its taps read, one loop per kernel row (activeRows), in registers, 24 output channels (6 vectors) at a
 * time (blockWidth, blockRow); the work is proportional to the spike count.
 * The blocks go one kernel row kh at a time (y starts from the bias at kh = 0 and is added to after), so the
 * weight slice being read, kW·inC rows of 96 bytes, stays in L1. Against all rows in one pass, with the per-row
 * loops, on the bench shape (src/bench/sparse-bench.ts, builds alternated): slower below 10 % density (0.05: 5.5
 * against 4.6 ms), about even at 20 % (12.3 against 12.5), faster at 50 % (23.3 against 25.6); the training step's
 * second conv reads about 20 %. wT is [kH, kW, inC, outC].
 */
import {
  gBatch, gInC, gInH, gInW, gKH, gKW, gOutC, gOutH, gOutW, gPH, gPW, gSH, gSW, loadGeometry,
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
export function gather(x: usize, b: i32, starts: usize, ent: usize): void {
  const P = gInH * gInW;
  const rowBytes = <i32>gOutC * 4;
  const zero = f32x4.splat(0);
  let src = x + <usize>(b * P * gInC) * 4;
  let n = 0;
  for (let p = 0; p < P; p++) {
    store<i32>(starts + <usize>p * 4, n);
    const col = (p % gInW) * gInC; // the entry's offset counts its pixel's column too (see activeRows)
    let c = 0;
    // 16 channels at a time: a zero run costs one compare, and the rest is written without a branch per entry
    for (; c + 16 <= gInC; c += 16) {
      const m0 = f32x4.ne(v128.load(src + <usize>c * 4), zero);
      const m1 = f32x4.ne(v128.load(src + <usize>c * 4, 16), zero);
      const m2 = f32x4.ne(v128.load(src + <usize>c * 4, 32), zero);
      const m3 = f32x4.ne(v128.load(src + <usize>c * 4, 48), zero);
      if (!v128.any_true(v128.or(v128.or(m0, m1), v128.or(m2, m3)))) continue;
      const mask = i32x4.bitmask(m0) | (i32x4.bitmask(m1) << 4) | (i32x4.bitmask(m2) << 8) | (i32x4.bitmask(m3) << 12);
      n = emit(src, c, 16, mask, (col + c) * rowBytes, rowBytes, ent, n);
    }
    for (; c + 4 <= gInC; c += 4) {
      const m = f32x4.ne(v128.load(src + <usize>c * 4), zero);
      if (!v128.any_true(m)) continue;
      n = emit(src, c, 4, i32x4.bitmask(m), (col + c) * rowBytes, rowBytes, ent, n);
    }
    for (; c < gInC; c++) {
      const s = load<f32>(src + <usize>c * 4);
      if (s != 0) {
        store<i32>(ent + <usize>n * 8, (col + c) * rowBytes);
        store<f32>(ent + <usize>n * 8, s, 4);
        n++;
      }
    }
    src += <usize>gInC * 4;
  }
  store<i32>(starts + <usize>P * 4, n);
}

/**
 * Writes channels [c, c + count) of the pixel at src as entries from index n, every one, but advances n only past
 * those whose bit in mask is set (not 0, NaN included): each next write lands on the last zero's slot. A branch per
 * entry mispredicted at spike densities near 20 % and took a quarter of the forward.
 */
// @ts-ignore: decorator
@inline
function emit(src: usize, c: i32, count: i32, mask: i32, offset: i32, rowBytes: i32, ent: usize, n: i32): i32 {
  for (let j = 0; j < count; j++) {
    const e = ent + <usize>n * 8;
    store<i32>(e, offset + j * rowBytes);
    store<f32>(e, load<f32>(src + <usize>(c + j) * 4), 4);
    n += (mask >> j) & 1;
  }
  return n;
}

/**
 * Lists the kernel rows of output pixel (oh, ow) that read pixels with active entries, as (weight byte offset
 * base, first entry, end entry) triples at `taps`; returns how many. A row's taps read adjacent input pixels, whose
 * entries are adjacent in the list, so one range covers them: an entry's offset is (iw·inC + ic)·outC·4, and the
 * base, kh·kW·inC·outC·4 − iw0·inC·outC·4 (negative wraps, as the sum does not), turns it into the offset of tap
 * (kh, iw − iw0) and channel ic in wT [kH, kW, inC, outC]. One loop per kernel row instead of one per tap: a third
 * as many short loops whose exits the branch predictor misses.
 */
// @ts-ignore: decorator
@inline
export function activeRows(oh: i32, ow: i32, starts: usize, taps: usize): i32 {
  const ih0 = oh * gSH - gPH, iw0 = ow * gSW - gPW;
  const khLo = max(0, -ih0), khHi = min(gKH, gInH - ih0);
  const kwLo = max(0, -iw0), kwHi = min(gKW, gInW - iw0);
  const tapBytes = gInC * gOutC * 4;
  let n = 0;
  for (let kh = khLo; kh < khHi; kh++) {
    const sp = starts + <usize>((ih0 + kh) * gInW + iw0) * 4;
    const e0 = load<i32>(sp + <usize>kwLo * 4), e1 = load<i32>(sp + <usize>kwHi * 4);
    if (e1 > e0) {
      const t = taps + <usize>n * 12;
      store<i32>(t, (kh * gKW - iw0) * tapBytes);
      store<i32>(t, e0, 4);
      store<i32>(t, e1, 8);
      n++;
    }
  }
  return n;
}

/**
 * Kernel row kh's share of output channels [ob, ob + 4·nv) of image b, nv = 6 or 4 vectors: starts from the bias
 * when `first`, else adds to y. Inlined with a constant nv, so each width compiles its own loop with the unused
 * accumulators gone. Why 6 and not 8: V8 loads all of an entry's weight vectors before its multiply-adds, and 8
 * accumulators + 8 loads + the value overflow x64's 15 SIMD registers; it then spilled an accumulator, and the
 * store and reload each entry put the stack on the loop's critical path (mnistnet's second conv: 45 → 43 ms on
 * one thread at T = 8, 24 + 24 + 16 channels against 32 + 32).
 */
// @ts-ignore: decorator
@inline
function blockRow(
  nv: i32, b: i32, ob: i32, kh: i32, first: bool, wT: usize, bias: usize, y: usize, starts: usize, ent: usize,
): void {
  const wb = wT + <usize>ob * 4 + <usize>(kh * gKW * gInC * gOutC) * 4;
  const rowBytes = <i32>gOutC * 4;
  const zero = f32x4.splat(0);
  for (let oh = 0; oh < gOutH; oh++) {
    const ih = oh * gSH - gPH + kh;
    const inside = ih >= 0 && ih < gInH;
    if (!inside && !first) continue;
    for (let ow = 0; ow < gOutW; ow++) {
      const o = y + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC + ob) * 4;
      // the sums start from y, the bias or 0
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero;
      const from = !first ? o : bias ? bias + <usize>ob * 4 : 0;
      if (from) {
        a0 = v128.load(from); a1 = v128.load(from, 16); a2 = v128.load(from, 32); a3 = v128.load(from, 48);
        if (nv > 4) {
          a4 = v128.load(from, 64); a5 = v128.load(from, 80);
        }
      }
      if (inside) {
        // the row's taps in one loop over the adjacent pixels' entries (activeRows)
        const iw0 = ow * gSW - gPW;
        const kwLo = max(0, -iw0), kwHi = min(gKW, gInW - iw0);
        const sp = starts + <usize>(ih * gInW + iw0) * 4;
        const wRow = wb - <usize>(iw0 * gInC * rowBytes);
        const qEnd = ent + <usize>load<i32>(sp + <usize>kwHi * 4) * 8;
        for (let q = ent + <usize>load<i32>(sp + <usize>kwLo * 4) * 8; q < qEnd; q += 8) {
          const w = wRow + <usize>load<i32>(q);
          const v = v128.load32_splat(q, 4);
          a0 = madd(v, v128.load(w), a0);
          a1 = madd(v, v128.load(w, 16), a1);
          a2 = madd(v, v128.load(w, 32), a2);
          a3 = madd(v, v128.load(w, 48), a3);
          if (nv > 4) {
            a4 = madd(v, v128.load(w, 64), a4);
            a5 = madd(v, v128.load(w, 80), a5);
          }
        }
      }
      v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
      if (nv > 4) {
        v128.store(o, a4, 64); v128.store(o, a5, 80);
      }
    }
  }
}

function block24row(
  b: i32, ob: i32, kh: i32, first: bool, wT: usize, bias: usize, y: usize, starts: usize, ent: usize,
): void {
  blockRow(6, b, ob, kh, first, wT, bias, y, starts, ent);
}

function block16row(
  b: i32, ob: i32, kh: i32, first: bool, wT: usize, bias: usize, y: usize, starts: usize, ent: usize,
): void {
  blockRow(4, b, ob, kh, first, wT, bias, y, starts, ent);
}

/** Output channels [ob, ob + 4) of every pixel of image b (channels left over after the 32-wide blocks). */
function block4(b: i32, ob: i32, wT: usize, bias: usize, y: usize, starts: usize, ent: usize, taps: usize): void {
  const wb = wT + <usize>ob * 4;
  for (let oh = 0; oh < gOutH; oh++) {
    for (let ow = 0; ow < gOutW; ow++) {
      const tEnd = taps + <usize>activeRows(oh, ow, starts, taps) * 12;
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
      const tEnd = taps + <usize>activeRows(oh, ow, starts, taps) * 12;
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
    forwardImage(b, wT, bias, y, starts, ent, taps);
  }
}

/** Every output channel of image b from its gathered entries. */
export function forwardImage(b: i32, wT: usize, bias: usize, y: usize, starts: usize, ent: usize, taps: usize): void {
  let ob = 0;
  while (ob < gOutC) {
    const width = blockWidth(gOutC - ob);
    if (width == 24) for (let kh = 0; kh < gKH; kh++) block24row(b, ob, kh, kh == 0, wT, bias, y, starts, ent);
    else if (width == 16) for (let kh = 0; kh < gKH; kh++) block16row(b, ob, kh, kh == 0, wT, bias, y, starts, ent);
    else if (width == 4) block4(b, ob, wT, bias, y, starts, ent, taps);
    else block1(b, ob, wT, bias, y, starts, ent, taps);
    ob += width;
  }
}

/**
 * The width of the next block of output channels when `rest` are left: 24 (6 vectors, see blockRow) while 16 or
 * more would be left after it, or exactly 24; then 16, 4 and 1. 64 channels go 24 + 24 + 16; 32 go 16 + 16.
 */
function blockWidth(rest: i32): i32 {
  if (rest >= 40 || rest == 24) return 24;
  if (rest >= 16) return 16;
  return rest >= 4 ? 4 : 1;
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

/**
 * Event-driven filter gradient. The call owns input channels [c0, c1) of dw [outC, kH, kW, inC], so threads never
 * write the same weights. Images go in groups of at least 128 pixels (a linear layer's rows are 1-pixel images, so
 * its groups are 128 rows). For each group, the non-zero inputs of each owned channel are listed as (b·outH, th, tw,
 * value) with th = ih + pH, tw = iw + pW (see dyOffset); then for each channel, tap and block of 32 output channels, the sum of
 * value · dy[b, oh, ow, block] over the channel's list stays in registers and is added once into a transposed
 * accumulator accT [taps, c1 − c0, outC]. At the end accT is written into dw's channel columns.
 */
const GROUP_PIXELS = 128;
const ENTRY = 12;

function groupImages(): i32 {
  const P = gInH * gInW;
  return min(gBatch, max(1, (GROUP_PIXELS + P - 1) / P));
}

/** Scratch bytes one call over `channels` input channels needs: the lists (a full slot per pixel) and accT. */
export function sparseFilterScratch(g: usize, channels: i32): i32 {
  loadGeometry(g);
  const lists = channels * groupImages() * gInH * gInW * ENTRY;
  return ((channels * 8 + 15) & ~15) + lists + gKH * gKW * channels * gOutC * 4;
}

/**
 * dy's byte offset for an entry and tap, or −1 when the tap's output is outside the image or between strides.
 * With stride 1 an entry holds the byte offset of output (th, tw) and a tap subtracts its `shift`; otherwise it
 * holds b·outH and the output is found by division.
 */
// @ts-ignore: decorator
@inline
function dyOffset(e: usize, kh: i32, kw: i32, shift: i32): i32 {
  let oh = <i32>load<i16>(e, 4) - kh;
  let ow = <i32>load<i16>(e, 6) - kw;
  if (gSH == 1 && gSW == 1) {
    if (<u32>oh >= <u32>gOutH || <u32>ow >= <u32>gOutW) return -1;
    return load<i32>(e) - shift;
  }
  if (oh < 0 || ow < 0 || oh % gSH != 0 || ow % gSW != 0) return -1;
  oh /= gSH;
  ow /= gSW;
  if (oh >= gOutH || ow >= gOutW) return -1;
  return ((load<i32>(e) + oh) * gOutW + ow) * gOutC * 4;
}

/**
 * accT row += Σ over the list of value · dy[entry, tap][ob, ob + 4·nv), nv = 6 or 4 vectors (6, not 8: see
 * blockRow). `inside`: every tap of every entry lands in dy (a stride-1 interior list), so the offset needs no
 * check; inlined, each call site compiles its own loop.
 */
// @ts-ignore: decorator
@inline
function filterBlock(
  nv: i32, list: usize, n: i32, kh: i32, kw: i32, shift: i32, dy: usize, ob: i32, acc: usize, inside: bool,
): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  const end = list + <usize>n * ENTRY;
  for (let e = list; e < end; e += ENTRY) {
    const off = inside ? load<i32>(e) - shift : dyOffset(e, kh, kw, shift);
    if (!inside && off < 0) continue;
    const d = dy + <usize>off + <usize>ob * 4;
    const v = v128.load32_splat(e, 8);
    a0 = madd(v, v128.load(d), a0);
    a1 = madd(v, v128.load(d, 16), a1);
    a2 = madd(v, v128.load(d, 32), a2);
    a3 = madd(v, v128.load(d, 48), a3);
    if (nv > 4) {
      a4 = madd(v, v128.load(d, 64), a4);
      a5 = madd(v, v128.load(d, 80), a5);
    }
  }
  v128.store(acc, f32x4.add(v128.load(acc), a0));
  v128.store(acc, f32x4.add(v128.load(acc, 16), a1), 16);
  v128.store(acc, f32x4.add(v128.load(acc, 32), a2), 32);
  v128.store(acc, f32x4.add(v128.load(acc, 48), a3), 48);
  if (nv > 4) {
    v128.store(acc, f32x4.add(v128.load(acc, 64), a4), 64);
    v128.store(acc, f32x4.add(v128.load(acc, 80), a5), 80);
  }
}

/**
 * filterBlock over a channel's lists: with stride 1 the interior list unchecked and the border list checked, else
 * the one list (from the slot's start) checked.
 */
// @ts-ignore: decorator
@inline
function filterLists(
  nv: i32, stride1: bool, list: usize, nIn: i32, border: usize, nOut: i32, kh: i32, kw: i32, shift: i32, dy: usize,
  ob: i32, acc: usize,
): void {
  if (stride1) {
    filterBlock(nv, list, nIn, kh, kw, shift, dy, ob, acc, true);
    filterBlock(nv, border, nOut, kh, kw, shift, dy, ob, acc, false);
  } else filterBlock(nv, list, nIn, kh, kw, shift, dy, ob, acc, false);
}

/** The same for 4 output channels. */
function filterBlock4(list: usize, n: i32, kh: i32, kw: i32, shift: i32, dy: usize, ob: i32, acc: usize): void {
  let a = f32x4.splat(0);
  const end = list + <usize>n * ENTRY;
  for (let e = list; e < end; e += ENTRY) {
    const off = dyOffset(e, kh, kw, shift);
    if (off >= 0) a = madd(v128.load32_splat(e, 8), v128.load(dy + <usize>off + <usize>ob * 4), a);
  }
  v128.store(acc, f32x4.add(v128.load(acc), a));
}

/** The same for one output channel. */
function filterBlock1(list: usize, n: i32, kh: i32, kw: i32, shift: i32, dy: usize, ob: i32, acc: usize): void {
  let a: f32 = 0;
  const end = list + <usize>n * ENTRY;
  for (let e = list; e < end; e += ENTRY) {
    const off = dyOffset(e, kh, kw, shift);
    if (off >= 0) a += load<f32>(e, 8) * load<f32>(dy + <usize>off + <usize>ob * 4);
  }
  store<f32>(acc, load<f32>(acc) + a);
}

/**
 * Lists group [b0, b1)'s non-zero inputs of channels [c0, c1) in channel c's full-size slot: with stride 1, the
 * entries all of whose taps land inside the output from the slot's start (counts[c]) and the others from its end
 * backwards (counts[R + c]); with another stride, all from the start.
 */
function gatherByChannel(x: usize, b0: i32, b1: i32, c0: i32, c1: i32, counts: usize, lists: usize, slot: i32): void {
  const R = c1 - c0;
  memory.fill(counts, 0, <usize>R * 8);
  const zero = f32x4.splat(0);
  const stride1 = gSH == 1 && gSW == 1;
  for (let b = b0; b < b1; b++) {
    const bOutH = b * gOutH;
    for (let ih = 0; ih < gInH; ih++) {
      for (let iw = 0; iw < gInW; iw++) {
        const src = x + <usize>(((b * gInH + ih) * gInW + iw) * gInC + c0) * 4;
        const th = ih + gPH, tw = iw + gPW;
        const inside = stride1 && th >= gKH - 1 && th < gOutH && tw >= gKW - 1 && tw < gOutW;
        const offset = stride1 ? (((bOutH + th) * gOutW + tw) * gOutC) * 4 : bOutH;
        let c = 0;
        for (; c + 4 <= R; c += 4) {
          let m = i32x4.bitmask(f32x4.ne(v128.load(src + <usize>c * 4), zero));
          while (m != 0) {
            listEntry(src, c + ctz(m), 1, inside || !stride1, offset, th, tw, R, counts, lists, slot);
            m &= m - 1;
          }
        }
        for (; c < R; c++) {
          const set = load<f32>(src + <usize>c * 4) != 0 ? 1 : 0;
          listEntry(src, c, set, inside || !stride1, offset, th, tw, R, counts, lists, slot);
        }
      }
    }
  }
}

/**
 * Writes channel j's value at src as the next entry of its list from the start (`front`) or from the end, and
 * counts it only when `set` (not 0, NaN included): an entry written for a zero is overwritten by the next, and
 * never reaches the other end's entries, since the two counts together stay below the pixels listed so far.
 * gatherByChannel visits only the set lanes of a 4-channel group (their bitmask, lowest first): the branch per
 * channel it had mispredicted at spike densities near 10 % and took half the linear layer's weight gradient.
 */
// @ts-ignore: decorator
@inline
function listEntry(
  src: usize, j: i32, set: i32, front: bool, offset: i32, th: i32, tw: i32, R: i32, counts: usize, lists: usize,
  slot: i32,
): void {
  const cnt = counts + <usize>(front ? j : R + j) * 4;
  const n = load<i32>(cnt);
  const e = lists + (<usize>j * <usize>slot + <usize>(front ? n : slot - 1 - n)) * ENTRY;
  store<i32>(e, offset);
  store<i16>(e, <i16>th, 4);
  store<i16>(e, <i16>tw, 6);
  store<f32>(e, load<f32>(src + <usize>j * 4), 8);
  store<i32>(cnt, n + set);
}

/** dw[:, :, :, c0..c1) (+)= the filter gradient over all images, from the non-zero inputs of those channels. */
export function convSparseBwdFilter(
  g: usize, x: usize, dy: usize, dw: usize, accumulate: i32, c0: i32, c1: i32, scratch: usize,
): void {
  loadGeometry(g);
  const R = c1 - c0;
  const G = groupImages();
  const slot = G * gInH * gInW;
  const taps = gKH * gKW;
  const counts = scratch;
  const lists = scratch + <usize>((R * 8 + 15) & ~15);
  const stride1 = gSH == 1 && gSW == 1;
  const accT = lists + <usize>R * <usize>slot * ENTRY; // [taps, R, outC]
  memory.fill(accT, 0, <usize>(taps * R * gOutC) * 4);
  for (let b0 = 0; b0 < gBatch; b0 += G) {
    gatherByChannel(x, b0, min(gBatch, b0 + G), c0, c1, counts, lists, slot);
    // one block of output channels at a time over every channel and tap: the group's dy columns of that block
    // (a 14×14 image's 32 channels: 25 KB) stay in L1 while the lists read them at scattered pixels
    for (let ob = 0; ob < gOutC; ) {
      const width = blockWidth(gOutC - ob);
      for (let c = 0; c < R; c++) {
        const nIn = load<i32>(counts + <usize>c * 4);
        const nOut = load<i32>(counts + <usize>(R + c) * 4);
        if (nIn + nOut == 0) continue;
        const list = lists + <usize>c * <usize>slot * ENTRY;
        const border = list + <usize>(slot - nOut) * ENTRY;
        for (let kh = 0; kh < gKH; kh++) {
          for (let kw = 0; kw < gKW; kw++) {
            const acc = accT + <usize>(((kh * gKW + kw) * R + c) * gOutC + ob) * 4;
            const shift = (kh * gOutW + kw) * gOutC * 4;
            if (width == 24) filterLists(6, stride1, list, nIn, border, nOut, kh, kw, shift, dy, ob, acc);
            else if (width == 16) filterLists(4, stride1, list, nIn, border, nOut, kh, kw, shift, dy, ob, acc);
            else if (width == 4) {
              filterBlock4(list, nIn, kh, kw, shift, dy, ob, acc);
              filterBlock4(border, nOut, kh, kw, shift, dy, ob, acc);
            } else {
              filterBlock1(list, nIn, kh, kw, shift, dy, ob, acc);
              filterBlock1(border, nOut, kh, kw, shift, dy, ob, acc);
            }
          }
        }
      }
      ob += width;
    }
  }
  // dw[o, tap, c0 + c] (+)= accT[tap, c, o], 16 channels at a time so the 16 accT rows being read stay cached
  for (let t = 0; t < taps; t++) {
    for (let cb = 0; cb < R; cb += 16) {
      const cEnd = min(R, cb + 16);
      for (let o = 0; o < gOutC; o++) {
        const dst = dw + <usize>((o * taps + t) * gInC + c0) * 4;
        const src = accT + <usize>((t * R) * gOutC + o) * 4;
        for (let c = cb; c < cEnd; c++) {
          const v = load<f32>(src + <usize>(c * gOutC) * 4);
          const p = dst + <usize>c * 4;
          store<f32>(p, accumulate ? load<f32>(p) + v : v);
        }
      }
    }
  }
}
