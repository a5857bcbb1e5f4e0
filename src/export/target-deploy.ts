/**
 * A trained network made into exactly what a target runs (deployment quantisation): batch-norm folded, every
 * conv/linear weight on the target's integer grid with a power-of-two scale s (nn/quant.ts), biases whole steps of
 * s, every IF threshold a whole number of steps of the scale of the weights before it. The network keeps its
 * layers (each batch-norm stays, as the identity plus the folded bias), so it saves, evaluates and exports like any
 * checkpoint; its export for the target (target-integer.ts) finds the same integers again, and the file and the
 * network predict identically: the two compute the same sums scaled by powers of two, which is exact in floating
 * point. The integers are the export's own (graphForTarget), so a network that does not fit the target is refused
 * with the export's lines.
 */
import { SpikerepError } from '../errors.js';
import type { AvgPool2d } from '../nn/avgpool.js';
import type { BatchNorm } from '../nn/batchnorm.js';
import type { Conv2d } from '../nn/conv2d.js';
import { networkTensors, tensorsFromHost, tensorsToHost } from '../nn/host-access.js';
import type { Linear } from '../nn/linear.js';
import type { Network } from '../nn/network.js';
import type { SpikingNeuron } from '../nn/neuron-layer.js';
import { neuronModel } from '../snn/model.js';
import { chainOf, exportNir, flattenPermutation } from './nir-export.js';
import type { NirGraph, NirGraphNode } from './nir-graph.js';
import { nirConvToSpikerep } from './nir-layout.js';
import { first, metaNumber, NEURON_TYPES, WEIGHT_NODES } from './target.js';
import { graphForTarget } from './target-list.js';
import type { TargetName } from './target-names.js';

/** What deployment did to one neuron layer: its weights' scale and its threshold in steps of it. */
export interface DeployedLayer {
  readonly neuron: string;
  readonly weightScale: number;
  readonly thresholdSteps: number;
  readonly vthBefore: number;
  readonly vthAfter: number;
}

/** Rewrites `net` in place as `target` runs it (see the file comment); returns the integer graph it now exports to. */
export function deployForTarget(net: Network, target: TargetName): { graph: NirGraph; layers: DeployedLayer[] } {
  const graph = graphForTarget(exportNir(net), target);
  const k = net.k;
  const tensors = networkTensors(net);
  tensorsToHost(k, tensors);
  const nodes = Object.entries(graph.nodes);
  const weightNodes = nodes.filter(([, n]) => WEIGHT_NODES.includes(n.type));
  const neuronNodes = nodes.filter(([, n]) => NEURON_TYPES.includes(n.type));
  const refuse = (what: string, layer: string): never => {
    throw new SpikerepError('E_UNSUPPORTED', `layer ${layer}: ${what}`, `deploy for ${target}`);
  };
  const layers: DeployedLayer[] = [];
  let inScale = 1; // what the next weights' inputs carry: the last spikes' amplitude and the pools' 1/k² since
  let flattenedFrom: number[] | null = null;
  let shape: number[] = [...(net.inputShape ?? [])];
  let bias: { values: Float64Array; layer: string } | null = null; // the folded bias, until it has a place
  let unit = 1; // the scale of the last weights
  let w = 0;
  let n = 0;
  const placeBias = (into: { value: Float32Array } | null, layer: string): void => {
    if (bias === null) return;
    if (into !== null) into.value.set(bias.values);
    else if (bias.values.some((v) => v !== 0)) refuse('a bias the target needs has no parameter to live in', layer);
    bias = null;
  };
  for (const l of chainOf(net.body)) {
    if (l.kind === 'conv2d' || l.kind === 'linear') {
      const [nodeName, node] = weightNodes[w++] ?? refuse('no weight node in the exported graph', l.kind);
      const { weight: ints, bias: intBias, scale } = integerParts(nodeName, node);
      let values: Float32Array;
      let name: string;
      if (l.kind === 'conv2d') {
        const conv = l as Conv2d;
        name = conv.opts.name;
        values = nirConvToSpikerep(ints);
        shape = conv.outputShape([1, ...(shape as [number, number, number])]).slice(1);
      } else {
        const lin = l as Linear;
        name = lin.opts.name;
        const { inF, outF } = lin.opts;
        const perm = flattenedFrom === null ? null : flattenPermutation(flattenedFrom);
        values = new Float32Array(outF * inF);
        for (let o = 0; o < outF; o++)
          for (let i = 0; i < inF; i++) values[o * inF + i] = ints.data[o * inF + (perm === null ? i : perm[i]!)]!;
        shape = [outF];
        flattenedFrom = null;
      }
      const layer = l as Conv2d | Linear;
      // one factor, as the importer applies its own (integer × factor, rounded once to float64 and once to float32):
      // the two factors differ by a power of two, so the two networks' weights do too, exactly
      const factor = scale / inScale;
      for (let i = 0; i < values.length; i++) values[i] = values[i]! * factor;
      layer.weight.value.set(values);
      // the layer's own bias where it has one: the importer's layer adds it the same way, in the same place
      bias = { values: Float64Array.from(intBias, (b) => b * scale), layer: name };
      if (layer.bias !== null) placeBias(layer.bias, name);
      unit = scale;
      inScale = 1;
    } else if (l.kind === 'batchnorm') {
      const bn = l as BatchNorm;
      const eps = bn.opts.eps ?? 1e-5;
      const variance = Math.fround(1 - eps);
      // the identity in eval mode: 1/√(var + eps) must round to exactly 1 in float32
      if (Math.fround(1 / Math.sqrt(variance + eps)) !== 1) refuse(`eps ${eps} leaves no exact identity`, bn.opts.name);
      bn.weight.value.fill(1);
      bn.runningMean.fill(0);
      bn.runningVar.fill(variance);
      bn.bias.value.fill(0);
      placeBias(bn.bias, bn.opts.name);
    } else if (l.kind === 'neuron') {
      const neuron = l as SpikingNeuron;
      const name = neuron.opts.name;
      if (bias !== null) placeBias(null, bias.layer); // no bias parameter and no batch-norm
      const [, node] = neuronNodes[n++] ?? refuse('no neuron node in the exported graph', name);
      const cfg = neuron.opts.config;
      if (cfg.kind !== 'if') refuse(`deployment supports IF layers, not ${cfg.kind}`, name);
      const steps = metaNumber(node, 'subtract_amount', Number.NaN);
      const threshold = 'v_threshold' in node ? first(node.v_threshold) : Number.NaN;
      if (threshold / steps !== cfg.alpha)
        refuse(
          `in whole steps it fires at ${threshold} and subtracts ${steps}, a ratio other than its α = ${cfg.alpha} (train with --alpha 1)`,
          name,
        );
      const before = Math.max(neuron.vth.value[0]!, cfg.vthBound);
      const after = steps * unit;
      if (after < cfg.vthBound)
        refuse(`its threshold, ${steps} steps of ${unit}, is below the bound ${cfg.vthBound}`, name);
      neuron.vth.value[0] = after;
      layers.push({ neuron: name, weightScale: unit, thresholdSteps: steps, vthBefore: before, vthAfter: after });
      inScale = Math.fround(neuronModel({ ...cfg, vth: after }).spikeScale * after);
    } else if (l.kind === 'avgpool2d') {
      const pool = l as AvgPool2d;
      inScale /= pool.opts.kernel * pool.opts.kernel;
      shape = pool.outputShape([1, ...(shape as [number, number, number])]).slice(1);
    } else if (l.kind === 'flatten') {
      flattenedFrom = shape;
      shape = [shape.reduce((a, b) => a * b, 1)];
    }
  }
  tensorsFromHost(k, tensors);
  const deployed = graphForTarget(exportNir(net), target);
  const mismatch = differingNode(graph, deployed);
  if (mismatch !== null) throw new Error(`deployment: node ${mismatch} exports to other integers than it was given`);
  return { graph: deployed, layers };
}

/** The first node whose integers (weights, biases, thresholds, subtracted amounts) differ between a and b. */
function differingNode(a: NirGraph, b: NirGraph): string | null {
  const same = (x: { data: Float32Array } | undefined, y: { data: Float32Array } | undefined): boolean =>
    x === undefined || y === undefined
      ? x === y
      : x.data.length === y.data.length && x.data.every((v, i) => v === y.data[i]);
  for (const [name, x] of Object.entries(a.nodes)) {
    const y = b.nodes[name] as Record<string, unknown> | undefined;
    const xr = x as unknown as Record<string, unknown>;
    if (y === undefined) return name;
    for (const key of ['weight', 'bias', 'v_threshold'])
      if (!same(xr[key] as { data: Float32Array } | undefined, y[key] as { data: Float32Array } | undefined))
        return name;
    if (metaNumber(x, 'subtract_amount', 0) !== metaNumber(b.nodes[name]!, 'subtract_amount', 0)) return name;
  }
  return null;
}

/** A weight node's integers (NIR layout), integer bias and scale, as target-integer.ts wrote them. */
function integerParts(
  name: string,
  node: NirGraphNode,
): { weight: { shape: number[]; data: Float32Array }; bias: Float32Array; scale: number } {
  const scale = metaNumber(node, 'weight_scale', Number.NaN);
  if (!(scale > 0)) throw new Error(`node ${name}: no weight_scale in the integer graph`);
  const n = node as unknown as { weight: { shape: number[]; data: Float32Array }; bias?: { data: Float32Array } };
  const bias = n.bias?.data ?? new Float32Array(n.weight.shape[0]!);
  return { weight: n.weight, bias, scale };
}
