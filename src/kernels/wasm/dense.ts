/** gemm, the three convolution passes and average pooling on the wasm backend (kernels in assembly/). */
import { geometryInts } from '../geometry.js';
import type { Buf, ConvBackwardFilterAttrs, ConvGeometry, GemmAttrs } from '../kernels.js';
import { staged, tempI32, type WasmContext } from './context.js';

/** Single-thread speed of the tile kernels, to turn flops into the pool's work estimate (nanoseconds). */
const FLOPS_PER_NS = 40;

export function gemm(ctx: WasmContext, a: Buf, b: Buf, c: Buf, at: GemmAttrs): void {
  const { m, n, k } = at;
  if (m === 0 || n === 0) return;
  staged(ctx, () => {
    const pa = ctx.st.in(a);
    const pb = ctx.st.in(b);
    const beta = at.accumulate === true ? 1 : 0;
    const pc = beta !== 0 ? ctx.st.inout(c) : ctx.st.out(c);
    const byRows = m >= 8 * ctx.pool.threads || m >= n;
    ctx.pool.run(
      byRows ? 'gemmRows' : 'gemmCols',
      [pa, pb, pc, m, n, k, at.transA ? 1 : 0, at.transB ? 1 : 0, at.alpha ?? 1, beta],
      byRows ? m : n,
      {
        align: byRows ? 4 : 8,
        work: (2 * m * n * k) / FLOPS_PER_NS,
        scratch: gemmScratch(ctx),
        chunksPerThread: 1,
      },
    );
  });
}

function geometry(ctx: WasmContext, g: ConvGeometry): number {
  return tempI32(ctx, geometryInts(g));
}

function scratchValue(ctx: WasmContext, name: string): number {
  const v = ctx.ex[name] as unknown as { value: number } | number;
  return typeof v === 'number' ? v : v.value;
}

export function gemmScratch(ctx: WasmContext): number {
  return scratchValue(ctx, 'GEMM_SCRATCH');
}

export function conv2dForward(ctx: WasmContext, x: Buf, w: Buf, bias: Buf | null, y: Buf, g: ConvGeometry): void {
  const K = g.kH * g.kW * g.inC;
  const rows = g.batch * g.outH * g.outW;
  staged(ctx, () => {
    const px = ctx.st.in(x);
    const pw = ctx.st.in(w);
    const pb = ctx.st.maybe(bias);
    const py = ctx.st.out(y);
    const gp = geometry(ctx, g);
    const wp = ctx.heap.allocBytes(Math.ceil(g.outC / 8) * 8 * K * 4);
    try {
      ctx.ex.packConvW!(pw, wp, g.outC, K);
      if (narrow(g)) {
        ctx.pool.run('convNarrowFwd', [gp, px, wp, pb, py], g.batch, {
          work: (2 * rows * g.outC * K) / FLOPS_PER_NS,
          scratch: ctx.ex.narrowScratch!(gp),
        });
      } else {
        ctx.pool.run('convFwd', [gp, px, wp, pb, py], rows, {
          align: 4,
          work: (2 * rows * g.outC * K) / FLOPS_PER_NS,
          scratch: ctx.ex.convScratch!(K, g.outC),
        });
      }
    } finally {
      ctx.heap.freeBytes(wp);
      ctx.heap.freeBytes(gp);
    }
  });
}

export function conv2dBackwardInput(ctx: WasmContext, dy: Buf, w: Buf, dx: Buf, g: ConvGeometry): void {
  if (g.strideH > 1 || g.strideW > 1) {
    conv2dBackwardInputStrided(ctx, dy, w, dx, g);
    return;
  }
  const taps = g.kH * g.kW;
  const K = taps * g.outC;
  const rows = g.batch * g.inH * g.inW;
  staged(ctx, () => {
    const pdy = ctx.st.in(dy);
    const pw = ctx.st.in(w);
    const pdx = ctx.st.out(dx);
    const gp = geometry(ctx, g);
    const wq = ctx.heap.allocBytes(Math.ceil(g.inC / 8) * 8 * K * 4);
    try {
      ctx.ex.packConvWT!(pw, wq, g.outC, taps, g.inC);
      ctx.pool.run('convBwdInput', [gp, pdy, wq, pdx], rows, {
        align: 4,
        work: (2 * rows * g.inC * K) / FLOPS_PER_NS,
        scratch: ctx.ex.convScratch!(K, g.outC),
      });
    } finally {
      ctx.heap.freeBytes(wq);
      ctx.heap.freeBytes(gp);
    }
  });
}

/** Strided input-gradient: one implicit GEMM per stride phase, over only the taps that reach it (convphase.ts). */
function conv2dBackwardInputStrided(ctx: WasmContext, dy: Buf, w: Buf, dx: Buf, g: ConvGeometry): void {
  const phaseStart = (rho: number, pad: number, s: number): number => (((rho - pad) % s) + s) % s;
  staged(ctx, () => {
    const pdy = ctx.st.in(dy);
    const pw = ctx.st.in(w);
    const pdx = ctx.st.out(dx);
    const gp = geometry(ctx, g);
    try {
      for (let rh = 0; rh < g.strideH; rh++) {
        for (let rw = 0; rw < g.strideW; rw++) {
          const taps: number[] = [];
          for (let kh = rh; kh < g.kH; kh += g.strideH) {
            for (let kw = rw; kw < g.kW; kw += g.strideW) taps.push(kh * g.kW + kw);
          }
          const ih0 = phaseStart(rh, g.padH, g.strideH),
            iw0 = phaseStart(rw, g.padW, g.strideW);
          const Hp = Math.max(0, Math.ceil((g.inH - ih0) / g.strideH));
          const Wp = Math.max(0, Math.ceil((g.inW - iw0) / g.strideW));
          if (Hp === 0 || Wp === 0) continue;
          const K = taps.length * g.outC;
          const pt = tempI32(ctx, taps.length > 0 ? taps : [0]);
          const wq = ctx.heap.allocBytes(Math.ceil(g.inC / 8) * 8 * K * 4);
          try {
            ctx.ex.packConvWTTaps!(pw, wq, g.outC, g.kH * g.kW, g.inC, pt, taps.length);
            const rows = g.batch * Hp;
            ctx.pool.run('convBwdInputPhase', [gp, pdy, wq, pdx, rh, rw, pt, taps.length], rows, {
              align: 1,
              work: (2 * rows * Wp * g.inC * K) / FLOPS_PER_NS + rows * Wp * g.inC,
              scratch: ctx.ex.convPhaseScratch!(K),
            });
          } finally {
            ctx.heap.freeBytes(wq);
            ctx.heap.freeBytes(pt);
          }
        }
      }
    } finally {
      ctx.heap.freeBytes(gp);
    }
  });
}

export function conv2dBackwardFilter(
  ctx: WasmContext,
  x: Buf,
  dy: Buf,
  dw: Buf,
  dbias: Buf | null,
  g: ConvBackwardFilterAttrs,
): void {
  const accumulate = g.accumulate === true;
  const K = g.kH * g.kW * g.inC;
  const rows = g.batch * g.outH * g.outW;
  staged(ctx, () => {
    const px = ctx.st.in(x);
    const pdy = ctx.st.in(dy);
    const pdw = accumulate ? ctx.st.inout(dw) : ctx.st.out(dw);
    const gp = geometry(ctx, g);
    try {
      const work = (2 * rows * g.outC * K) / FLOPS_PER_NS;
      // too few 8-column chunks to share out by columns; the test is on K alone, not on the thread count, so that
      // 1 and N threads sum in the same order
      if (K < NARROW_FILTER_K) filterByRows(ctx, g, gp, px, pdy, pdw, accumulate, K, g.outC, rows, work);
      else {
        ctx.pool.run('convBwdFilter', [gp, px, pdy, pdw, accumulate ? 1 : 0], K, {
          align: 8,
          work,
          scratch: ctx.ex.convScratch!(K, g.outC),
          chunksPerThread: 1,
        });
      }
    } finally {
      ctx.heap.freeBytes(gp);
    }
    if (dbias !== null) columnSums(ctx, pdy, rows, g.outC, dbias, accumulate);
  });
}

/**
 * The filter gradient of a narrow filter (K = kH·kW·inC under NARROW_FILTER_K, e.g. a first layer's 9: by columns
 * one thread did 8 of the 9 columns and every thread packed all of dy): the output pixels are cut into
 * FILTER_SLOTS slots, each with its own partial dw (assembly/conv.ts: convBwdFilterRows), threads take whole slots,
 * and the partials are summed here in slot order: the same sums on any number of threads and from run to run.
 */
function filterByRows(
  ctx: WasmContext,
  g: ConvGeometry,
  gp: number,
  px: number,
  pdy: number,
  pdw: number,
  accumulate: boolean,
  K: number,
  outC: number,
  rows: number,
  work: number,
): void {
  const { pool } = ctx;
  const bytes = ctx.ex.filterPartialBytes!(K, outC);
  const direct = narrow(g);
  pool.ensureScratch(direct ? ctx.ex.narrowScratch!(gp) : ctx.ex.convScratch!(K, outC));
  const perSlot = Math.ceil(rows / FILTER_SLOTS / 256) * 256;
  const count = Math.ceil(rows / perSlot);
  const slots = ctx.heap.allocBytes(count * bytes);
  try {
    pool.run(direct ? 'convNarrowFilterRows' : 'convBwdFilterRows', [gp, px, pdy, slots, perSlot], rows, {
      align: perSlot,
      work,
    });
    const n = outC * K;
    const sum = new Float64Array(n);
    for (let s = 0; s < count; s++) {
      const part = new Float32Array(ctx.heap.memory.buffer, slots + s * bytes, n);
      for (let i = 0; i < n; i++) sum[i]! += part[i]!;
    }
    const dw = new Float32Array(ctx.heap.memory.buffer, pdw, n);
    for (let i = 0; i < n; i++) dw[i] = accumulate ? dw[i]! + sum[i]! : sum[i]!;
  } finally {
    ctx.heap.freeBytes(slots);
  }
}

/**
 * Whether the forward and the filter gradient run on the direct kernels of assembly/conv-narrow.ts: few columns
 * K = kH·kW·inC (a first layer on 1–3 channel images) and whole 8-wide output panels. On MNIST's first conv
 * (K = 9, 32 channels; `spikerep bench --only first_conv`, 2 threads, alternated with the implicit GEMM) the
 * forward went from 9–10 to 23–25 GFLOP/s and the filter gradient (with the bias sums) from 10 to 18–25.
 */
function narrow(g: ConvGeometry): boolean {
  return g.kH * g.kW * g.inC <= NARROW_FILTER_K && g.outC % 8 === 0;
}

/** Slots of the narrow filter gradient: partials summed in a fixed order, whatever the thread count. */
const FILTER_SLOTS = 4;

/** Filters with fewer columns K = kH·kW·inC than this (under two 8-column chunks for each of 2 threads) go by rows. */
const NARROW_FILTER_K = 32;

/**
 * Column sums of a [rows, cols] matrix in float64 (see assembly/colsum.ts): threads split the rows and leave
 * partial sums in their scratch. mode 0: Σ x; 3: both Σ y and Σ y·(x − shift) in one pass, 2·cols values.
 */
export function colSums(
  ctx: WasmContext,
  px: number,
  py: number,
  shift: number,
  rows: number,
  cols: number,
  mode: number,
): Float64Array {
  const width = mode >= 3 ? 2 * cols : cols;
  const parts = ctx.pool.run('colSums', [px, py, shift, rows, cols, mode], rows, {
    align: 64,
    work: rows * cols * (mode === 0 ? 0.25 : 0.5),
    scratch: width * 8,
    partials: true,
  });
  const s = new Float64Array(width);
  for (let p = 0; p < parts; p++) {
    const part = new Float64Array(ctx.heap.memory.buffer, ctx.pool.scratchOf(p), width);
    for (let c = 0; c < width; c++) s[c]! += part[c]!;
  }
  return s;
}

/** out[c] (+)= Σ_r x[r, c] over a pointer already in the heap, summed in float64. */
export function columnSums(
  ctx: WasmContext,
  px: number,
  rows: number,
  cols: number,
  out: Buf,
  accumulate: boolean,
): void {
  const s = colSums(ctx, px, 0, 0, rows, cols, 0);
  for (let c = 0; c < cols; c++) out[c] = accumulate ? out[c]! + s[c]! : s[c]!;
}

export function avgPool2dForward(ctx: WasmContext, x: Buf, y: Buf, g: ConvGeometry): void {
  const rows = g.batch * g.outH * g.outW;
  staged(ctx, () => {
    const px = ctx.st.in(x);
    const py = ctx.st.out(y);
    const gp = geometry(ctx, g);
    try {
      ctx.pool.run('avgPoolFwd', [gp, px, py], rows, {
        align: 1,
        work: (rows * g.inC * g.kH * g.kW) / 4,
        scratch: 4 * g.kH * g.kW,
      });
    } finally {
      ctx.heap.freeBytes(gp);
    }
  });
}

export function avgPool2dBackward(ctx: WasmContext, dy: Buf, dx: Buf, g: ConvGeometry): void {
  const rows = g.batch * g.inH * g.inW;
  staged(ctx, () => {
    const pdy = ctx.st.in(dy);
    const pdx = ctx.st.out(dx);
    const gp = geometry(ctx, g);
    try {
      ctx.pool.run('avgPoolBwd', [gp, pdy, pdx], rows, {
        align: 1,
        work: rows * g.inC,
        scratch: 4 * g.kH * g.kW,
      });
    } finally {
      ctx.heap.freeBytes(gp);
    }
  });
}
