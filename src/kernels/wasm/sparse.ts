/** The event-driven forward and the non-zero count on the wasm backend (kernels in assembly/sparse.ts). */
import { geometryInts } from '../geometry.js';
import type { Buf, ConvBackwardFilterAttrs, ConvGeometry } from '../kernels.js';
import * as reference from '../reference/sparse.js';
import { staged, tempI32, type WasmContext } from './context.js';

/**
 * Estimated nanoseconds per output channel per tap per output pixel at a typical spike density, so that the
 * pool's threshold for waking threads sees a realistic amount of work (the real cost follows the spike count).
 */
const NS_PER_OUTPUT_TAP = 0.02;

export function conv2dSparseForward(
  ctx: WasmContext,
  x: Buf,
  wT: Buf,
  bias: Buf | null,
  y: Buf,
  g: ConvGeometry,
): void {
  if (g.batch === 0) return;
  staged(ctx, () => {
    const px = ctx.st.in(x);
    const pw = ctx.st.in(wT);
    const pb = ctx.st.maybe(bias);
    const py = ctx.st.out(y);
    const gp = tempI32(ctx, geometryInts(g));
    try {
      ctx.pool.run('convSparseFwd', [gp, px, pw, pb, py], g.batch, {
        align: 1,
        work: g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC * NS_PER_OUTPUT_TAP,
        scratch: ctx.ex.sparseScratch!(g.inH, g.inW, g.inC, g.kH * g.kW),
      });
    } finally {
      ctx.heap.freeBytes(gp);
    }
  });
}

/** How many entries are not 0 (NaN included), summed from the threads' float64 partials. */
export function nonzeroCount(ctx: WasmContext, x: Buf): number {
  if (x.length === 0) return 0;
  return staged(ctx, () => {
    const parts = ctx.pool.run('countNonzero', [ctx.st.in(x)], x.length, {
      align: 4,
      work: x.length / 4,
      partials: true,
    });
    let n = 0;
    for (let p = 0; p < parts; p++) n += new Float64Array(ctx.heap.memory.buffer, ctx.pool.scratchOf(p), 1)[0]!;
    return n;
  });
}

export function conv2dSparseBackwardFilter(
  ctx: WasmContext,
  x: Buf,
  dy: Buf,
  dw: Buf,
  a: ConvBackwardFilterAttrs,
): void {
  void ctx;
  reference.conv2dSparseBackwardFilter(x, dy, dw, a);
}
