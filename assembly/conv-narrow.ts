/**
 * Forward and filter gradient of a narrow convolution: few inputs per output, K = kH·kW·inC ≤ 32 (a first layer
 * on 1–3 channel images, K = 9 or 27). The implicit GEMM of conv.ts spends most of such a pass packing A strips
 * tap by tap and starting and storing tiles that do only K steps (about 9 GFLOP/s on MNIST's first conv).
 * Here each image is first copied into a zero-padded buffer in this thread's scratch, so every tap of every
 * output pixel is an in-bounds read at a fixed offset from the pixel's corner, and the same 4×8 register tile as
 * tile.ts reads its broadcasts straight from that buffer.
 * The caller (src/kernels/wasm/dense.ts) takes this path only when outC is a multiple of 8.
 */
import {
  gInC, gInH, gInW, gKH, gKW, gOutC, gOutH, gOutW, gPH, gPW, gSH, gSW, loadGeometry,
} from './convgeom';
import { filterPartialBytes } from './conv';
import { tileSeg } from './tile';

/** c + a·b, fused under relaxed SIMD (the fma build), as in tile.ts. */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Pixels per filter-gradient chunk: their dy rows (16 KB at 32 channels) stay in L1 over the chunk's passes. */
const CHUNK = 128;

// @ts-ignore: decorator
@inline
function paddedH(): i32 {
  return gInH + 2 * gPH;
}

// @ts-ignore: decorator
@inline
function paddedW(): i32 {
  return gInW + 2 * gPW;
}

/** Bytes of the padded image at the start of a thread's scratch. */
// @ts-ignore: decorator
@inline
function paddedBytes(): i32 {
  return (paddedH() * paddedW() * gInC * 4 + 15) & ~15;
}

/**
 * Scratch bytes one thread needs: the padded image, the K4 = K rounded up to 4 tap offsets, then the forward's
 * A strip [K][4] and tile staging, or the filter gradient's accT [K4, outC] and patch rows [CHUNK, K4].
 */
export function narrowScratch(g: usize): i32 {
  loadGeometry(g);
  const K4 = (gKH * gKW * gInC + 3) & ~3;
  return paddedBytes() + K4 * 4 + max(K4 * 16 + 128, K4 * gOutC * 4 + CHUNK * K4 * 4);
}

/**
 * Copies image b of x into xp, [inH + 2pH, inW + 2pW, inC] with zero borders. Plain vector loops: memory.fill and
 * memory.copy on shared memory are runtime calls in V8, and a call per image row cost more than the copy.
 */
function padImage(x: usize, b: i32, xp: usize): void {
  const Wp = paddedW();
  const zero = f32x4.splat(0);
  const total = paddedH() * Wp * gInC;
  let i = 0;
  for (; i + 4 <= total; i += 4) v128.store(xp + <usize>i * 4, zero);
  for (; i < total; i++) store<f32>(xp + <usize>i * 4, 0);
  const n = gInW * gInC;
  for (let ih = 0; ih < gInH; ih++) {
    const d = xp + <usize>(((ih + gPH) * Wp + gPW) * gInC) * 4;
    const src = x + <usize>((b * gInH + ih) * n) * 4;
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(d + <usize>j * 4, v128.load(src + <usize>j * 4));
    for (; j < n; j++) store<f32>(d + <usize>j * 4, load<f32>(src + <usize>j * 4));
  }
}

/** offs[k] = byte offset of column k = (kh, kw, c) of a patch from its corner in the padded image; K4 − K zeros. */
function tapOffsets(offs: usize): void {
  const K = gKH * gKW * gInC;
  const Wp = paddedW();
  let k = 0;
  for (let kh = 0; kh < gKH; kh++) {
    for (let kw = 0; kw < gKW; kw++) {
      for (let c = 0; c < gInC; c++) store<i32>(offs + <usize>(k++) * 4, ((kh * Wp + kw) * gInC + c) * 4);
    }
  }
  for (; k < ((K + 3) & ~3); k++) store<i32>(offs + <usize>k * 4, 0);
}

/** Byte address in the padded image of output pixel q's patch corner. */
// @ts-ignore: decorator
@inline
function corner(xp: usize, q: i32): usize {
  const oh = q / gOutW, ow = q - (q / gOutW) * gOutW;
  return xp + <usize>(((oh * gSH) * paddedW() + ow * gSW) * gInC) * 4;
}

/**
 * Images [start, end) of y = conv(x, w) (+ bias), w packed in 8-wide panels (conv.ts: packConvW). Per 4 output
 * pixels, the A strip [K][4] is gathered from the padded image at fixed tap offsets, then each panel is one
 * tileSeg. (Reading the four pixels' values straight from the image, each from its own corner pointer, ran at
 * half the speed: every load then needed its own address arithmetic.)
 */
export function convNarrowFwd(g: usize, x: usize, wp: usize, bias: usize, y: usize, start: i32, end: i32, scratch: usize): void {
  loadGeometry(g);
  const K = gKH * gKW * gInC;
  const K4 = (K + 3) & ~3;
  const P = gOutH * gOutW;
  const xp = scratch;
  const offs = scratch + <usize>paddedBytes();
  const strip = offs + <usize>K4 * 4;
  const tmp = strip + <usize>K * 16;
  const ldc = <usize>gOutC * 4;
  const Wp = paddedW();
  const unit = gInC == 1 && gSW == 1;
  tapOffsets(offs);
  for (let b = start; b < end; b++) {
    padImage(x, b, xp);
    let oh = 0, ow = 0; // output pixel q's coordinates, advanced without divisions
    for (let q = 0; q < P; q += 4) {
      const c0 = xp + <usize>((oh * gSH * Wp + ow * gSW) * gInC) * 4;
      if (ow + 4 <= gOutW && unit) {
        // one row, one channel, stride 1: the four pixels' values of a tap are adjacent
        for (let k = 0; k < K; k++) {
          v128.store(strip + <usize>k * 16, v128.load(c0 + <usize>load<i32>(offs + <usize>k * 4)));
        }
      } else {
        // a last group short of 4 repeats its last pixel and stores only the real ones
        const c1 = corner(xp, min(q + 1, P - 1));
        const c2 = corner(xp, min(q + 2, P - 1)), c3 = corner(xp, min(q + 3, P - 1));
        for (let k = 0; k < K; k++) {
          const o = <usize>load<i32>(offs + <usize>k * 4);
          const d = strip + <usize>k * 16;
          store<f32>(d, load<f32>(c0 + o));
          store<f32>(d, load<f32>(c1 + o), 4);
          store<f32>(d, load<f32>(c2 + o), 8);
          store<f32>(d, load<f32>(c3 + o), 12);
        }
      }
      ow += 4;
      while (ow >= gOutW && oh < gOutH) {
        ow -= gOutW;
        oh++;
      }
      const yq = y + <usize>(b * P + q) * ldc;
      const mr = min(4, P - q);
      for (let p = 0; p < gOutC; p += 8) {
        tileSeg(strip, wp + <usize>(p * K) * 4, K, yq + <usize>p * 4, ldc, 1, 0, bias ? bias + <usize>p * 4 : 0, mr, 8, tmp);
      }
    }
  }
}

/**
 * The filter gradient over output pixels [r0, r1) (flat over batch·outH·outW), slot by slot as conv.ts'
 * convBwdFilterRows: pixels [s·perSlot, (s + 1)·perSlot) go into slot s's partial dw [outC, K] at `slots`, so the
 * sums do not depend on the thread count. Within a slot, chunks of up to CHUNK pixels of one image: their patch
 * rows are gathered into cols [CHUNK, K4]; then for each 4 columns × 8 output channels, Σ cols · dy over the
 * chunk stays in registers and is added into accT [K4, outC]. The slot's partial is accT transposed.
 */
export function convNarrowFilterRows(
  g: usize, x: usize, dy: usize, slots: usize, perSlot: i32, r0: i32, r1: i32, scratch: usize,
): void {
  loadGeometry(g);
  const K = gKH * gKW * gInC;
  const K4 = (K + 3) & ~3;
  const P = gOutH * gOutW;
  const xp = scratch;
  const offs = scratch + <usize>paddedBytes();
  const accT = offs + <usize>K4 * 4;
  const cols = accT + <usize>(K4 * gOutC) * 4;
  const bytes = <usize>filterPartialBytes(K, gOutC);
  const ld = <usize>gOutC * 4;
  const colBytes = <usize>K4 * 4;
  const Wp = paddedW();
  const zero = f32x4.splat(0);
  tapOffsets(offs);
  let padded = -1;
  for (let s0 = r0; s0 < r1; s0 += perSlot) {
    const s1 = min(r1, s0 + perSlot);
    for (let i = 0; i < K4 * gOutC; i += 4) v128.store(accT + <usize>i * 4, zero);
    for (let q0 = s0; q0 < s1; ) {
      const b = q0 / P;
      const q1 = min(s1, min((b + 1) * P, q0 + CHUNK));
      if (b != padded) {
        padImage(x, b, xp);
        padded = b;
      }
      const n = q1 - q0;
      let oh = (q0 - b * P) / gOutW, ow = q0 - b * P - oh * gOutW;
      for (let i = 0; i < n; i++) {
        const c = xp + <usize>((oh * gSH * Wp + ow * gSW) * gInC) * 4;
        const row = cols + <usize>i * colBytes;
        for (let k = 0; k < K4; k++) store<f32>(row + <usize>k * 4, load<f32>(c + <usize>load<i32>(offs + <usize>k * 4)));
        if (++ow == gOutW) {
          ow = 0;
          oh++;
        }
      }
      for (let k = 0; k < K4; k += 4) {
        for (let p = 0; p < gOutC; p += 8) {
          let a00 = zero, a01 = zero, a10 = zero, a11 = zero, a20 = zero, a21 = zero, a30 = zero, a31 = zero;
          let d = dy + <usize>(q0 * gOutC + p) * 4;
          let c = cols + <usize>k * 4;
          const cEnd = c + <usize>n * colBytes;
          for (; c < cEnd; c += colBytes) {
            const d0 = v128.load(d), d1 = v128.load(d, 16);
            let v = v128.load32_splat(c);
            a00 = madd(v, d0, a00);
            a01 = madd(v, d1, a01);
            v = v128.load32_splat(c, 4);
            a10 = madd(v, d0, a10);
            a11 = madd(v, d1, a11);
            v = v128.load32_splat(c, 8);
            a20 = madd(v, d0, a20);
            a21 = madd(v, d1, a21);
            v = v128.load32_splat(c, 12);
            a30 = madd(v, d0, a30);
            a31 = madd(v, d1, a31);
            d += ld;
          }
          const t = accT + <usize>(k * gOutC + p) * 4;
          v128.store(t, f32x4.add(v128.load(t), a00));
          v128.store(t, f32x4.add(v128.load(t, 16), a01), 16);
          v128.store(t + ld, f32x4.add(v128.load(t + ld), a10));
          v128.store(t + ld, f32x4.add(v128.load(t + ld, 16), a11), 16);
          v128.store(t + 2 * ld, f32x4.add(v128.load(t + 2 * ld), a20));
          v128.store(t + 2 * ld, f32x4.add(v128.load(t + 2 * ld, 16), a21), 16);
          v128.store(t + 3 * ld, f32x4.add(v128.load(t + 3 * ld), a30));
          v128.store(t + 3 * ld, f32x4.add(v128.load(t + 3 * ld, 16), a31), 16);
        }
      }
      q0 = q1;
    }
    const partial = slots + <usize>(s0 / perSlot) * bytes;
    for (let o = 0; o < gOutC; o++) {
      for (let k = 0; k < K; k++) {
        store<f32>(partial + <usize>(o * K + k) * 4, load<f32>(accT + <usize>(k * gOutC + o) * 4));
      }
    }
  }
}
