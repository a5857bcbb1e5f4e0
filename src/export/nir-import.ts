/**
 * A NIR graph → a spikerep Network run by spikerep's simulator (inference), and the same graph as a program of
 * the graph executor (nir-graph-run.ts) that runs it on any input [T, B, …]. Nested subgraphs are flattened first
 * (nir-graph-flatten.ts) and a placeholder Input shape is read from the weights (nir-import-input.ts).
 * Two engines build the Network: a chain Input → (Conv2d | Affine | Linear | SumPool2d | AvgPool2d | Flatten |
 * IF | LIF | CubaLIF)* → neuron → Output becomes spikerep's own layers (a file spikerep wrote always takes this
 * path: its exact DSR behaviour); any other graph (branches, cycles, LI, I, CubaLI, Scale, Threshold, Conv1d,
 * Delay, per-neuron parameters, an Output after a non-spiking node) runs in the graph executor inside the Network.
 * NIR files are ambiguous in practice (nir.md §5.4); the options pick the convention:
 *  - ifR: IF `r` means dv = r·I per step ('one', Sinabs/Norse) or dv = r·dt·I ('inverse-dt', SpikingJelly);
 *  - tauUnit: τ in seconds with step `dt` (snnTorch, SpikingJelly; default dt 1e-4) or in steps (Sinabs);
 *  - reset: 'subtract' (DSR, Sinabs: subtract the threshold, or the node metadata's subtract_amount) or
 *    'value' (NIR's rule: v ← v_reset on a spike);
 *  - 'auto' reads spikerep's own metadata when present (exact round trip), else: ifR by whether r·dt = 1,
 *    τ in seconds, reset to v_reset, compare '>'.
 * Unit spikes are rescaled for spikerep's neurons (spikes Vth or Vth/Δt high) in the next weights; a neuron's
 * input gain and a SumPool2d's k² go into the weights of the conv/linear before them.
 */
import { SpikerepError } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import { checkDeclaredSize } from '../memory-budget.js';
import { AvgPool2d } from '../nn/avgpool.js';
import { Conv2d } from '../nn/conv2d.js';
import { Flatten } from '../nn/flatten.js';
import { tensorsFromHost } from '../nn/host-access.js';
import type { Layer } from '../nn/layer.js';
import { Linear } from '../nn/linear.js';
import { Network } from '../nn/network.js';
import { SpikingNeuron } from '../nn/neuron-layer.js';
import { RateReadout } from '../nn/readout.js';
import { Sequential } from '../nn/sequential.js';
import { Rng } from '../rng.js';
import { cubaLifConfig, IF_DEFAULTS, ifConfig, LIF_DEFAULTS, lifConfig, type NeuronConfig } from '../snn/config.js';
import { neuronModel } from '../snn/model.js';
import { HardResetNeuron } from './hard-reset-neuron.js';
import { nirChain } from './nir-chain.js';
import { flattenPermutation, NEURON_NODES, NIR_DEFAULT_DT } from './nir-export.js';
import type { NirArray, NirGraph, NirGraphNode } from './nir-graph.js';
import { flattenNirGraph } from './nir-graph-flatten.js';
import { NirGraphLayer } from './nir-graph-layer.js';
import { NirGraphProgram } from './nir-graph-run.js';
import { inferInputShape } from './nir-import-input.js';
import { chwToHwc, nirConvToSpikerep } from './nir-layout.js';

export interface NirImportOptions {
  /** Time steps (default: the graph metadata's T). */
  readonly T?: number;
  readonly ifR?: 'auto' | 'one' | 'inverse-dt';
  readonly tauUnit?: 'auto' | 'seconds' | 'steps';
  /** Seconds per step (default: the graph metadata's dt, else 1e-4). */
  readonly dt?: number;
  readonly reset?: 'auto' | 'subtract' | 'value';
  /** Firing comparison for reset 'value' (default: metadata, else NIR's '>'). */
  readonly compare?: '>' | '>=';
}

export interface ImportedNetwork {
  /** Runs T steps on a batch [B, …] (channels last) and reads out firing rates: for the built-in test sets. */
  readonly net: Network;
  /** How each spiking neuron node was read, for the CLI to print. */
  readonly neurons: { node: string; type: string; reset: 'subtract' | 'value'; threshold: number }[];
  /** The graph for the executor: program.run(x, [T, B, …inputShape]) gives the Output at every step. */
  readonly program: NirGraphProgram;
  /** Which engine `net` uses: spikerep's layers ('chain') or the graph executor ('graph'). */
  readonly engine: 'chain' | 'graph';
  /** Lines for stderr: what the import inferred (e.g. an Input shape read from the weights). */
  readonly warnings: readonly string[];
}

/** The node types spikerep's own layers run (the 'chain' engine). */
const CHAIN_TYPES: ReadonlySet<string> = new Set([
  'Input',
  'Output',
  'Conv2d',
  'Affine',
  'Linear',
  'SumPool2d',
  'AvgPool2d',
  'Flatten',
  'IF',
  'LIF',
  'CubaLIF',
]);

/**
 * The graph as the executor runs it, without a Network: for running a graph on the caller's own data. T is not
 * needed (it is the input's first axis); dt comes from the options, the graph metadata, else 1e-4.
 */
export function loadNirProgram(
  graph: NirGraph,
  opts: NirImportOptions = {},
  source = 'NIR file',
): { program: NirGraphProgram; warnings: string[]; graph: NirGraph } {
  const dt = importDt(graph, opts);
  const { graph: flat, warning } = inferInputShape(flattenNirGraph(graph, source), source);
  const program = new NirGraphProgram(
    flat,
    { ifR: opts.ifR ?? 'auto', tauUnit: opts.tauUnit ?? 'auto', dt, reset: opts.reset ?? 'auto', ...compareOf(opts) },
    source,
  );
  return { program, warnings: warning === undefined ? [] : [warning], graph: flat };
}

function compareOf(opts: NirImportOptions): { compare?: '>' | '>=' } {
  return opts.compare === undefined ? {} : { compare: opts.compare };
}

function importDt(graph: NirGraph, opts: NirImportOptions): number {
  const dt = opts.dt ?? metaNumber(graph.metadata['dt']) ?? NIR_DEFAULT_DT;
  if (!(dt > 0)) throw new SpikerepError('E_ARG', `dt must be > 0, got ${dt}`, 'dt');
  return dt;
}

export function importNir(
  k: Kernels,
  graph: NirGraph,
  opts: NirImportOptions = {},
  source = 'NIR file',
): ImportedNetwork {
  if (opts.T !== undefined && !(Number.isInteger(opts.T) && opts.T >= 1))
    throw new SpikerepError('E_ARG', `must be an integer ≥ 1, got ${opts.T}`, '--T');
  const metaT = graph.metadata['T'];
  if (opts.T === undefined && metaT !== undefined && !(Number.isInteger(metaT) && (metaT as number) >= 1))
    throw new SpikerepError(
      'E_FORMAT',
      `the graph metadata's T is ${JSON.stringify(metaT)}, not a step count ≥ 1: pass --T`,
      source,
    );
  const T = opts.T ?? metaNumber(metaT);
  if (T === undefined)
    throw new SpikerepError('E_ARG', 'the graph metadata has no time-step count T: pass --T', source);
  const dt = importDt(graph, opts);
  const { program, warnings, graph: flat } = loadNirProgram(graph, opts, source);
  const ours =
    graph.metadata['producer'] === 'spikerep' ||
    Object.values(flat.nodes).some((n) => n.metadata?.['reset'] === 'subtract' && 'subtract_amount' in n.metadata);
  const chainable = Object.values(flat.nodes).every((n) => CHAIN_TYPES.has(n.type)) && isChain(flat, source);
  if (chainable) {
    try {
      const { net, neurons } = importChain(k, flat, { ...opts, T, dt }, source);
      return { net, neurons, program, engine: 'chain', warnings };
    } catch (e) {
      // what spikerep's layers cannot hold (per-neuron parameters, no spiking node before the Output) the
      // executor runs; a file spikerep wrote must import exactly, so its refusals stand
      if (ours || !(e instanceof SpikerepError) || e.code !== 'E_UNSUPPORTED') throw e;
    }
  }
  const outSize = program.outputShape.reduce((a, b) => a * b, 1);
  const net = new Network({
    k,
    T,
    body: new NirGraphLayer(program, source),
    readout: new RateReadout({ config: IF_DEFAULTS }),
    inputShape: chwToHwc(program.inputShape),
    classes: outSize,
  });
  const neurons = program.nodes.flatMap((n) =>
    n.rule?.fire == null
      ? []
      : [{ node: n.name, type: n.type, reset: n.rule.fire.reset, threshold: n.rule.fire.threshold[0]! }],
  );
  return { net, neurons, program, engine: 'graph', warnings };
}

function isChain(graph: NirGraph, source: string): boolean {
  try {
    nirChain(graph, source);
    return true;
  } catch {
    return false;
  }
}

/** The 'chain' engine: spikerep's own layers. */
function importChain(
  k: Kernels,
  graph: NirGraph,
  opts: NirImportOptions & { T: number; dt: number },
  source: string,
): { net: Network; neurons: ImportedNetwork['neurons'] } {
  const { T, dt } = opts;
  const fail = (node: string, type: string, what: string): never => {
    throw new SpikerepError('E_UNSUPPORTED', `node '${node}' (${type}): ${what}`, source);
  };
  const chain = nirChain(graph, source);
  const rng = new Rng(0);
  const layers: Layer[] = [];
  const neurons: ImportedNetwork['neurons'] = [];
  let shape: number[] = []; // NIR order, one sample
  let inputShape: number[] = [];
  let inScale = 1; // factor for the next conv/linear's weights
  let flattenedFrom: number[] | null = null; // NIR [C, H, W] before a Flatten, until an affine reads it
  let opSinceNeuron: Conv2d | Linear | null = null;
  let readout: NeuronConfig = IF_DEFAULTS;
  let lastIsNeuron = false;

  // a file that says spikerep wrote it must carry spikerep's neuron metadata: without it the reset rule would
  // silently change from subtract to reset-to-value (a different model)
  const ours = graph.metadata['producer'] === 'spikerep' && (opts.reset ?? 'auto') === 'auto';
  for (const name of chain) {
    const node = graph.nodes[name]!;
    const bad = (what: string): never => fail(name, node.type, what);
    if (ours && NEURON_NODES.includes(node.type)) {
      const m = node.metadata ?? {};
      if (m['reset'] !== 'subtract' || typeof m['subtract_amount'] !== 'number')
        throw new SpikerepError(
          'E_FORMAT',
          `node '${name}' (${node.type}) lacks spikerep's neuron metadata (reset, subtract_amount) in a file spikerep wrote: the file is damaged`,
          source,
        );
    }
    lastIsNeuron = false;
    switch (node.type) {
      case 'Input':
        if (node.shape.length !== 3 && node.shape.length !== 1)
          bad(`input shape [${node.shape.join(', ')}] must be [C, H, W] or [F]`);
        shape = [...node.shape];
        inputShape = chwToHwc(shape);
        break;
      case 'Conv2d': {
        const w = node.weight;
        if (w.shape.length !== 4) bad(`weight must be 4-D [Cout, Cin, kH, kW], got [${w.shape.join(', ')}]`);
        const [O, I, KH, KW] = w.shape as [number, number, number, number];
        if (shape.length !== 3 || shape[0] !== I)
          bad(`expects ${I} input channels, gets an activation of shape [${shape.join(', ')}]`);
        if ((node.groups ?? 1) !== 1) bad(`groups = ${node.groups} is unsupported (only 1)`);
        if ((node.dilation ?? [1, 1]).some((d) => d !== 1)) bad('dilation other than 1 is unsupported');
        const stride = pair(node.stride, bad, 'stride');
        const pad = convPadding(node.padding, KH, KW, stride, bad);
        checkSize(node.bias, O, 'bias', bad);
        const conv = new Conv2d({ k, rng }, { name, inC: I, outC: O, kernel: [KH, KW], stride, pad, bias: true });
        const sw = nirConvToSpikerep(w);
        for (let i = 0; i < sw.length; i++) conv.weight.value[i] = sw[i]! * inScale;
        conv.bias!.value.set(node.bias.data);
        tensorsFromHost(k, conv.params());
        const out = conv.outputShape([1, shape[1]!, shape[2]!, I]);
        shape = [O, out[1]!, out[2]!];
        layers.push(conv);
        opSinceNeuron = conv;
        inScale = 1;
        break;
      }
      case 'Affine':
      case 'Linear': {
        const w = node.weight;
        if (w.shape.length !== 2) bad(`weight must be 2-D [out, in], got [${w.shape.join(', ')}]`);
        const [O, I] = w.shape as [number, number];
        if (shape.length !== 1 || shape[0] !== I)
          bad(`expects ${I} inputs, gets an activation of shape [${shape.join(', ')}] (flatten images first)`);
        const lin = new Linear({ k, rng }, { name, inF: I, outF: O, bias: node.type === 'Affine' });
        const perm = flattenedFrom === null ? null : flattenPermutation(chwToHwc(flattenedFrom));
        for (let o = 0; o < O; o++)
          for (let j = 0; j < I; j++)
            lin.weight.value[o * I + j] = w.data[o * I + (perm === null ? j : perm[j]!)]! * inScale;
        if (node.type === 'Affine') {
          checkSize(node.bias, O, 'bias', bad);
          lin.bias!.value.set(node.bias.data);
        }
        tensorsFromHost(k, lin.params());
        shape = [O];
        flattenedFrom = null;
        layers.push(lin);
        opSinceNeuron = lin;
        inScale = 1;
        break;
      }
      case 'SumPool2d':
      case 'AvgPool2d': {
        if (shape.length !== 3) bad('pooling needs an image activation [C, H, W]');
        const [kh, kw] = pair(node.kernel_size, bad, 'kernel_size');
        const [sh, sw] = pair(node.stride, bad, 'stride');
        const [ph, pw] = pair(node.padding, bad, 'padding');
        if (kh !== kw || sh !== sw || ph !== pw)
          bad('only square kernels with equal strides and paddings are supported');
        const pool = new AvgPool2d({ kernel: kh, stride: sh, pad: ph });
        const out = pool.outputShape([1, shape[1]!, shape[2]!, shape[0]!]);
        shape = [shape[0]!, out[1]!, out[2]!];
        layers.push(pool);
        if (node.type === 'SumPool2d') inScale *= kh * kw; // spikerep averages: a sum is k² averages
        break;
      }
      case 'Flatten': {
        const rank = shape.length;
        const start = node.start_dim < 0 ? node.start_dim + rank : node.start_dim;
        const end = node.end_dim < 0 ? node.end_dim + rank : node.end_dim;
        if (start !== 0 || end !== rank - 1)
          bad(`only a full flatten (start_dim 0, end_dim -1) is supported, got ${node.start_dim}..${node.end_dim}`);
        if (rank === 3) {
          flattenedFrom = shape;
          layers.push(new Flatten());
          shape = [shape[0]! * shape[1]! * shape[2]!];
        }
        break;
      }
      case 'IF':
      case 'LIF':
      case 'CubaLIF': {
        const r = neuronLayer(k, name, node, shape, { ...opts, dt }, bad);
        const total = r.inputGain * inScale;
        if (total !== 1) {
          if (opSinceNeuron === null)
            bad('its input gain (r, or a SumPool2d before it) needs a conv/linear layer before it to fold into');
          scaleOp(opSinceNeuron!, total);
        }
        layers.push(r.layer);
        neurons.push({ node: name, type: node.type, reset: r.reset, threshold: r.threshold });
        inScale = 1 / r.amplitude;
        readout = r.readout;
        opSinceNeuron = null;
        lastIsNeuron = true;
        break;
      }
      case 'Output': {
        const size = node.shape.reduce((a, b) => a * b, 1);
        if (size !== shape.reduce((a, b) => a * b, 1))
          bad(`shape [${node.shape.join(', ')}] does not match the activation [${shape.join(', ')}]`);
        break;
      }
    }
    // the activation one sample makes over T steps must fit the budget (huge shapes or T from a file)
    const perSample = shape.reduce((a, b) => a * b, 1) * 4 * T;
    checkDeclaredSize(
      perSample,
      `node '${name}' (${node.type}): its activation [${shape.join(', ')}] over T=${T} steps`,
      source,
    );
    if (node.type === 'Output') break;
  }
  const outNode = chain[chain.length - 1]!;
  const beforeOut = chain[chain.length - 2];
  if (beforeOut === undefined || !NEURON_NODES.includes(graph.nodes[beforeOut]!.type)) {
    fail(outNode, 'Output', 'must follow an IF, LIF or CubaLIF node: spikerep reads out firing rates');
  }
  void lastIsNeuron;
  const net = new Network({
    k,
    T,
    body: new Sequential(layers),
    readout: new RateReadout({ config: readout }),
    inputShape: inputShape,
    classes: shape.reduce((a, b) => a * b, 1),
  });
  return { net, neurons };
}

interface ImportedNeuron {
  layer: Layer;
  /** Factor the input current needs beyond what spikerep's neuron applies (folded into the op before). */
  inputGain: number;
  /** Height of the spikes the layer emits (the next weights are divided by it). */
  amplitude: number;
  readout: NeuronConfig;
  reset: 'subtract' | 'value';
  threshold: number;
}

function neuronLayer(
  k: Kernels,
  name: string,
  node: Extract<NirGraphNode, { type: 'IF' | 'LIF' | 'CubaLIF' }>,
  shape: number[],
  o: NirImportOptions & { dt: number },
  bad: (w: string) => never,
): ImportedNeuron {
  const size = shape.reduce((a, b) => a * b, 1);
  const one = (a: NirArray | undefined, key: string, dflt?: number): number => {
    if (a === undefined) {
      if (dflt !== undefined) return dflt;
      return bad(`lacks '${key}'`);
    }
    if (a.data.length !== size && a.data.length !== 1)
      bad(`'${key}' has ${a.data.length} values, the activation [${shape.join(', ')}] has ${size}`);
    const v = a.data[0]!;
    if (!a.data.every((x) => x === v)) bad(`'${key}' differs between neurons; spikerep has one value per layer`);
    return v;
  };
  const meta = node.metadata ?? {};
  const theta = one(node.v_threshold, 'v_threshold');
  const r = one(node.r, 'r');
  const vReset = one(node.v_reset, 'v_reset', 0);
  const vLeak = node.type === 'IF' ? 0 : one(node.v_leak, 'v_leak');
  const tau =
    node.type === 'IF'
      ? 0
      : one(node.type === 'LIF' ? node.tau : node.tau_mem, node.type === 'LIF' ? 'tau' : 'tau_mem');
  // CubaLIF's synaptic current: τ_syn·dI/dt = −I + w_in·S (nir.md §5.3)
  const cuba =
    node.type === 'CubaLIF' ? { tauSyn: one(node.tau_syn, 'tau_syn'), wIn: one(node.w_in, 'w_in', 1) } : null;
  const ours = meta['reset'] === 'subtract' && typeof meta['subtract_amount'] === 'number';
  const reset = (o.reset ?? 'auto') === 'auto' ? (ours ? 'subtract' : 'value') : (o.reset as 'subtract' | 'value');
  const ifR = (o.ifR ?? 'auto') === 'auto' ? (Math.abs(r * o.dt - 1) < 1e-6 ? 'inverse-dt' : 'one') : o.ifR;
  const tauUnit = o.tauUnit === 'steps' ? 'steps' : 'seconds';
  if (!(theta > 0)) bad(`v_threshold must be > 0, got ${theta}`);
  // per-step leak k = dt/τ of forward Euler: v ← (1 − k)·v + k·(v_leak + r·I)
  const perStep = (t: number, key: string): number => {
    const kk = tauUnit === 'steps' ? 1 / t : o.dt / t;
    if (!(kk > 0 && kk < 1))
      bad(
        `${key} = ${+t.toPrecision(6)} gives a per-step leak dt/${key} = ${+kk.toPrecision(6)} outside (0, 1); check --tau-unit and --dt`,
      );
    return kk;
  };
  const kStep = node.type === 'IF' ? 0 : perStep(tau, node.type === 'LIF' ? 'tau' : 'tau_mem');
  const kSyn = cuba === null ? 0 : perStep(cuba.tauSyn, 'tau_syn');
  // I ← (1 − kSyn)·I + kSyn·w_in·S: spikerep's CubaLIF with λ_s = 1 − kSyn, its input scaled by w_in
  const synapse = cuba === null ? undefined : { decay: 1 - kSyn, gain: kSyn * cuba.wIn };
  if (reset === 'value') {
    const compare = o.compare ?? (meta['compare'] === '>=' ? '>=' : '>');
    const layer =
      node.type === 'IF'
        ? new HardResetNeuron({
            name,
            decay: 1,
            gain: ifR === 'one' ? r : r * o.dt,
            leakDrive: 0,
            threshold: theta,
            vReset,
            compare,
          })
        : new HardResetNeuron({
            name,
            decay: 1 - kStep,
            gain: kStep * r,
            leakDrive: kStep * vLeak,
            threshold: theta,
            vReset,
            compare,
            ...(synapse ? { synapse } : {}),
          });
    const readout = node.type === 'IF' ? IF_DEFAULTS : lifConfig({ tau: 1, dt: -Math.log(1 - kStep) });
    return { layer, inputGain: 1, amplitude: 1, readout, reset, threshold: theta };
  }
  if (vLeak !== 0) bad(`v_leak = ${vLeak} is unsupported with reset 'subtract' (DSR neurons leak to 0)`);
  const vth = ours ? (meta['subtract_amount'] as number) : theta;
  const alpha = ours && typeof meta['alpha'] === 'number' ? meta['alpha'] : theta / vth;
  if (!(alpha > 0 && alpha <= 1)) bad(`fires at ${theta} but subtracts ${vth}: the ratio must be in (0, 1]`);
  let config: NeuronConfig;
  let inputGain: number;
  if (node.type === 'IF') {
    config = ifConfig({ vth, alpha, vthBound: Math.min(IF_DEFAULTS.vthBound, vth) });
    inputGain = ours ? 1 : ifR === 'one' ? r : r * o.dt;
  } else if (ours && typeof meta['dsr_tau'] === 'number' && typeof meta['dsr_dt'] === 'number') {
    const leak = {
      vth,
      alpha,
      tau: meta['dsr_tau'],
      dt: meta['dsr_dt'],
      vthBound: Math.min(LIF_DEFAULTS.vthBound, vth),
    };
    const tauSyn = meta['dsr_tau_syn'];
    if (cuba !== null && typeof tauSyn !== 'number') bad("spikerep metadata without 'dsr_tau_syn'");
    config = cuba === null ? lifConfig(leak) : cubaLifConfig({ ...leak, tauSyn: tauSyn as number });
    inputGain = 1;
  } else if (cuba !== null) {
    // λ = 1 − k and λ_s = 1 − k_syn with τ = 1, Δt = −ln(1 − k): τ_syn = −Δt/ln(1 − k_syn); r·w_in scales the input
    const dtOurs = -Math.log(1 - kStep);
    config = cubaLifConfig({
      vth,
      alpha,
      tau: 1,
      dt: dtOurs,
      tauSyn: -dtOurs / Math.log(1 - kSyn),
      vthBound: Math.min(LIF_DEFAULTS.vthBound, vth),
    });
    inputGain = r * cuba.wIn;
  } else {
    // spikerep's LIF: u ← λu + (1 − λ)·I with λ = exp(−Δt/τ); τ = 1, Δt = −ln(1 − k) gives λ = 1 − k
    config = lifConfig({
      vth,
      alpha,
      tau: 1,
      dt: -Math.log(1 - kStep),
      vthBound: Math.min(LIF_DEFAULTS.vthBound, vth),
    });
    inputGain = r;
  }
  const layer = new SpikingNeuron({ k }, { name, config, mode: 'dsr' });
  const amplitude = Math.fround(neuronModel(config).spikeScale * vth);
  return { layer, inputGain, amplitude, readout: config, reset, threshold: theta };
}

function metaNumber(v: string | number | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function pair(v: number[] | number | string | undefined, bad: (w: string) => never, key: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 1) return [v[0]!, v[0]!];
  if (Array.isArray(v) && v.length === 2) return [v[0]!, v[1]!];
  return bad(`'${key}' must be an int or a pair, got ${JSON.stringify(v)}`);
}

function convPadding(
  p: number[] | string,
  KH: number,
  KW: number,
  stride: [number, number],
  bad: (w: string) => never,
): [number, number] {
  if (p === 'valid') return [0, 0];
  if (p === 'same') {
    if (KH % 2 === 0 || KW % 2 === 0 || stride[0] !== 1 || stride[1] !== 1)
      bad("padding 'same' is supported for odd kernels with stride 1 only");
    return [(KH - 1) / 2, (KW - 1) / 2];
  }
  if (typeof p === 'string') return bad(`padding '${p}' is unsupported`);
  return pair(p, bad, 'padding');
}

function checkSize(a: NirArray | undefined, n: number, key: string, bad: (w: string) => never): void {
  if (a === undefined || a.data.length !== n) bad(`'${key}' must hold ${n} values, got ${a?.data.length ?? 'none'}`);
}

function scaleOp(op: Conv2d | Linear, s: number): void {
  for (let i = 0; i < op.weight.value.length; i++) op.weight.value[i]! *= s;
  if (op.bias !== null) for (let i = 0; i < op.bias.value.length; i++) op.bias.value[i]! *= s;
}
