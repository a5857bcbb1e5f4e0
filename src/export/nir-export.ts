/**
 * A trained spikerep Network → a NIR graph (plain data; nir-h5.ts writes it). What NIR cannot hold is folded or
 * written down (docs/nir.md):
 *  - conv/linear weights are the ones the forward runs on: quantised under quantisation-aware training (nn/quant.ts);
 *  - eval-mode batch-norm is folded into the conv/linear before it: W' = W·γ/σ, b' = (b − μ)·γ/σ + β;
 *  - NIR spikes are unit-height, DSR's are Vth (IF) or Vth/Δt (LIF) high: that amplitude is folded into the
 *    weights of the next conv/linear; average pooling becomes SumPool2d with its 1/k² folded there too;
 *  - IF → IF{r = 1/dt, v_threshold = α·Vth, v_reset = 0}; LIF → LIF{τ = dt/(1−λ), r = 1, v_leak = 0, ...}
 *    (forward Euler with step dt reproduces u ← λu + (1−λ)I), every parameter broadcast to the activation shape;
 *  - DSR fires at u ≥ α·Vth and subtracts Vth; NIR fires at v > v_threshold and resets to v_reset. The DSR
 *    rule goes into metadata (graph and node), which spikerep's importer reads back; other tools will see a
 *    hard reset to 0.
 * Layouts: spikerep is channels-last ([H, W, C], conv weight [Cout, kH, kW, Cin], flatten order H, W, C); NIR
 * follows PyTorch ([C, H, W], [Cout, Cin, kH, kW], flatten order C, H, W), so weights are transposed here.
 */
import { SpikerepError } from '../errors.js';
import type { AvgPool2d } from '../nn/avgpool.js';
import type { BatchNorm } from '../nn/batchnorm.js';
import type { Conv2d } from '../nn/conv2d.js';
import { networkTensors, tensorsToHost } from '../nn/host-access.js';
import type { Layer } from '../nn/layer.js';
import type { Linear } from '../nn/linear.js';
import type { Network } from '../nn/network.js';
import type { SpikingNeuron } from '../nn/neuron-layer.js';
import type { NormBlock } from '../nn/norm-block.js';
import { neuronModel } from '../snn/model.js';
import { type NirGraph, type NirGraphNode, type NirMetadata, nirArray, nirFull } from './nir-graph.js';
import { hwcToChw, spikerepConvToNir } from './nir-layout.js';

export interface NirExportOptions {
  /** Seconds per step that NIR's continuous-time equations are discretised with (de-facto 1e-4, nir.md §5.4). */
  readonly dt?: number;
  /** Extra graph metadata (e.g. the dataset and its input normalisation). */
  readonly metadata?: NirMetadata;
}

export const NIR_DEFAULT_DT = 1e-4;

/** A linear op whose weights are still being folded into (float64 until the node is emitted). */
interface PendingOp {
  readonly name: string;
  readonly kind: 'conv' | 'affine';
  readonly weight: Float64Array; // NIR order
  readonly weightShape: number[];
  readonly bias: Float64Array;
  readonly conv?: Conv2d;
  inputHW?: [number, number];
}

export function exportNir(net: Network, opts: NirExportOptions = {}): NirGraph {
  const dt = opts.dt ?? NIR_DEFAULT_DT;
  if (!(Number.isFinite(dt) && dt > 0)) throw new SpikerepError('E_ARG', `dt must be > 0, got ${dt}`, 'dt');
  if (net.inputShape === undefined || net.inputShape.length !== 3) {
    throw new SpikerepError(
      'E_UNSUPPORTED',
      'NIR export needs a network with an image input shape [H, W, C]',
      'network',
    );
  }
  tensorsToHost(net.k, networkTensors(net)); // weights, BN statistics and thresholds are read below
  const layers = chainOf(net.body);
  const nodes: Record<string, NirGraphNode> = {};
  const order: string[] = [];
  const add = (name: string, node: NirGraphNode): void => {
    nodes[name] = node;
    order.push(name);
  };
  let shape: number[] = [...net.inputShape]; // channels-last, one sample
  add('input', { type: 'Input', shape: hwcToChw(shape) });
  let inScale = 1; // what the next conv/linear's weights are multiplied by (spike amplitude, 1/k² of pools)
  let flattenedFrom: number[] | null = null; // [H, W, C] when the next affine reads a flattened image
  let pending: PendingOp | null = null;
  let lastNeuron: SpikingNeuron | null = null;
  const used = new Set<string>();
  const unique = (base: string): string => {
    let name = base.replace(/[^A-Za-z0-9_]/g, '_');
    for (let i = 1; used.has(name); i++) name = `${base.replace(/[^A-Za-z0-9_]/g, '_')}_${i}`;
    used.add(name);
    return name;
  };
  const flush = (): void => {
    if (pending === null) return;
    const w = nirArray(pending.weightShape, Float32Array.from(pending.weight));
    const b = nirArray([pending.bias.length], Float32Array.from(pending.bias));
    if (pending.kind === 'affine') add(pending.name, { type: 'Affine', weight: w, bias: b });
    else {
      const c = pending.conv!;
      const stride = pairOf(c.opts.stride ?? 1);
      const pad = pairOf(c.opts.pad ?? 0);
      add(pending.name, {
        type: 'Conv2d',
        weight: w,
        bias: b,
        stride,
        padding: pad,
        dilation: [1, 1],
        groups: 1,
        input_shape: pending.inputHW!,
      });
    }
    pending = null;
  };
  const unsupported = (l: Layer, what: string): never => {
    throw new SpikerepError('E_UNSUPPORTED', `layer ${describe(l)}: ${what}`, 'NIR export');
  };

  // layers told apart by kind, each kind being one class
  for (const l of layers) {
    if (l.kind === 'conv2d') {
      const conv = l as Conv2d;
      flush();
      const [H, W, C] = shape as [number, number, number];
      const nir = spikerepConvToNir(conv.forwardWeight(net.k), conv.weight.shape); // quantised under QAT
      pending = {
        name: unique(conv.opts.name),
        kind: 'conv',
        conv,
        weightShape: nir.shape as number[],
        weight: Float64Array.from(nir.data, (v) => v * inScale),
        bias: conv.bias === null ? new Float64Array(conv.opts.outC) : Float64Array.from(conv.bias.value),
        inputHW: [H, W],
      };
      shape = conv.outputShape([1, H, W, C]).slice(1);
      inScale = 1;
    } else if (l.kind === 'linear') {
      const lin = l as Linear;
      flush();
      const { inF, outF } = lin.opts;
      const w = new Float64Array(outF * inF);
      const weight = lin.forwardWeight(net.k); // quantised under QAT
      const perm = flattenedFrom === null ? null : flattenPermutation(flattenedFrom);
      for (let o = 0; o < outF; o++) {
        for (let i = 0; i < inF; i++) w[o * inF + (perm === null ? i : perm[i]!)] = weight[o * inF + i]! * inScale;
      }
      pending = {
        name: unique(lin.opts.name),
        kind: 'affine',
        weightShape: [outF, inF],
        weight: w,
        bias: lin.bias === null ? new Float64Array(outF) : Float64Array.from(lin.bias.value),
      };
      shape = [outF];
      inScale = 1;
      flattenedFrom = null;
    } else if (l.kind === 'batchnorm') {
      if (pending === null) unsupported(l, 'batch-norm must follow a conv or linear layer to be folded');
      foldBatchNorm(pending!, l as BatchNorm);
    } else if (l.kind === 'neuron') {
      const neuron = l as SpikingNeuron;
      flush();
      if (inScale !== 1)
        unsupported(l, 'a neuron after average pooling with no conv/linear between cannot be exported');
      if (neuron.opts.mode === 'ann') unsupported(l, "mode 'ann' (clamp) has no spiking equivalent in NIR");
      if (neuron.opts.mode === 'relu') unsupported(l, "mode 'relu' (the ANN) has no spiking equivalent in NIR");
      const name = unique(neuron.opts.name);
      const node = neuronNode(neuron, hwcToChw(shape), dt);
      add(name, node.node);
      inScale = node.amplitude;
      lastNeuron = neuron;
    } else if (l.kind === 'avgpool2d') {
      const pool = l as AvgPool2d;
      flush();
      const { kernel, stride = kernel, pad = 0 } = pool.opts;
      const [H, W, C] = shape as [number, number, number];
      add(unique('sumpool'), {
        type: 'SumPool2d',
        kernel_size: [kernel, kernel],
        stride: [stride, stride],
        padding: [pad, pad],
      });
      shape = pool.outputShape([1, H, W, C]).slice(1);
      inScale /= kernel * kernel;
    } else if (l.kind === 'flatten') {
      flush();
      if (shape.length !== 3) unsupported(l, 'flatten of a non-image activation');
      add(unique('flatten'), { type: 'Flatten', start_dim: 0, end_dim: -1, input_type: hwcToChw(shape) });
      flattenedFrom = shape;
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (l.kind === 'dropout') {
    } else {
      unsupported(
        l,
        'not supported by the NIR exporter (supported: conv2d, linear, batchnorm after them, avgpool2d, flatten, dropout, IF/LIF neurons)',
      );
    }
  }
  flush();
  if (lastNeuron === null || order[order.length - 1] !== lastNeuronName(order, nodes)) {
    throw new SpikerepError(
      'E_UNSUPPORTED',
      'the network must end with a spiking neuron layer (its rate is the output)',
      'NIR export',
    );
  }
  add('output', { type: 'Output', shape: [...shape] });
  const edges: [string, string][] = [];
  for (let i = 1; i < order.length; i++) edges.push([order[i - 1]!, order[i]!]);
  const cfg = lastNeuron.opts.config;
  const metadata: NirMetadata = {
    producer: 'spikerep',
    T: net.T,
    dt,
    neuron: cfg.kind,
    readout: cfg.kind === 'if' ? 'rate' : 'weighted-rate',
    encoding: 'direct',
    input_layout: 'CHW',
    compare: '>=',
    reset: 'subtract',
    note: 'DSR neurons fire at v >= v_threshold and subtract subtract_amount (node metadata); v_reset is a placeholder. Spike amplitude and average-pool scale are folded into the next weights; batch-norm folded into the previous.',
    ...opts.metadata,
  };
  return { nodes, edges, metadata };
}

/** The NIR neuron types spikerep writes and reads. */
export const NEURON_NODES: readonly string[] = ['IF', 'LIF', 'CubaLIF'];

/**
 * The body as the chain of layers the exporter walks: sequential bodies and single-path batch-norm blocks
 * (conv/linear → BN) open up into their children; anything else stays whole (and is refused by kind).
 */
export function chainOf(l: Layer): Layer[] {
  if (l.kind === 'sequential') return l.children().flatMap(chainOf);
  if (l.kind === 'norm-block') {
    const [only, ...more] = (l as NormBlock).branches;
    if (only !== undefined && more.length === 0 && only.pre === null) return [...l.children()];
  }
  return [l];
}

function lastNeuronName(order: string[], nodes: Record<string, NirGraphNode>): string | undefined {
  const last = order[order.length - 1];
  return last !== undefined && NEURON_NODES.includes(nodes[last]!.type) ? last : undefined;
}

/** The NIR node of a DSR neuron layer and the amplitude of its spikes (folded into the next weights). */
function neuronNode(l: SpikingNeuron, shape: number[], dt: number): { node: NirGraphNode; amplitude: number } {
  const cfg = l.opts.config;
  const vth = Math.max(l.vth.value[0]!, cfg.vthBound); // the clamp every forward applies (docs/method.md §2.4)
  const model = neuronModel({ ...cfg, vth });
  const amplitude = Math.fround(model.spikeScale * vth);
  const meta: NirMetadata = {
    reset: 'subtract',
    subtract_amount: vth,
    alpha: cfg.alpha,
    compare: '>=',
    spike_amplitude: amplitude,
  };
  const thr = nirFull(shape, cfg.alpha * vth);
  if (cfg.kind === 'if') {
    return {
      node: { type: 'IF', r: nirFull(shape, 1 / dt), v_threshold: thr, v_reset: nirFull(shape, 0), metadata: meta },
      amplitude,
    };
  }
  const leak = model.decay;
  meta['dsr_tau'] = cfg.tau;
  meta['dsr_dt'] = cfg.dt;
  meta['leak'] = leak;
  if (model.synapse !== null && cfg.kind === 'cubalif') {
    // forward Euler with dt/τ = 1 − λ gives the same recursions: I ← λ_s·I + (1 − λ_s)·w_in·S, v ← λ·v + (1 − λ)·r·I
    meta['dsr_tau_syn'] = cfg.tauSyn;
    const node: NirGraphNode = {
      type: 'CubaLIF',
      tau_syn: nirFull(shape, dt / (1 - model.synapse.decay)),
      tau_mem: nirFull(shape, dt / (1 - leak)),
      r: nirFull(shape, 1),
      v_leak: nirFull(shape, 0),
      v_threshold: thr,
      v_reset: nirFull(shape, 0),
      w_in: nirFull(shape, 1),
      metadata: meta,
    };
    return { node, amplitude };
  }
  return {
    node: {
      type: 'LIF',
      tau: nirFull(shape, dt / (1 - leak)),
      r: nirFull(shape, 1),
      v_leak: nirFull(shape, 0),
      v_threshold: thr,
      v_reset: nirFull(shape, 0),
      metadata: meta,
    },
    amplitude,
  };
}

/** W' = W·γ/σ, b' = (b − μ)·γ/σ + β with σ = √(running_var + eps), per output channel (eval-mode BN). */
function foldBatchNorm(op: PendingOp, bn: BatchNorm): void {
  const C = bn.opts.channels;
  if (op.bias.length !== C) {
    throw new SpikerepError(
      'E_SHAPE',
      `batch-norm ${bn.opts.name} has ${C} channels, the layer before has ${op.bias.length} outputs`,
      'NIR export',
    );
  }
  const eps = bn.opts.eps ?? 1e-5;
  const per = op.weight.length / C;
  for (let c = 0; c < C; c++) {
    const s = bn.weight.value[c]! / Math.sqrt(bn.runningVar[c]! + eps);
    for (let i = 0; i < per; i++) op.weight[c * per + i]! *= s;
    op.bias[c] = (op.bias[c]! - bn.runningMean[c]!) * s + bn.bias.value[c]!;
  }
}

/** perm[i] = the NIR (C, H, W) flat index of spikerep's (H, W, C) flat index i. */
export function flattenPermutation([H, W, C]: number[]): Int32Array {
  const p = new Int32Array(H! * W! * C!);
  for (let h = 0; h < H!; h++)
    for (let w = 0; w < W!; w++) for (let c = 0; c < C!; c++) p[(h * W! + w) * C! + c] = (c * H! + h) * W! + w;
  return p;
}

function pairOf(v: number | readonly [number, number]): number[] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function describe(l: Layer): string {
  const name = (l as { opts?: { name?: string } }).opts?.name;
  return name === undefined ? l.kind : `${name} (${l.kind})`;
}
