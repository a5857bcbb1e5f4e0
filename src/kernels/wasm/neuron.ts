/**
 * The neuron kernel on the wasm backend: the forwards and the representation backward in assembly/neuron.ts, the
 * surrogate backward in assembly/bptt.ts.
 * The fused SIMD forward runs the DSR parameter sets; every other set (a synaptic stage, a reset to a value, '>',
 * a recorded membrane, the soft forward) runs the one-neuron-at-a-time kernel. A 2×2 stride-2 pooling of the spikes
 * (`pooled`) and a batch-norm of the input over channels in multiples of 4 (`normalized`) are fused into the DSR
 * loop, other poolings and channel counts composed. Constants are rounded to float32
 * here exactly as the reference backend rounds them, so the float32 membrane, and therefore every spike, is
 * bit-identical.
 */

import type {
  Buf,
  Kernels,
  NeuronBackwardAttrs,
  NeuronForwardAttrs,
  NeuronNormalization,
  SurrogateBackwardAttrs,
} from '../kernels.js';
import { composedNeuronForward } from '../neuron-compose.js';
import { checkNormalized, poolsFused, runsFused } from '../neuron-fused.js';
import { staged, tempF32, type WasmContext } from './context.js';

const NEURON_WORK = 1; // about a nanosecond per neuron step on one thread, for the pool's threshold
const STEP_NS = 8; // an exp per neuron step (the surrogate): worth threads early

const f32 = Math.fround;

export function neuronForward(ctx: WasmContext, k: Kernels, input: Buf, spikes: Buf, a: NeuronForwardAttrs): void {
  checkNormalized(a);
  if (!runsFused(a) && composedNeuronForward(k, input, spikes, a)) return;
  // the fused loops load each vector's batch-norm constants whole: other channel counts apply into a temporary
  if (a.normalized !== undefined && a.normalized.channels % 4 !== 0 && composedNeuronForward(k, input, spikes, a))
    return;
  if (a.pooled !== undefined && !poolsFused(a) && composedNeuronForward(k, input, spikes, a)) return;
  const { T, n } = a;
  const decay = f32(a.decay),
    gain = f32(a.gain),
    thr = f32(a.threshold),
    mag = f32(a.magnitude);
  staged(ctx, () => {
    const rate = a.rate === undefined ? 0 : ctx.st.out(a.rate.out);
    const w = a.rate === undefined ? 0 : tempF32(ctx, a.rate.weights.subarray(0, T));
    const fused = runsFused(a);
    const rep = fused && a.inputRep !== undefined ? ctx.st.out(a.inputRep.out) : 0;
    const wi = rep === 0 ? 0 : tempF32(ctx, a.inputRep!.weights.subarray(0, T));
    const norm = fused && a.normalized !== undefined ? normCoefficients(ctx, a.normalized) : 0;
    try {
      const mem = ctx.st.maybe(a.membrane ?? null, true);
      if (fused) {
        const vth = a.reset.kind === 'subtract' ? f32(a.reset.amount) : 0;
        const leak = decay === 1 && gain === 1 ? 0 : 1; // u + I is the same float32 value: skip two products
        const once = a.inputOnce === true ? 1 : 0;
        const pi = ctx.st.in(input);
        const args = [
          pi,
          ctx.st.out(spikes),
          rate,
          w,
          rep,
          wi,
          T,
          n,
          once,
          leak,
          decay,
          gain,
          thr,
          vth,
          mag,
          mem,
          norm,
        ];
        const g = a.pooled;
        if (g !== undefined) {
          // one unit per pair of input rows of an image (all T steps), each thread its own windows
          const units = (g.batch / T) * Math.ceil(g.inH / 2);
          args.push(g.inH, g.inW, g.inC);
          ctx.pool.run('neuronPoolFwd', args, units, { align: 1, work: T * n * NEURON_WORK });
          return;
        }
        args.push(a.normalized?.channels ?? 1);
        ctx.pool.run('neuronFwd', args, n, { align: 4, work: T * n * NEURON_WORK });
        return;
      }
      const r = a.reset;
      const syn = a.synapse;
      const args = [
        ctx.st.in(input),
        ctx.st.out(spikes),
        rate,
        w,
        T,
        n,
        decay,
        gain,
        f32(a.bias ?? 0),
        thr,
        a.strict === true ? 1 : 0,
        r.kind === 'value' ? 1 : 0,
        r.kind === 'subtract' ? f32(r.amount) : 0,
        r.kind === 'value' ? f32(r.value) : 0,
        mag,
        syn === undefined ? 0 : 1,
        f32(syn?.decay ?? 0),
        f32(syn?.gain ?? 0),
        ctx.st.maybe(syn?.current ?? null, true),
        mem,
        ctx.st.maybe(a.record ?? null, true),
        a.soft === undefined ? 0 : 1,
        a.soft?.slope ?? 0,
      ];
      ctx.pool.run('neuronFwdAny', args, n, { align: 4, work: T * n * (a.soft === undefined ? 2 : STEP_NS) });
    } finally {
      if (w !== 0) ctx.heap.freeBytes(w);
      if (wi !== 0) ctx.heap.freeBytes(wi);
      if (norm !== 0) ctx.heap.freeBytes(norm);
    }
  });
}

/**
 * The batch-norm apply's per-channel vectors as wasm's batchNormApply builds them (norm.ts): the mean, the scale
 * invStd·gamma rounded once to float32, and beta, one after the other.
 */
function normCoefficients(ctx: WasmContext, b: NeuronNormalization): number {
  const C = b.channels;
  const flat = new Float32Array(3 * C);
  for (let c = 0; c < C; c++) {
    flat[c] = b.mean[c]!;
    flat[C + c] = b.invStd[c]! * b.gamma[c]!;
    flat[2 * C + c] = b.beta[c]!;
  }
  return tempF32(ctx, flat);
}

/** Runs a kernel whose parts each leave a float64 partial at the start of their scratch; returns the total. */
function reduce(ctx: WasmContext, fn: string, args: number[], total: number, work: number): number {
  const parts = ctx.pool.run(fn, args, total, { align: 4, work, partials: true });
  let s = 0;
  for (let p = 0; p < parts; p++) s += new Float64Array(ctx.heap.memory.buffer, ctx.pool.scratchOf(p), 1)[0]!;
  return s;
}

function surrogateBackward(ctx: WasmContext, gradSpikes: Buf, gradInput: Buf, a: SurrogateBackwardAttrs): number {
  const vth = f32(a.vth);
  const syn = a.synapse;
  const args = [
    ctx.st.in(a.membrane),
    ctx.st.in(gradSpikes),
    ctx.st.out(gradInput),
    a.T,
    a.n,
    vth,
    f32(a.threshold),
    f32(a.decay),
    f32(a.gain),
    f32(a.spikeScale * vth),
    a.spikeScale,
    a.slope,
    a.soft ? 1 : 0,
    syn === undefined ? 0 : 1,
    f32(syn?.decay ?? 0),
    f32(syn?.gain ?? 0),
  ];
  return reduce(ctx, 'bpttBwd', args, a.n, a.T * a.n * STEP_NS);
}

export function neuronBackward(ctx: WasmContext, gradOut: Buf, gradIn: Buf, a: NeuronBackwardAttrs): number {
  return staged(ctx, () => {
    if (a.mode === 'surrogate') return surrogateBackward(ctx, gradOut, gradIn, a);
    const args = [ctx.st.in(a.inputRep), ctx.st.in(gradOut), ctx.st.out(gradIn), a.hi, a.slope, a.closed ? 1 : 0];
    return reduce(ctx, 'clampBwd', args, a.n, 4 * a.n);
  });
}
