/**
 * The event-driven convolution forward (sparse.ts) with the cross product Σ_rows x ⊗ y of its input and its own
 * output added in the same pass: the filter-gradient-shaped product that the representation-mode batch-norm
 * correction needs (src/nn/bn-correction.ts). After an image's forward its list of non-zero inputs is still in
 * scratch and its output still in cache, so every output pixel holds a 32-channel block of y in registers and
 * adds value · y into the rows of the entries its taps read: no second gather, no second read of y. The rows are
 * a per-thread partial crossT [kH, kW, inC, outC] (wT's layout, so an entry's byte offset into a tap's weight
 * rows is also its offset into crossT). The images are cut into a fixed number of slots, each with its own
 * partial, and crossReduce sums the slots' partials in slot order into [outC, kH, kW, inC]: the result is the same
 * on any number of threads and from run to run. Scratch: the forward's lists.
 */
import { gInC, gInH, gInW, gKH, gKW, gOutC, gOutH, gOutW, loadGeometry } from './convgeom';
import { activeRows, forwardImage, gather, sparseScratch } from './sparse';

/** c + a·b, fused under relaxed SIMD (the fma build), as in tile.ts. */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Bytes of one slot's crossT partial. */
function crossBytes(): i32 {
  return ((gKH * gKW * gInC * gOutC * 4 + 15) & ~15);
}

/** Scratch bytes one thread needs (geometry g). */
export function sparseCrossScratch(g: usize): i32 {
  loadGeometry(g);
  return sparseScratch(gInH, gInW, gInC, gKH * gKW);
}

/** Bytes of one slot's transposed partial (geometry g). */
export function crossSlotBytes(g: usize): i32 {
  loadGeometry(g);
  return crossBytes();
}

/** crossT[tap, ic, ob..ob + 32) += value · y[b, pixel, ob..ob + 32) over every output pixel of image b. */
function crossBlock32(b: i32, ob: i32, y: usize, crossT: usize, starts: usize, ent: usize, taps: usize): void {
  const rows = crossT + <usize>ob * 4;
  for (let oh = 0; oh < gOutH; oh++) {
    for (let ow = 0; ow < gOutW; ow++) {
      const tEnd = taps + <usize>activeRows(oh, ow, starts, taps) * 12;
      if (tEnd == taps) continue;
      const o = y + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC + ob) * 4;
      const z0 = v128.load(o), z1 = v128.load(o, 16), z2 = v128.load(o, 32), z3 = v128.load(o, 48);
      const z4 = v128.load(o, 64), z5 = v128.load(o, 80), z6 = v128.load(o, 96), z7 = v128.load(o, 112);
      for (let t = taps; t < tEnd; t += 12) {
        const tap = rows + <usize>load<i32>(t);
        const qEnd = ent + <usize>load<i32>(t, 8) * 8;
        for (let q = ent + <usize>load<i32>(t, 4) * 8; q < qEnd; q += 8) {
          const p = tap + <usize>load<i32>(q);
          const v = v128.load32_splat(q, 4);
          v128.store(p, madd(v, z0, v128.load(p)));
          v128.store(p, madd(v, z1, v128.load(p, 16)), 16);
          v128.store(p, madd(v, z2, v128.load(p, 32)), 32);
          v128.store(p, madd(v, z3, v128.load(p, 48)), 48);
          v128.store(p, madd(v, z4, v128.load(p, 64)), 64);
          v128.store(p, madd(v, z5, v128.load(p, 80)), 80);
          v128.store(p, madd(v, z6, v128.load(p, 96)), 96);
          v128.store(p, madd(v, z7, v128.load(p, 112)), 112);
        }
      }
    }
  }
}

/** The same for output channels [ob, ob + 4). */
function crossBlock4(b: i32, ob: i32, y: usize, crossT: usize, starts: usize, ent: usize, taps: usize): void {
  const rows = crossT + <usize>ob * 4;
  for (let oh = 0; oh < gOutH; oh++) {
    for (let ow = 0; ow < gOutW; ow++) {
      const tEnd = taps + <usize>activeRows(oh, ow, starts, taps) * 12;
      const z = v128.load(y + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC + ob) * 4);
      for (let t = taps; t < tEnd; t += 12) {
        const tap = rows + <usize>load<i32>(t);
        const qEnd = ent + <usize>load<i32>(t, 8) * 8;
        for (let q = ent + <usize>load<i32>(t, 4) * 8; q < qEnd; q += 8) {
          const p = tap + <usize>load<i32>(q);
          v128.store(p, madd(v128.load32_splat(q, 4), z, v128.load(p)));
        }
      }
    }
  }
}

/** The same for output channel ob. */
function crossBlock1(b: i32, ob: i32, y: usize, crossT: usize, starts: usize, ent: usize, taps: usize): void {
  const rows = crossT + <usize>ob * 4;
  for (let oh = 0; oh < gOutH; oh++) {
    for (let ow = 0; ow < gOutW; ow++) {
      const tEnd = taps + <usize>activeRows(oh, ow, starts, taps) * 12;
      const z = load<f32>(y + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC + ob) * 4);
      for (let t = taps; t < tEnd; t += 12) {
        const tap = rows + <usize>load<i32>(t);
        const qEnd = ent + <usize>load<i32>(t, 8) * 8;
        for (let q = ent + <usize>load<i32>(t, 4) * 8; q < qEnd; q += 8) {
          const p = tap + <usize>load<i32>(q);
          store<f32>(p, load<f32>(p) + load<f32>(q, 4) * z);
        }
      }
    }
  }
}

/** Images [start, end): y = conv(x, w) (+ bias) from the transposed weight wT, and this thread's crossT += x ⊗ y. */
export function convSparseFwdCross(
  g: usize, x: usize, wT: usize, bias: usize, y: usize, slots: usize, perSlot: i32, start: i32, end: i32,
  scratch: usize,
): void {
  slotImages(g, x, wT, bias, y, y, slots, perSlot, start, end, scratch);
}

/**
 * Images [start, end): their non-zero inputs gathered, with wT ≠ 0 the forward into y, then slot partial +=
 * x ⊗ z. Images [s·perSlot, (s + 1)·perSlot) add into slot s's partial, in image order, whichever thread runs them:
 * the sums do not depend on the thread count or on which thread claimed which chunk.
 */
// @ts-ignore: decorator
@inline
function slotImages(
  g: usize, x: usize, wT: usize, bias: usize, y: usize, z: usize, slots: usize, perSlot: i32, start: i32, end: i32,
  scratch: usize,
): void {
  loadGeometry(g);
  const bytes = crossBytes();
  const starts = scratch;
  const ent = starts + <usize>(((gInH * gInW + 1) * 4 + 15) & ~15);
  const taps = ent + <usize>(gInH * gInW * gInC) * 8;
  for (let b = start; b < end; b++) {
    const crossT = slots + <usize>(b / perSlot) * <usize>bytes;
    if (b % perSlot == 0) memory.fill(crossT, 0, <usize>bytes);
    gather(x, b, starts, ent);
    if (wT) forwardImage(b, wT, bias, y, starts, ent, taps);
    let ob = 0;
    for (; ob + 32 <= gOutC; ob += 32) crossBlock32(b, ob, z, crossT, starts, ent, taps);
    for (; ob + 4 <= gOutC; ob += 4) crossBlock4(b, ob, z, crossT, starts, ent, taps);
    for (; ob < gOutC; ob++) crossBlock1(b, ob, z, crossT, starts, ent, taps);
  }
}

/**
 * The event-driven filter gradient in the same form (src/kernels/wasm/sparse.ts picks it where the partial stays
 * small): images [start, end) add x ⊗ dy into their slot's partial. Per output pixel a 32-channel block of dy stays
 * in registers while the entries its taps read add into their rows, one read-modify-write each; on mnistnet's second
 * conv at 20 % density that took 9.3 ms where the sums kept in registers per input channel and tap
 * (convSparseBwdFilter), with a gradient load per multiply-add and a loop per channel, tap and block, took 17.9.
 */
export function convSparseBwdFilterSlots(
  g: usize, x: usize, dy: usize, slots: usize, perSlot: i32, start: i32, end: i32, scratch: usize,
): void {
  slotImages(g, x, 0, 0, 0, dy, slots, perSlot, start, end, scratch);
}

/**
 * cross[o, r] (+)= Σ_p partial_p[r, o] for output channels o in [start, end), r over kH·kW·inC: the slots'
 * crossT partials (pointers at `parts`, `n` of them, in slot order) summed and transposed. Rows go 16 at a time so the 16
 * partial rows being read stay cached while o runs.
 */
export function crossReduce(
  parts: usize, n: i32, cross: usize, accumulate: i32, rows: i32, outC: i32, start: i32, end: i32, _s: usize,
): void {
  for (let r0 = 0; r0 < rows; r0 += 16) {
    const r1 = min(rows, r0 + 16);
    for (let o = start; o < end; o++) {
      for (let r = r0; r < r1; r++) {
        const at = <usize>(r * outC + o) * 4;
        let s: f32 = accumulate ? load<f32>(cross + <usize>(o * rows + r) * 4) : 0;
        for (let p = 0; p < n; p++) s += load<f32>(<usize>load<i32>(parts + <usize>p * 4) + at);
        store<f32>(cross + <usize>(o * rows + r) * 4, s);
      }
    }
  }
}
