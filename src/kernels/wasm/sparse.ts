/** The event-driven forward and the non-zero count on the wasm backend (kernels in assembly/sparse.ts). */
import { geometryInts } from '../geometry.js';
import type { Buf, ConvBackwardFilterAttrs, ConvGeometry, SparseForwardCrossAttrs } from '../kernels.js';
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

/**
 * The event-driven filter gradient. A conv whose partial stays small runs the cross product's form
 * (assembly/sparse-cross.ts: convSparseBwdFilterSlots, slots of whole images summed in slot order by crossReduce):
 * about twice as fast on mnistnet's second conv. A linear layer (a 1×1 image: no taps share an entry's rows) or a
 * large partial takes assembly/sparse.ts's kernel: threads own ranges of input channels, so each writes its own
 * columns of dw; one chunk per thread, since every chunk scans all the images for its channels.
 */
export function conv2dSparseBackwardFilter(
  ctx: WasmContext,
  x: Buf,
  dy: Buf,
  dw: Buf,
  a: ConvBackwardFilterAttrs,
): void {
  const accumulate = a.accumulate === true;
  if (a.batch === 0) {
    if (!accumulate) dw.fill(0);
    return;
  }
  if (usesSlots(a)) {
    slotted(ctx, x, dy, dw, a);
    return;
  }
  staged(ctx, () => {
    const px = ctx.st.in(x);
    const pdy = ctx.st.in(dy);
    const pdw = accumulate ? ctx.st.inout(dw) : ctx.st.out(dw);
    const gp = tempI32(ctx, geometryInts(a));
    try {
      ctx.pool.run('convSparseBwdFilter', [gp, px, pdy, pdw, accumulate ? 1 : 0], a.inC, {
        align: 4,
        work: a.batch * a.outH * a.outW * a.outC * a.kH * a.kW * a.inC * NS_PER_OUTPUT_TAP,
        scratch: ctx.ex.sparseFilterScratch!(gp, a.inC),
        chunksPerThread: 1,
      });
    } finally {
      ctx.heap.freeBytes(gp);
    }
  });
}

/**
 * conv2dSparseForward and cross (+)= Σ_rows x ⊗ y in one pass (assembly/sparse-cross.ts): the images are cut into
 * CROSS_SLOTS slots of whole images, each with its own transposed partial; threads take whole slots as they go, and
 * the partials are summed in slot order and transposed into cross. The slots, not the threads, fix the order of the
 * sums, so the result is the same on any number of threads and from run to run. A linear layer, or a partial past
 * CROSS_PARTIAL_MAX_BYTES, takes the two kernels one after the other instead.
 */
export function conv2dSparseForwardCross(
  ctx: WasmContext,
  x: Buf,
  wT: Buf,
  bias: Buf | null,
  y: Buf,
  cross: Buf,
  a: SparseForwardCrossAttrs,
): void {
  const accumulate = a.accumulate === true;
  if (a.batch === 0) {
    if (!accumulate) cross.fill(0);
    return;
  }
  if (!usesSlots(a)) {
    conv2dSparseForward(ctx, x, wT, bias, y, a);
    conv2dSparseBackwardFilter(ctx, x, y, cross, a);
    return;
  }
  staged(ctx, () => {
    const ins = [ctx.st.in(x), ctx.st.in(wT), ctx.st.maybe(bias), ctx.st.out(y)];
    const pc = accumulate ? ctx.st.inout(cross) : ctx.st.out(cross);
    inSlots(ctx, 'convSparseFwdCross', ins, pc, a, 2);
  });
}

/** Whether a conv's cross product or filter gradient runs in slots of images (see CROSS_PARTIAL_MAX_BYTES). */
function usesSlots(a: ConvGeometry): boolean {
  return a.inH * a.inW * a.kH * a.kW !== 1 && a.kH * a.kW * a.inC * a.outC * 4 <= CROSS_PARTIAL_MAX_BYTES;
}

/** The filter gradient in slots of images (convSparseBwdFilterSlots), reduced in slot order into dw. */
function slotted(ctx: WasmContext, x: Buf, dy: Buf, dw: Buf, a: ConvBackwardFilterAttrs): void {
  staged(ctx, () => {
    const pdw = a.accumulate === true ? ctx.st.inout(dw) : ctx.st.out(dw);
    inSlots(ctx, 'convSparseBwdFilterSlots', [ctx.st.in(x), ctx.st.in(dy)], pdw, a, 1);
  });
}

/**
 * Runs `kernel` (geometry, `ins`…, slots, perSlot) over the images in CROSS_SLOTS slots of whole images, each adding
 * into its own transposed partial, then crossReduce sums the partials in slot order into out [outC, kH·kW·inC]
 * (added to it with `accumulate`). `passes` scales the work estimate (the fused forward does two).
 */
function inSlots(
  ctx: WasmContext,
  kernel: string,
  ins: number[],
  out: number,
  a: ConvGeometry & { readonly accumulate?: boolean },
  passes: number,
): void {
  const gp = tempI32(ctx, geometryInts(a));
  let parts = 0;
  let slots = 0;
  try {
    const { pool } = ctx;
    pool.ensureScratch(ctx.ex.sparseCrossScratch!(gp));
    const perSlot = Math.ceil(a.batch / CROSS_SLOTS);
    const count = Math.ceil(a.batch / perSlot);
    const bytes = ctx.ex.crossSlotBytes!(gp);
    slots = ctx.heap.allocBytes(count * bytes);
    pool.run(kernel, [gp, ...ins, slots, perSlot], a.batch, {
      align: perSlot,
      work: a.batch * a.outH * a.outW * a.outC * a.kH * a.kW * a.inC * NS_PER_OUTPUT_TAP * passes,
    });
    parts = tempI32(
      ctx,
      Array.from({ length: count }, (_, s) => slots + s * bytes),
    );
    const rows = a.kH * a.kW * a.inC;
    pool.run('crossReduce', [parts, count, out, a.accumulate === true ? 1 : 0, rows, a.outC], a.outC, {
      align: 1,
      work: rows * a.outC * count,
    });
  } finally {
    ctx.heap.freeBytes(gp);
    if (parts !== 0) ctx.heap.freeBytes(parts);
    if (slots !== 0) ctx.heap.freeBytes(slots);
  }
}

/**
 * Slots of the fused cross product: the number of partials, whatever the thread count (4 keeps up to 4 threads
 * busy; each slot adds one partial to the reduction).
 */
const CROSS_SLOTS = 4;

/**
 * The largest per-thread partial the fused pass keeps; past it (and for a linear layer, whose 1×1 image has no taps
 * sharing an entry's rows) every entry's read-modify-write of its rows misses the cache, and the forward followed by
 * the separate filter gradient (sums in registers per input channel) is faster. Measured on one thread at 15 %
 * density, fused against separate: 64→64 at 32×32 (144 KB partial) 54 against 73 ms, 128→128 at 16×16 (576 KB)
 * 103 against 128, 256→256 at 8×8 (2.3 MB) 231 against 250, 512→512 at 4×4 (9.2 MB) 367 against 276; and on 2
 * threads the linear [256, 3136] → 256 at 6.6 % (3.2 MB) 12.2 against 10.3 ms.
 */
const CROSS_PARTIAL_MAX_BYTES = 4 << 20;
