/**
 * Runs a network on a time series the user gives, step by step as its neurons see it, and keeps what each neuron
 * layer did. Inputs and outputs are in NIR's layout (channels first: [T, B, C, H, W]); spikerep's layers are
 * channels last, so images are transposed on the way in and traces on the way out.
 *
 * Neuron layers are found by watching the kernel: a layer whose forward calls `neuronForward` is one, whatever its
 * class (DSR neurons, NIR's hard-reset neurons). The call's own `magnitude` turns its spikes into unit spikes,
 * and its `record` buffer (u before the reset at every step) gives the membrane trace.
 */
import type { Buf, NeuronForwardAttrs } from '../kernels/kernels.js';
import type { Layer } from '../nn/layer.js';
import type { Network } from '../nn/network.js';
import { layersOf } from '../nn/walk.js';
import { Rng } from '../rng.js';

export type RecordKind = 'membrane' | 'spikes';

export interface StepTrace {
  /** The layer's name (the NIR node, or the spikerep layer path). */
  readonly node: string;
  readonly kind: RecordKind;
  /** [T, B, …] in NIR's layout. */
  readonly shape: number[];
  readonly data: Float32Array;
}

export interface StepRun {
  /** The output layer's unit spikes per step, [T, B, …out] (…out in NIR's layout). */
  readonly output: { shape: number[]; data: Float32Array };
  readonly traces: StepTrace[];
}

/**
 * `x` is [T, B, …sample] in NIR's layout (sample = [C, H, W] or [F]); `net.T` must be T. Returns the output
 * and, for each neuron layer in forward order, the traces asked for.
 */
export function runSteps(net: Network, x: Float32Array, B: number, record: readonly RecordKind[] = []): StepRun {
  const k = net.k;
  const T = net.T;
  const hwc = net.inputShape ?? [x.length / (T * B)];
  const input = k.alloc(x.length);
  input.set(toChannelsLast(x, T * B, hwc));
  k.fromHost(input);
  const seen: { node: string; out: Buf; shape: number[]; magnitude: number; membrane: Float32Array | null }[] = [];
  const wantMembrane = record.includes('membrane');
  const restore: (() => void)[] = [];
  let readoutInput: Buf | null = null;
  layersOf(net.body)
    .filter((l) => l.children().length === 0)
    .forEach((layer, i) => {
      const orig = layer.forward;
      restore.push(replaceMethod(layer, 'forward'));
      layer.forward = (xIn, ctx) => {
        let call: NeuronForwardAttrs | null = null;
        let trace: Buf | null = null;
        const kernelCall = k.neuronForward;
        const restoreKernel = replaceMethod(k, 'neuronForward');
        k.neuronForward = (inp, spikes, a) => {
          // a layer calling the kernel more than once keeps its last call's trace
          if (trace !== null) k.free(trace);
          trace = wantMembrane && a.record === undefined ? k.alloc(a.T * a.n) : null;
          call = a;
          kernelCall.call(k, inp, spikes, trace === null ? a : { ...a, record: trace });
        };
        try {
          const y = orig.call(layer, xIn, ctx);
          if (call !== null) {
            const a = call as NeuronForwardAttrs;
            const traceBuf = (trace ?? a.record ?? null) as Buf | null;
            const membrane = traceBuf === null ? null : Float32Array.from(k.toHost(traceBuf));
            if (trace !== null) k.free(trace);
            seen.push({
              node: nameOf(layer, i),
              out: y.data,
              shape: y.shape.slice(1),
              magnitude: a.magnitude,
              membrane,
            });
          }
          return y;
        } finally {
          restoreKernel();
        }
      };
    });
  const readoutForward = net.readout.forward;
  restore.push(replaceMethod(net.readout, 'forward'));
  net.readout.forward = (h, ctx) => {
    readoutInput = h.data;
    return readoutForward.call(net.readout, h, ctx);
  };
  const traces: StepTrace[] = [];
  let output: StepRun['output'];
  try {
    const hostOf = (b: Buf): Float32Array => Float32Array.from(k.toHost(b));
    net.forward({ shape: [T * B, ...hwc], data: input }, { training: false, rng: new Rng(0), encoding: 'time-major' });
    for (const s of seen) {
      const shape = [T, B, ...toNirShape(s.shape)];
      if (record.includes('spikes'))
        traces.push({
          node: s.node,
          kind: 'spikes',
          shape,
          data: toChannelsFirst(unit(hostOf(s.out), s.magnitude), T * B, s.shape),
        });
      if (s.membrane !== null)
        traces.push({ node: s.node, kind: 'membrane', shape, data: toChannelsFirst(s.membrane, T * B, s.shape) });
    }
    const last = seen[seen.length - 1];
    const fromLastNeuron = last !== undefined && readoutInput === last.out;
    const h = hostOf(readoutInput!);
    const perRow = h.length / (T * B);
    output = { shape: [T, B, perRow], data: fromLastNeuron ? unit(h, last.magnitude) : h };
  } finally {
    for (const r of restore) r();
    k.free(input);
  }
  return { output, traces };
}

/** Before `obj[key]` is overridden: the function that puts back what was there (an own property or the class's). */
function replaceMethod<O extends object>(obj: O, key: keyof O & string): () => void {
  const own = Object.hasOwn(obj, key);
  const before = obj[key];
  return () => {
    if (own) obj[key] = before;
    else delete obj[key];
  };
}

function nameOf(layer: Layer, i: number): string {
  const name = (layer as { opts?: { name?: unknown } }).opts?.name;
  return typeof name === 'string' && name !== '' ? name : `layer${i}`;
}

/** Spikes of height `magnitude` → 0/1 (analog outputs, magnitude 1 or 0, unchanged). */
function unit(y: Float32Array, magnitude: number): Float32Array {
  if (magnitude === 1 || magnitude === 0) return y;
  return y.map((v) => v / magnitude);
}

/** A sample shape, channels last ([H, W, C]) → NIR's ([C, H, W]); other ranks unchanged. */
export function toNirShape(hwc: readonly number[]): number[] {
  return hwc.length === 3 ? [hwc[2]!, hwc[0]!, hwc[1]!] : [...hwc];
}

/** `rows` samples [C, H, W] → [H, W, C], for a channels-last sample shape `hwc` (other ranks: a copy). */
export function toChannelsLast(x: Float32Array, rows: number, hwc: readonly number[]): Float32Array {
  if (hwc.length !== 3) return x.slice();
  const [H, W, C] = hwc as [number, number, number];
  const out = new Float32Array(x.length);
  const n = H * W * C;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[r * n + p * C + c] = x[r * n + c * H * W + p]!;
  return out;
}

/** The inverse: `rows` samples [H, W, C] → [C, H, W]. */
export function toChannelsFirst(x: Float32Array, rows: number, hwc: readonly number[]): Float32Array {
  if (hwc.length !== 3) return x.slice();
  const [H, W, C] = hwc as [number, number, number];
  const out = new Float32Array(x.length);
  const n = H * W * C;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[r * n + c * H * W + p] = x[r * n + p * C + c]!;
  return out;
}

/**
 * runSteps over at most `batch` samples at a time (memory grows with T·batch, not with the whole input), the
 * results stitched back into [T, B, …]. Each sample is independent, so the numbers are runSteps' on the whole.
 */
export function runStepsInBatches(
  net: Network,
  x: Float32Array,
  B: number,
  record: readonly RecordKind[],
  batch: number,
): StepRun {
  const T = net.T;
  if (B <= batch) return runSteps(net, x, B, record);
  const perSample = x.length / (T * B);
  let result: StepRun | null = null;
  for (let b0 = 0; b0 < B; b0 += batch) {
    const nb = Math.min(batch, B - b0);
    const part = new Float32Array(T * nb * perSample);
    for (let t = 0; t < T; t++)
      part.set(x.subarray((t * B + b0) * perSample, (t * B + b0 + nb) * perSample), t * nb * perSample);
    const r = runSteps(net, part, nb, record);
    if (result === null) {
      const whole = (a: { shape: number[]; data: Float32Array }) => ({
        shape: [T, B, ...a.shape.slice(2)],
        data: new Float32Array((a.data.length / nb) * B),
      });
      result = {
        output: whole(r.output),
        traces: r.traces.map((tr) => ({ node: tr.node, kind: tr.kind, ...whole(tr) })),
      };
    }
    const put = (into: Float32Array, from: Float32Array): void => {
      const row = from.length / (T * nb);
      for (let t = 0; t < T; t++) into.set(from.subarray(t * nb * row, (t + 1) * nb * row), (t * B + b0) * row);
    };
    put(result.output.data, r.output.data);
    r.traces.forEach((tr, i) => put(result!.traces[i]!.data, tr.data));
  }
  return result!;
}
