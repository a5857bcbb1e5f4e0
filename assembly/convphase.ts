/**
 * Input-gradient of a strided convolution, one stride phase at a time. The dx pixels with
 * (ih + pH) mod sH = ρh and (iw + pW) mod sW = ρw receive gradient only from the taps with kh ≡ ρh, kw ≡ ρw, so
 * each phase is a smaller implicit GEMM over just those taps: a 3×3 stride-2 conv does 9 taps of work in total
 * instead of 36, most of them zeros. Strips are 4 pixels of one image row, sW apart in dx (so one C stride fits).
 */
import { tileSeg } from './tile';
import { bwdSrc, gInC, gInH, gInW, gKW, gOutC, gPH, gPW, gSH, gSW, loadGeometry, packTap } from './convgeom';

const BLOCK = 8; // strips per block: their packed A stays in cache while the weight panels stream

/** wq[panel][t·outC + oc][8] = w[oc][taps[t]][panel·8 + j]: the transposed filter restricted to a phase's taps. */
export function packConvWTTaps(w: usize, wq: usize, outC: i32, allTaps: i32, inC: i32, taps: usize, nTaps: i32): void {
  const K = nTaps * outC;
  for (let p = 0; p < inC; p += 8) {
    const panel = wq + <usize>(p * K) * 4;
    for (let t = 0; t < nTaps; t++) {
      const tap = load<i32>(taps + <usize>t * 4);
      for (let oc = 0; oc < outC; oc++) {
        const d = panel + <usize>((t * outC + oc) << 3) * 4;
        const src = w + <usize>((oc * allTaps + tap) * inC + p) * 4;
        for (let j = 0; j < 8; j++) store<f32>(d + <usize>j * 4, p + j < inC ? load<f32>(src + <usize>j * 4) : 0);
      }
    }
  }
}

/** First dx coordinate of phase ρ along an axis, and how many coordinates the phase has. */
// @ts-ignore: decorator
@inline
function phaseStart(rho: i32, pad: i32, stride: i32): i32 {
  return (((rho - pad) % stride) + stride) % stride;
}

/** Image rows [start, end) of phase (ρh, ρw); an image row is (b, j) with ih = ih0 + j·sH. */
export function convBwdInputPhase(
  g: usize, dy: usize, wq: usize, dx: usize, rh: i32, rw: i32, taps: usize, nTaps: i32,
  start: i32, end: i32, scratch: usize,
): void {
  loadGeometry(g);
  const ih0 = phaseStart(rh, gPH, gSH), iw0 = phaseStart(rw, gPW, gSW);
  const Hp = ih0 < gInH ? (gInH - ih0 + gSH - 1) / gSH : 0;
  const Wp = iw0 < gInW ? (gInW - iw0 + gSW - 1) / gSW : 0;
  if (Hp == 0 || Wp == 0) return;
  const K = nTaps * gOutC;
  const tmp = scratch;
  const info = scratch + 128; // per strip in the block: dx address, rows
  const strips = info + BLOCK * 8;
  const ldc = <usize>(gSW * gInC) * 4;
  let n = 0;
  for (let q = start; q < end; q++) {
    const b = q / Hp;
    const ih = ih0 + (q - b * Hp) * gSH;
    for (let x = 0; x < Wp; x += 4) {
      const mr = min(4, Wp - x);
      const r = (b * gInH + ih) * gInW + iw0 + x * gSW; // dx row of the strip's first pixel
      let d = strips + <usize>(n * K) * 16;
      for (let t = 0; t < nTaps; t++) {
        const tap = load<i32>(taps + <usize>t * 4);
        const kh = tap / gKW, kw = tap - (tap / gKW) * gKW;
        const p0 = bwdSrc(dy, r, kh, kw);
        const p1 = mr > 1 ? bwdSrc(dy, r + gSW, kh, kw) : 0;
        const p2 = mr > 2 ? bwdSrc(dy, r + 2 * gSW, kh, kw) : 0;
        const p3 = mr > 3 ? bwdSrc(dy, r + 3 * gSW, kh, kw) : 0;
        d = packTap(p0, p1, p2, p3, gOutC, d);
      }
      store<u32>(info + <usize>n * 8, <u32>(dx + <usize>(r * gInC) * 4));
      store<i32>(info + <usize>n * 8, mr, 4);
      if (++n == BLOCK) {
        flush(wq, info, strips, n, K, ldc, tmp);
        n = 0;
      }
    }
  }
  if (n > 0) flush(wq, info, strips, n, K, ldc, tmp);
}

function flush(wq: usize, info: usize, strips: usize, n: i32, K: i32, ldc: usize, tmp: usize): void {
  for (let p = 0; p < gInC; p += 8) {
    const nr = min(8, gInC - p);
    const panel = wq + <usize>(p * K) * 4;
    for (let s = 0; s < n; s++) {
      const c = <usize>load<u32>(info + <usize>s * 8) + <usize>p * 4;
      tileSeg(strips + <usize>(s * K) * 16, panel, K, c, ldc, 1, 0, 0, load<i32>(info + <usize>s * 8, 4), nr, tmp);
    }
  }
}

/** Scratch bytes per thread for convBwdInputPhase with K = nTaps·outC. */
export function convPhaseScratch(K: i32): i32 {
  return 128 + BLOCK * 8 + BLOCK * K * 16;
}
