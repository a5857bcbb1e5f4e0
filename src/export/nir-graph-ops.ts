/**
 * One NIR node as a step function of the graph executor (nir-graph-run.ts): float64, on the host, one sample
 * after another, in NIR's own axis order (activations [C, H, W] or [C, L], weights [Cout, Cin/groups, k…]).
 * A node's input is the sum of everything its incoming edges carry this step (NIR's rule for several inputs).
 */
import type { NirArray, NirGraphNode } from './nir-graph.js';
import {
  NEURON_TYPES,
  type NeuronConventions,
  type NeuronNode,
  type NeuronRule,
  neuronRule,
} from './nir-neuron-rule.js';

export interface NodeOp {
  readonly outShape: readonly number[];
  /** One step for the batch: x holds B·inSize values, y receives B·outSize. */
  step(x: Float64Array, y: Float64Array, B: number): void;
  /** Fresh state for a new run of B samples (neurons, delays). */
  start?(B: number): void;
  /**
   * The membrane of the last step before any reset (B·size), for neuron nodes: the value that crossed the
   * threshold, as spikerep's own layers record it (and as snnTorch's default reports it).
   */
  membrane?(): Float64Array;
  /** Whether the output is a spike train (IF, LIF, CubaLIF, Threshold). */
  readonly spikes?: boolean;
  /** How a neuron node steps (for reports). */
  readonly rule?: NeuronRule;
}

export interface OpContext extends NeuronConventions {
  readonly bad: (what: string) => never;
}

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

export function makeOp(node: NirGraphNode, inShape: readonly number[], c: OpContext): NodeOp {
  const { bad } = c;
  const n = sizeOf(inShape);
  const identity: NodeOp = { outShape: inShape, step: (x, y) => y.set(x) };
  if (NEURON_TYPES.has(node.type)) return neuronOp(node as NeuronNode, inShape, c);
  switch (node.type) {
    case 'Input':
    case 'Output':
      return identity;
    case 'Affine':
    case 'Linear':
      return affineOp(node.weight, node.type === 'Affine' ? node.bias : undefined, inShape, bad);
    case 'Scale': {
      const s = perElement(node.scale, n, 'scale', bad);
      return { outShape: inShape, step: (x, y, B) => mapBatch(x, y, B, n, (v, i) => v * s[i]!) };
    }
    case 'Threshold': {
      const th = perElement(node.threshold, n, 'threshold', bad);
      const ge = c.compare === '>=';
      return {
        outShape: inShape,
        spikes: true,
        step: (x, y, B) => mapBatch(x, y, B, n, (v, i) => ((ge ? v >= th[i]! : v > th[i]!) ? 1 : 0)),
      };
    }
    case 'Delay':
      return delayOp(node.delay, inShape, c);
    case 'Flatten': {
      const rank = inShape.length;
      const start = node.start_dim < 0 ? node.start_dim + rank : node.start_dim;
      const end = node.end_dim < 0 ? node.end_dim + rank : node.end_dim;
      if (rank === 0 || !(start >= 0 && start <= end && end < rank))
        bad(`start_dim ${node.start_dim}..end_dim ${node.end_dim} do not fit its input ${fmt(inShape)}`);
      const outShape = [...inShape.slice(0, start), sizeOf(inShape.slice(start, end + 1)), ...inShape.slice(end + 1)];
      return { outShape, step: (x, y) => y.set(x) };
    }
    case 'Conv2d':
    case 'Conv1d':
      return convOp(node, inShape, bad);
    case 'SumPool2d':
    case 'AvgPool2d':
      return poolOp(node, inShape, bad);
    default:
      return bad(`a ${node.type} node cannot run here`);
  }
}

function perElement(a: NirArray, n: number, key: string, bad: (w: string) => never): Float64Array {
  if (a.data.length !== 1 && a.data.length !== n) bad(`'${key}' has ${a.data.length} values, its input has ${n}`);
  return Float64Array.from({ length: n }, (_, i) => a.data[a.data.length === 1 ? 0 : i]!);
}

function mapBatch(x: Float64Array, y: Float64Array, B: number, n: number, f: (v: number, i: number) => number): void {
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) y[b * n + i] = f(x[b * n + i]!, i);
}

function affineOp(
  w: NirArray,
  bias: NirArray | undefined,
  inShape: readonly number[],
  bad: (w: string) => never,
): NodeOp {
  if (w.shape.length !== 2) bad(`weight must be 2-D [out, in], got ${fmt(w.shape)}`);
  const [O, I] = w.shape as [number, number];
  const n = sizeOf(inShape);
  if (n !== I) bad(`takes ${I} inputs, gets an activation of shape ${fmt(inShape)}`);
  if (bias !== undefined && bias.data.length !== O) bad(`'bias' must hold ${O} values, got ${bias.data.length}`);
  return {
    outShape: [O],
    step: (x, y, B) => {
      for (let b = 0; b < B; b++)
        for (let o = 0; o < O; o++) {
          let s = bias === undefined ? 0 : bias.data[o]!;
          for (let i = 0; i < I; i++) s += w.data[o * I + i]! * x[b * I + i]!;
          y[b * O + o] = s;
        }
    },
  };
}

function delayOp(delay: NirArray, inShape: readonly number[], c: OpContext): NodeOp {
  const n = sizeOf(inShape);
  const d = perElement(delay, n, 'delay', c.bad);
  const steps = Array.from(d, (v) => {
    const s = v / c.dt;
    const whole = Math.round(s);
    if (!(whole >= 0 && Math.abs(s - whole) <= 1e-6 * Math.max(1, whole)))
      c.bad(`delay ${v} s is not a whole number of steps of dt = ${c.dt} s (expected a multiple of dt)`);
    return whole;
  });
  const depth = Math.max(0, ...steps) + 1;
  let ring = new Float64Array(0);
  let t = 0;
  let batch = 0;
  return {
    outShape: inShape,
    start: (B) => {
      ring = new Float64Array(depth * B * n);
      t = 0;
      batch = B;
    },
    step: (x, y) => {
      const slot = (k: number): number => ((((t - k) % depth) + depth) % depth) * batch * n;
      ring.set(x.subarray(0, batch * n), slot(0));
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < n; i++) y[b * n + i] = steps[i]! > t ? 0 : ring[slot(steps[i]!) + b * n + i]!;
      t++;
    },
  };
}

function neuronOp(node: NeuronNode, inShape: readonly number[], c: OpContext): NodeOp {
  const n = sizeOf(inShape);
  const rule = neuronRule(node, n, c, c.bad);
  const { decay, gain, leakDrive, synapse, fire } = rule;
  let v = new Float64Array(0);
  let beforeReset = new Float64Array(0);
  let cur = new Float64Array(0);
  return {
    outShape: inShape,
    spikes: fire !== null,
    rule,
    start: (B) => {
      v = new Float64Array(B * n);
      beforeReset = new Float64Array(B * n);
      cur = new Float64Array(B * n);
    },
    membrane: () => beforeReset,
    step: (x, y, B) => {
      for (let b = 0; b < B; b++)
        for (let i = 0; i < n; i++) {
          const j = b * n + i;
          let input = x[j]!;
          if (synapse !== null) {
            cur[j] = synapse.decay[i]! * cur[j]! + synapse.gain[i]! * input;
            input = cur[j]!;
          }
          let vj = decay[i]! * v[j]! + leakDrive[i]! + gain[i]! * input;
          beforeReset[j] = vj;
          if (fire === null) {
            v[j] = vj;
            y[j] = vj;
            continue;
          }
          const th = fire.threshold[i]!;
          const z = fire.compare === '>' ? vj > th : vj >= th;
          if (z) vj = fire.reset === 'value' ? fire.resetTo[i]! : vj - fire.resetTo[i]!;
          v[j] = vj;
          y[j] = z ? 1 : 0;
        }
    },
  };
}

/** Conv1d runs as a Conv2d of height 1. */
function convOp(
  node: Extract<NirGraphNode, { type: 'Conv2d' | 'Conv1d' }>,
  inShape: readonly number[],
  bad: (w: string) => never,
): NodeOp {
  const one = node.type === 'Conv1d';
  const w = node.weight;
  if (w.shape.length !== (one ? 3 : 4))
    bad(`weight must be ${one ? '3-D [Cout, Cin, K]' : '4-D [Cout, Cin, kH, kW]'}, got ${fmt(w.shape)}`);
  if (inShape.length !== (one ? 2 : 3))
    bad(`needs an input ${one ? '[C, L]' : '[C, H, W]'}, gets an activation of shape ${fmt(inShape)}`);
  const [O, Ig] = w.shape as [number, number];
  const KH = one ? 1 : w.shape[2]!;
  const KW = w.shape[one ? 2 : 3]!;
  const [C, H, W] = one ? [inShape[0]!, 1, inShape[1]!] : (inShape as [number, number, number]);
  const groups = node.groups ?? 1;
  if (!(groups >= 1 && C % groups === 0 && O % groups === 0 && C / groups === Ig))
    bad(`weight ${fmt(w.shape)} with groups = ${groups} does not fit ${C} input channels`);
  if (node.bias.data.length !== O) bad(`'bias' must hold ${O} values, got ${node.bias.data.length}`);
  const pairOf = (v: number[] | number | undefined, dflt: number, key: string): [number, number] => {
    const list = v === undefined ? [dflt] : typeof v === 'number' ? [v] : v;
    if (one && list.length === 1) return [dflt, list[0]!]; // the height axis of a Conv1d: no stride, no padding
    if (!one && list.length === 1) return [list[0]!, list[0]!];
    if (!one && list.length === 2) return [list[0]!, list[1]!];
    return bad(`'${key}' must be ${one ? 'an int' : 'an int or a pair'}, got ${JSON.stringify(v)}`);
  };
  const [sh, sw] = pairOf(node.stride, 1, 'stride');
  const [dh, dw] = pairOf(node.dilation, 1, 'dilation');
  if (!(sh >= 1 && sw >= 1 && dh >= 1 && dw >= 1)) bad('stride and dilation must be ≥ 1');
  let pad: [number, number, number, number]; // top, left, bottom, right
  if (node.padding === 'valid') pad = [0, 0, 0, 0];
  else if (node.padding === 'same') {
    if (sh !== 1 || sw !== 1) bad("padding 'same' needs stride 1");
    const th = dh * (KH - 1);
    const tw = dw * (KW - 1);
    pad = [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
  } else if (typeof node.padding === 'string') return bad(`padding '${node.padding}' is unsupported`);
  else {
    const [ph, pw] = pairOf(node.padding, 0, 'padding');
    if (!(ph >= 0 && pw >= 0)) bad('padding must be ≥ 0');
    pad = [ph, pw, ph, pw];
  }
  const OH = Math.floor((H + pad[0] + pad[2] - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + pad[1] + pad[3] - dw * (KW - 1) - 1) / sw) + 1;
  if (!(OH >= 1 && OW >= 1)) bad(`its kernel does not fit its input ${fmt(inShape)}`);
  const Og = O / groups;
  const inN = C * H * W;
  const outN = O * OH * OW;
  return {
    outShape: one ? [O, OW] : [O, OH, OW],
    step: (x, y, B) => {
      for (let b = 0; b < B; b++)
        for (let o = 0; o < O; o++) {
          const g = Math.floor(o / Og);
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++) {
              let s = node.bias.data[o]!;
              for (let ci = 0; ci < Ig; ci++) {
                const c = g * Ig + ci;
                for (let ky = 0; ky < KH; ky++) {
                  const iy = oy * sh - pad[0] + ky * dh;
                  if (iy < 0 || iy >= H) continue;
                  for (let kx = 0; kx < KW; kx++) {
                    const ix = ox * sw - pad[1] + kx * dw;
                    if (ix < 0 || ix >= W) continue;
                    s += w.data[((o * Ig + ci) * KH + ky) * KW + kx]! * x[b * inN + (c * H + iy) * W + ix]!;
                  }
                }
              }
              y[b * outN + (o * OH + oy) * OW + ox] = s;
            }
        }
    },
  };
}

function poolOp(
  node: Extract<NirGraphNode, { type: 'SumPool2d' | 'AvgPool2d' }>,
  inShape: readonly number[],
  bad: (w: string) => never,
): NodeOp {
  if (inShape.length !== 3) bad(`pooling needs an input [C, H, W], gets ${fmt(inShape)}`);
  const pair = (v: number[], key: string): [number, number] => {
    if (v.length === 1) return [v[0]!, v[0]!];
    if (v.length === 2) return [v[0]!, v[1]!];
    return bad(`'${key}' must be an int or a pair, got ${JSON.stringify(v)}`);
  };
  const [kh, kw] = pair(node.kernel_size, 'kernel_size');
  const [sh, sw] = pair(node.stride, 'stride');
  const [ph, pw] = pair(node.padding, 'padding');
  if (!(kh >= 1 && kw >= 1 && sh >= 1 && sw >= 1 && ph >= 0 && pw >= 0))
    bad('kernel_size and stride must be ≥ 1, padding ≥ 0');
  const [C, H, W] = inShape as [number, number, number];
  const OH = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - kw) / sw) + 1;
  if (!(OH >= 1 && OW >= 1)) bad(`its kernel does not fit its input ${fmt(inShape)}`);
  const scale = node.type === 'AvgPool2d' ? 1 / (kh * kw) : 1;
  return {
    outShape: [C, OH, OW],
    step: (x, y, B) => {
      for (let b = 0; b < B; b++)
        for (let c = 0; c < C; c++)
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++) {
              let s = 0;
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * sh - ph + ky;
                if (iy < 0 || iy >= H) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * sw - pw + kx;
                  if (ix >= 0 && ix < W) s += x[((b * C + c) * H + iy) * W + ix]!;
                }
              }
              y[((b * C + c) * OH + oy) * OW + ox] = s * scale;
            }
    },
  };
}
