/**
 * General matrix multiply on the 4×8 tile. Each call computes the block rows [i0,i1) × columns [j0,j1) of C, so
 * threads split C without sharing writes. In the caller's scratch, B is packed per (KC×NC) block into 8-wide panels
 * and A per block of MB rows into 4-row strips (either operand may be transposed; packing absorbs it).
 */
import { tileSeg } from './tile';

const KC = 256;
const NC = 512;
const MB = 32; // rows per packed A block
/** Scratch bytes one thread needs for gemm. */
export const GEMM_SCRATCH: i32 = 256 + MB * KC * 4 + KC * NC * 4;

function packB(b: usize, ldb: i32, transB: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jp = 0; jp < nc; jp += 8) {
    const w = min(8, nc - jp);
    const panel = dst + <usize>(jp * kc) * 4;
    if (!transB) {
      for (let p = 0; p < kc; p++) {
        const src = b + <usize>((p0 + p) * ldb + j0 + jp) * 4;
        const d = panel + <usize>(p << 3) * 4;
        if (w == 8) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        } else {
          for (let j = 0; j < 8; j++) store<f32>(d + <usize>j * 4, j < w ? load<f32>(src + <usize>j * 4) : 0);
        }
      }
    } else {
      for (let j = 0; j < 8; j++) {
        const d = panel + <usize>j * 4;
        if (j < w) {
          const src = b + <usize>((j0 + jp + j) * ldb + p0) * 4;
          for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p << 3) * 4, load<f32>(src + <usize>p * 4));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p << 3) * 4, 0);
        }
      }
    }
  }
}

/** Packs rows [i, i+mr) × columns [p0, p0+kc) of op(A) as [kc][4] (missing rows read as zero). */
function packA(a: usize, lda: i32, transA: i32, i: i32, mr: i32, p0: i32, kc: i32, dst: usize): void {
  if (!transA) {
    for (let r = 0; r < 4; r++) {
      const d = dst + <usize>r * 4;
      if (r < mr) {
        const src = a + <usize>((i + r) * lda + p0) * 4;
        for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p << 4), load<f32>(src + <usize>p * 4));
      } else {
        for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p << 4), 0);
      }
    }
  } else if (mr == 4) {
    for (let p = 0; p < kc; p++) {
      v128.store(dst + <usize>(p << 4), v128.load(a + <usize>((p0 + p) * lda + i) * 4));
    }
  } else {
    for (let p = 0; p < kc; p++) {
      const src = a + <usize>((p0 + p) * lda + i) * 4;
      const d = dst + <usize>(p << 4);
      for (let r = 0; r < 4; r++) store<f32>(d + <usize>r * 4, r < mr ? load<f32>(src + <usize>r * 4) : 0);
    }
  }
}

function scaleBlock(c: usize, ldc: i32, i0: i32, i1: i32, j0: i32, j1: i32, beta: f32): void {
  for (let i = i0; i < i1; i++) {
    const row = c + <usize>(i * ldc) * 4;
    for (let j = j0; j < j1; j++) {
      const p = row + <usize>j * 4;
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
  }
}

export function gemmBlock(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: i32, transB: i32, alpha: f32, beta: f32,
  i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize,
): void {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const ldc = n;
  const tmp = scratch;
  const aPack = scratch + 256;
  const bPack = aPack + MB * KC * 4;
  if (beta != 1 && (beta != 0 || k == 0)) scaleBlock(c, ldc, i0, i1, j0, j1, beta);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const accum = pc > 0 || beta != 0 ? 1 : 0;
    for (let jc = j0; jc < j1; jc += NC) {
      const nc = min(NC, j1 - jc);
      packB(b, ldb, transB, pc, kc, jc, nc, bPack);
      // A block of MB rows is packed once per B block; each B panel is then reused from L1 across the block.
      for (let ib = i0; ib < i1; ib += MB) {
        const ie = min(ib + MB, i1);
        for (let i = ib; i < ie; i += 4) {
          packA(a, lda, transA, i, min(4, ie - i), pc, kc, aPack + <usize>(((i - ib) >> 2) * kc) * 16);
        }
        for (let jp = 0; jp < nc; jp += 8) {
          const panel = bPack + <usize>(jp * kc) * 4;
          const nr = min(8, nc - jp);
          for (let i = ib; i < ie; i += 4) {
            tileSeg(aPack + <usize>(((i - ib) >> 2) * kc) * 16, panel, kc, c + <usize>(i * ldc + jc + jp) * 4,
              <usize>ldc * 4, alpha, accum, 0, min(4, ie - i), nr, tmp);
          }
        }
      }
    }
  }
}

/** Thread entry points: a share of C's rows, or of its columns when C has few rows. */
export function gemmRows(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: i32, transB: i32, alpha: f32, beta: f32,
  start: i32, end: i32, scratch: usize,
): void {
  gemmBlock(a, b, c, m, n, k, transA, transB, alpha, beta, start, end, 0, n, scratch);
}

export function gemmCols(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: i32, transB: i32, alpha: f32, beta: f32,
  start: i32, end: i32, scratch: usize,
): void {
  gemmBlock(a, b, c, m, n, k, transA, transB, alpha, beta, 0, m, start, end, scratch);
}
