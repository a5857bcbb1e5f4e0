/** gemm, the three convolution passes and average pooling on the wasm backend (kernels in assembly/). */
import type { Buf, ConvGeometry, GemmAttrs } from '../kernels.js';
import { readF64, staged, tempI32, type WasmContext } from './context.js';

/** Single-thread speed of the tile kernels, to turn flops into the pool's work estimate (nanoseconds). */
const FLOPS_PER_NS = 40;

export function gemm(ctx: WasmContext, a: Buf, b: Buf, c: Buf, at: GemmAttrs): void {
  const { m, n, k } = at;
  if (m === 0 || n === 0) return;
  staged(ctx, () => {
    const pa = ctx.st.in(a);
    const pb = ctx.st.in(b);
    const pc = at.beta !== 0 ? ctx.st.inout(c) : ctx.st.out(c);
    const byRows = m >= 8 * ctx.pool.threads || m >= n;
    ctx.pool.run(
      byRows ? 'gemmRows' : 'gemmCols',
      [pa, pb, pc, m, n, k, at.transA ? 1 : 0, at.transB ? 1 : 0, at.alpha, at.beta],
      byRows ? m : n,
      { align: byRows ? 4 : 8, work: (2 * m * n * k) / FLOPS_PER_NS, scratch: gemmScratch(ctx) },
    );
  });
}

function geometry(ctx: WasmContext, g: ConvGeometry): number {
  return tempI32(ctx, [
    g.batch, g.inH, g.inW, g.inC, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW,
  ]);
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
      ctx.pool.run('convFwd', [gp, px, wp, pb, py], rows, {
        align: 4, work: (2 * rows * g.outC * K) / FLOPS_PER_NS, scratch: ctx.ex.convScratch!(K, g.outC),
      });
    } finally {
      ctx.heap.freeBytes(wp);
      ctx.heap.freeBytes(gp);
    }
  });
}

export function conv2dBackwardInput(ctx: WasmContext, dy: Buf, w: Buf, dx: Buf, g: ConvGeometry): void {
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
        align: 4, work: (2 * rows * g.inC * K) / FLOPS_PER_NS, scratch: ctx.ex.convScratch!(K, g.outC),
      });
    } finally {
      ctx.heap.freeBytes(wq);
      ctx.heap.freeBytes(gp);
    }
  });
}

export function conv2dBackwardFilter(
  ctx: WasmContext, x: Buf, dy: Buf, dw: Buf, dbias: Buf | null, g: ConvGeometry, accumulate: boolean,
): void {
  const K = g.kH * g.kW * g.inC;
  const rows = g.batch * g.outH * g.outW;
  staged(ctx, () => {
    const px = ctx.st.in(x);
    const pdy = ctx.st.in(dy);
    const pdw = accumulate ? ctx.st.inout(dw) : ctx.st.out(dw);
    const gp = geometry(ctx, g);
    try {
      ctx.pool.run('convBwdFilter', [gp, px, pdy, pdw, accumulate ? 1 : 0], K, {
        align: 8, work: (2 * rows * g.outC * K) / FLOPS_PER_NS, scratch: ctx.ex.convScratch!(K, g.outC),
      });
    } finally {
      ctx.heap.freeBytes(gp);
    }
    if (dbias !== null) columnSums(ctx, pdy, rows, g.outC, dbias, accumulate);
  });
}

/** out[c] (+)= Σ_r x[r, c] over a pointer already in the heap, summed in float64. */
export function columnSums(ctx: WasmContext, px: number, rows: number, cols: number, out: Buf, accumulate: boolean): void {
  const o64 = ctx.heap.allocBytes(cols * 8);
  try {
    ctx.pool.run('colSums', [px, 0, 0, o64, rows, cols, 0], cols, { align: 4, work: rows * cols });
    const s = readF64(ctx, o64, cols);
    for (let c = 0; c < cols; c++) out[c] = accumulate ? out[c]! + s[c]! : s[c]!;
  } finally {
    ctx.heap.freeBytes(o64);
  }
}

export function avgPool2dForward(ctx: WasmContext, x: Buf, y: Buf, g: ConvGeometry): void {
  const rows = g.batch * g.outH * g.outW;
  staged(ctx, () => {
    const px = ctx.st.in(x);
    const py = ctx.st.out(y);
    const gp = geometry(ctx, g);
    try {
      ctx.pool.run('avgPoolFwd', [gp, px, py], rows, { align: 1, work: rows * g.inC * g.kH * g.kW });
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
      ctx.pool.run('avgPoolBwd', [gp, pdy, pdx], rows, { align: 1, work: rows * g.inC * 2 });
    } finally {
      ctx.heap.freeBytes(gp);
    }
  });
}
