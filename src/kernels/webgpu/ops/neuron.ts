/**
 * The neuron kernel of the webgpu backend (docs/method.md §1–2): the multi-step forward and both backwards, each one
 * dispatch with one invocation per neuron, so the state stays in registers across the whole time loop.
 *
 * Bit-exactness: the reference (reference/neuron.ts) rounds every product and sum of the recursion to float32. A
 * shader compiler may fuse `a·b + c` into one fma (Mesa and NVIDIA do, unless told otherwise, and WGSL has no way
 * to tell it), which rounds once instead of twice and moves a spike wherever the membrane lands on the threshold.
 * So every product that feeds an addition passes through `rounded`: its bits go through an integer xor with a
 * uniform that is 0 at run time, which no compiler can see through, so the product must be rounded on its own.
 *
 * The backwards return float32 partial sums of a float64 total (encoder.ts): each is a compensated pair (sum, error)
 * per workgroup, two floats the caller adds with all the others, so the total is good to about float64 accuracy.
 * The same integer barrier keeps the compiler from simplifying the compensation `(a + b) − a − b` away.
 */
import { type Binding, type GpuOp, grid1d, LINEAR, type Shader } from '../encoder.js';
import type { NeuronBackwardOpAttrs, NeuronForwardOpAttrs, OpAttrs } from './attrs.js';

const WG = 256;
/** Workgroups of a backward at most: its invocations loop over the rest, and it returns 2 floats per workgroup. */
const MAX_REDUCE_GROUPS = 2048;

/** WGSL: a float32 value the compiler cannot fold into a neighbouring operation (needs `p.zero`, 0 at run time). */
const ROUNDED = 'fn rounded(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ p.zero); }';

/**
 * WGSL: the logistic sigmoid and its derivative factor σ(1 − σ), from a = e^−|z| ≤ 1, so neither overflows nor
 * loses σ's small side to cancellation in float32.
 */
const SIGMOID = `
fn sigmoid(z: f32) -> f32 {
  let a = exp(-abs(z));
  let r = 1.0 / (1.0 + a);
  return select(a * r, r, z >= 0.0);
}
fn sigmoidSlope(z: f32) -> f32 {
  let a = exp(-abs(z));
  let r = 1.0 / (1.0 + a);
  return a * r * r;
}`;

/**
 * WGSL: compensated summation. A pair (sum, error) holds a value to about twice float32's precision; `twoSum` is
 * Knuth's error-free sum, every step `rounded` so no algebraic simplification can cancel it.
 */
const COMPENSATED = `
fn twoSum(a: f32, b: f32) -> vec2f {
  let s = rounded(a + b);
  let bPart = rounded(s - a);
  let aPart = rounded(s - bPart);
  return vec2f(s, rounded(a - aPart) + rounded(b - bPart));
}
fn addPair(x: vec2f, y: vec2f) -> vec2f {
  let s = twoSum(x.x, y.x);
  return vec2f(s.x, s.y + x.y + y.y);
}
fn addOne(x: vec2f, v: f32) -> vec2f {
  let s = twoSum(x.x, v);
  return vec2f(s.x, s.y + x.y);
}`;

/** WGSL: the workgroup's pairs summed as a tree, written as this workgroup's two partial floats. */
const WORKGROUP_SUM = `
var<workgroup> pairs: array<vec2f, WG>;
fn workgroupSum(mine: vec2f, lid: u32, group: u32) {
  pairs[lid] = mine;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (lid < half) { pairs[lid] = addPair(pairs[lid], pairs[lid + half]); }
    workgroupBarrier();
  }
  if (lid == 0u) {
    partials[2u * group] = pairs[0].x;
    partials[2u * group + 1u] = pairs[0].y;
  }
}`;

const shaders = new Map<string, Shader>();
function cached(key: string, make: () => string): Shader {
  let s = shaders.get(key);
  if (s === undefined) {
    s = { key, code: make() };
    shaders.set(key, s);
  }
  return s;
}

// ---- the forward ----

/** What a forward shader is compiled for: the buffers it binds and whether the spikes are the smooth sigmoid. */
interface ForwardShape {
  readonly membrane: boolean;
  readonly record: boolean;
  readonly rate: boolean;
  readonly synapse: boolean;
  readonly current: boolean;
  readonly soft: boolean;
}

function forwardShader(f: ForwardShape): Shader {
  const key = `neuronForward.${Object.entries(f)
    .filter(([, on]) => on)
    .map(([k]) => k)
    .join('.')}`;
  return cached(key, () => {
    const decls = ['@group(0) @binding(1) var<storage, read> input: array<f32>;'];
    const bind = (decl: string): void => {
      decls.push(`@group(0) @binding(${decls.length + 1}) ${decl}`);
    };
    bind('var<storage, read_write> spikes: array<f32>;');
    if (f.membrane) bind('var<storage, read_write> membrane: array<f32>;');
    if (f.record) bind('var<storage, read_write> record: array<f32>;');
    if (f.rate) {
      bind('var<storage, read_write> rateOut: array<f32>;');
      bind('var<storage, read> rateWeights: array<f32>;');
    }
    if (f.current) bind('var<storage, read_write> current: array<f32>;');
    // Reference order: c = f32(synDecay·c) + f32(synGain·x); u = f32(f32(decay·v) [+ bias]) + f32(gain·c).
    const synapse = f.synapse
      ? `c = rounded(p.synDecay * c) + rounded(p.synGain * drive);
    drive = c;`
      : '';
    const fire = f.soft
      ? `let s = sigmoid(p.slope * (u - p.level) / p.vth);
    v = u - p.vth * s;
    let spike = p.magnitude * s;`
      : `let fired = select(u >= p.level, u > p.level, p.strict != 0u);
    v = select(u, select(u - p.vth, p.resetValue, p.toValue != 0u), fired);
    let spike = select(0.0, 1.0, fired) * p.magnitude;`;
    return `
const WG = ${WG}u;
struct P {
  T: u32, n: u32, zero: u32, strict: u32, toValue: u32, hasBias: u32,
  decay: f32, gain: f32, bias: f32, level: f32, vth: f32, resetValue: f32, magnitude: f32,
  synDecay: f32, synGain: f32, slope: f32,
}
@group(0) @binding(0) var<uniform> p: P;
${decls.join('\n')}
${LINEAR}
${ROUNDED}
${f.soft ? SIGMOID : ''}
@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= p.n) { return; }
  var v = ${f.membrane ? 'membrane[i]' : '0.0'};
  var c = ${f.current ? 'current[i]' : '0.0'};
  var acc = 0.0;
  for (var t = 0u; t < p.T; t++) {
    let at = t * p.n + i;
    var drive = input[at];
    ${synapse}
    var kept = rounded(p.decay * v);
    if (p.hasBias != 0u) { kept = kept + p.bias; } // no bias is no addition: +0 would turn a −0 membrane into +0
    let u = kept + rounded(p.gain * drive);
    ${f.record ? 'record[at] = u;' : ''}
    ${fire}
    spikes[at] = spike;
    ${f.rate ? 'acc += rateWeights[t] * spike;' : ''}
  }
  ${f.rate ? 'rateOut[i] = acc;' : ''}
  ${f.membrane ? 'membrane[i] = v;' : ''}
  ${f.current ? 'current[i] = c;' : ''}
  _ = c;
  _ = acc;
}`;
  });
}

export const neuronForward: GpuOp<OpAttrs['neuronForward']> = (e, b, a: NeuronForwardOpAttrs) => {
  const [input, spikes, membrane, record, rateOut, current] = b;
  if (input == null || spikes == null) throw new Error('webgpu neuronForward: input and spikes are required');
  if (a.n === 0) return;
  if (a.soft !== undefined && a.reset.kind !== 'subtract')
    throw new Error('neuronForward: a soft forward resets by subtraction');
  const rate = rateOut != null;
  if (rate && a.rateWeights === undefined) throw new Error('webgpu neuronForward: rateOut needs rateWeights');
  const shape: ForwardShape = {
    membrane: membrane != null,
    record: record != null,
    rate,
    synapse: a.synapse !== undefined,
    current: a.synapse !== undefined && current != null,
    soft: a.soft !== undefined,
  };
  const buffers: Binding[] = [input, spikes];
  if (membrane != null) buffers.push(membrane);
  if (record != null) buffers.push(record);
  if (rate) {
    const w = new Float32Array(Math.max(a.T, 1));
    w.set(a.rateWeights!.subarray(0, a.T));
    buffers.push(rateOut, e.constants(w));
  }
  if (shape.current) buffers.push(current!);
  const r = a.reset;
  e.dispatch(
    forwardShader(shape),
    {
      u32: [a.T, a.n, 0, a.strict === true ? 1 : 0, r.kind === 'value' ? 1 : 0, Math.fround(a.bias ?? 0) !== 0 ? 1 : 0],
      f32: [
        a.decay,
        a.gain,
        a.bias ?? 0,
        a.threshold,
        r.kind === 'subtract' ? r.amount : 0,
        r.kind === 'value' ? r.value : 0,
        a.magnitude,
        a.synapse?.decay ?? 0,
        a.synapse?.gain ?? 0,
        a.soft?.slope ?? 0,
      ],
    },
    buffers,
    grid1d(a.n, WG),
  );
};

// ---- the backwards ----

/** Invocations loop over neurons i = gid.x, gid.x + stride, …: the grid stays small enough for 2 floats a group. */
const REDUCE_HEAD = `
const WG = ${WG}u;
@compute @workgroup_size(WG) fn main(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
) {
  let stride = nwg.x * WG;
  var total = vec2f(0.0, 0.0);
  for (var i = gid.x; i < p.n; i += stride) {`;
const REDUCE_TAIL = `
  }
  workgroupSum(total, lid, wid.x);
}`;

/** gradIn = gradOut·slope inside the interval; Σ gradOut where inputRep > hi (docs/method.md §2.2–2.3). */
function representationShader(): Shader {
  return cached('neuronBackward.representation', () => {
    return `
struct P { n: u32, zero: u32, closed: u32, hi: f32, slope: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> gradOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradIn: array<f32>;
@group(0) @binding(3) var<storage, read> inputRep: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
${ROUNDED}
${COMPENSATED}
${WORKGROUP_SUM}
${REDUCE_HEAD}
    let m = inputRep[i];
    let g = gradOut[i];
    let inside = select((m > 0.0) && (m < p.hi), (m >= 0.0) && (m <= p.hi), p.closed != 0u);
    gradIn[i] = select(0.0, g * p.slope, inside);
    if (m > p.hi) { total = addOne(total, g); }
${REDUCE_TAIL}`;
  });
}

/**
 * BPTT through the recorded membrane, t = T−1 … 0 per neuron, as SurrogateBackwardAttrs and the reference state it.
 * Float32 throughout (the reference is float64): the gradients agree to float32 accuracy, not bit for bit.
 */
function surrogateShader(synapse: boolean): Shader {
  return cached(`neuronBackward.surrogate${synapse ? '.synapse' : ''}`, () => {
    const input = synapse
      ? `gc = p.gain * gu + p.synDecay * gc;
      gradIn[at] = p.synGain * gc;`
      : 'gradIn[at] = p.gain * gu;';
    return `
struct P {
  n: u32, zero: u32, T: u32, soft: u32,
  vth: f32, level: f32, decay: f32, gain: f32, magnitude: f32, spikeScale: f32, slope: f32, synDecay: f32, synGain: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> gradOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradIn: array<f32>;
@group(0) @binding(3) var<storage, read> membrane: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
${ROUNDED}
${COMPENSATED}
${SIGMOID}
${WORKGROUP_SUM}
${REDUCE_HEAD}
    var gv = 0.0; // ∂L/∂v[t], carried back from step t+1
    var gc = 0.0; // ∂L/∂I[t] of the synaptic current
    for (var t = p.T; t > 0u; t--) {
      let at = (t - 1u) * p.n + i;
      let u = membrane[at];
      let z = p.slope * (u - p.level) / p.vth;
      let dsdz = p.slope * sigmoidSlope(z);
      let s = select(select(0.0, 1.0, u >= p.level), sigmoid(z), p.soft != 0u);
      let g = gradOut[at];
      let gs = p.magnitude * g - p.vth * gv;
      let gu = gv + gs * dsdz / p.vth;
      ${input}
      total = addOne(total, p.spikeScale * s * g - s * gv - gs * dsdz * u / (p.vth * p.vth));
      gv = p.decay * gu;
    }
    _ = gc;
${REDUCE_TAIL}`;
  });
}

export const neuronBackward: GpuOp<OpAttrs['neuronBackward']> = (e, b, a: NeuronBackwardOpAttrs) => {
  const [gradOut, gradIn, inputRep, membrane] = b;
  if (gradOut == null || gradIn == null) throw new Error('webgpu neuronBackward: gradOut and gradIn are required');
  const groups = Math.min(Math.max(1, Math.ceil(a.n / WG)), MAX_REDUCE_GROUPS);
  const partials = e.scratch(2 * groups);
  if (a.mode === 'representation') {
    if (inputRep == null) throw new Error('webgpu neuronBackward: the representation mode needs inputRep');
    e.dispatch(
      representationShader(),
      { u32: [a.n, 0, a.closed ? 1 : 0], f32: [a.hi, a.slope] },
      [gradOut, gradIn, inputRep, partials],
      [groups],
    );
    return { ...partials, size: 8 * groups };
  }
  if (membrane == null) throw new Error('webgpu neuronBackward: the surrogate mode needs the recorded membrane');
  const vth = Math.fround(a.vth);
  const syn = a.synapse;
  e.dispatch(
    surrogateShader(syn !== undefined),
    {
      u32: [a.n, 0, a.T, a.soft ? 1 : 0],
      f32: [
        vth,
        a.threshold,
        a.decay,
        a.gain,
        Math.fround(a.spikeScale * vth), // the forward's magnitude, rounded as the reference rounds it
        a.spikeScale,
        a.slope,
        syn?.decay ?? 0,
        syn?.gain ?? 0,
      ],
    },
    [gradOut, gradIn, membrane, partials],
    [groups],
  );
  return { ...partials, size: 8 * groups };
};
