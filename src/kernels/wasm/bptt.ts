/** Surrogate-gradient (BPTT) neuron on the wasm backend (kernels in assembly/bptt.ts). */
import type { BpttAttrs, Buf } from '../kernels.js';
import { staged, type WasmContext } from './context.js';

const f32 = Math.fround;
const STEP_NS = 8; // an exp per neuron step: worth threads early

/** The constants rounded exactly as the reference backend rounds them. */
function constants(a: BpttAttrs): number[] {
  const vth = f32(a.vth);
  return [vth, f32(f32(a.alpha) * vth), f32(a.decay), f32(a.gain), f32(a.spikeScale * vth)];
}

export function bpttForward(ctx: WasmContext, input: Buf, spikes: Buf, membrane: Buf, a: BpttAttrs): void {
  staged(ctx, () => {
    const args = [ctx.st.in(input), ctx.st.out(spikes), ctx.st.out(membrane), a.T, a.n, ...constants(a), a.slope,
      a.soft ? 1 : 0];
    ctx.pool.run('bpttFwd', args, a.n, { align: 4, work: a.T * a.n * STEP_NS });
  });
}

export function bpttBackward(ctx: WasmContext, membrane: Buf, gradSpikes: Buf, gradInput: Buf, a: BpttAttrs): number {
  return staged(ctx, () => {
    const args = [ctx.st.in(membrane), ctx.st.in(gradSpikes), ctx.st.out(gradInput), a.T, a.n, ...constants(a),
      a.spikeScale, a.slope, a.soft ? 1 : 0];
    const parts = ctx.pool.run('bpttBwd', args, a.n, { align: 4, work: a.T * a.n * STEP_NS, partials: true });
    let s = 0;
    for (let p = 0; p < parts; p++) s += new Float64Array(ctx.heap.memory.buffer, ctx.pool.scratchOf(p), 1)[0]!;
    return s;
  });
}
