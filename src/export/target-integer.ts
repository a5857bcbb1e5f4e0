/**
 * The exported float graph (batch-norm, spike amplitudes and pooling scales already folded, nir-export.ts) in a
 * target's integer format. Each conv/affine node gets one scale s (per layer: every target listed shares one
 * threshold per layer) and its weights become the integers round(w/s) on the symmetric grid (nn/quant.ts; a power of
 * two where the target's state is integer, so that a checkpoint deployed for the target exports exactly); s goes
 * into the node's metadata (`weight_scale`: the real value of one integer step). The neuron after it then counts
 * its membrane in units of s: its threshold and subtracted amount are divided by s — rounded to integers
 * where the target's state is integer (integerThresholds, nn/quant.ts), kept exact otherwise — and so is the
 * bias. Spikes stay unit events, so the graph computes the same spikes as the float one up to the rounding, and
 * spikerep's importer reads it back as an ordinary graph.
 */
import { integerThresholds, integerWeights, powerOfTwoScale, weightScales } from '../nn/quant.js';
import { type NirArray, type NirGraph, type NirGraphNode, nirArray, nirFull } from './nir-graph.js';
import { first, metaNumber, NEURON_TYPES, type TargetSpec } from './target.js';

/** A copy of `graph` with integer weights and thresholds in each layer's weight unit. */
export function integerGraph(graph: NirGraph, spec: TargetSpec): NirGraph {
  const nodes: Record<string, NirGraphNode> = {};
  let unit: number | null = null; // the scale of the last weight node, until the neuron after it
  for (const [name, node] of Object.entries(graph.nodes)) {
    if (node.type === 'Conv2d' || node.type === 'Affine' || node.type === 'Linear') {
      const w = node.weight;
      const s = spec.integerState
        ? powerOfTwoScale(w.data, spec.weightBits)
        : weightScales(w.data, 1, { bits: spec.weightBits as 8, scale: 'layer' })[0]!;
      const scale = s > 0 ? s : 1; // an all-zero weight: any unit will do
      const ints = integerWeights(w.data, [scale], spec.weightBits);
      const weight = nirArray(w.shape, Float32Array.from(ints));
      const meta = { ...node.metadata, weight_scale: scale, weight_bits: spec.weightBits, weight_format: 'int' };
      if (node.type === 'Linear') nodes[name] = { ...node, weight, metadata: meta };
      else nodes[name] = { ...node, weight, bias: inUnits(node.bias, scale, spec.integerState), metadata: meta };
      unit = scale;
    } else if (NEURON_TYPES.includes(node.type) && unit !== null) {
      nodes[name] = neuronInUnits(node, unit, spec.integerState);
      unit = null;
    } else nodes[name] = node;
  }
  return {
    nodes,
    edges: graph.edges,
    metadata: {
      ...graph.metadata,
      target: spec.name,
      weight_bits: spec.weightBits,
      integer_state: spec.integerState ? 1 : 0,
    },
  };
}

function inUnits(a: NirArray, unit: number, round: boolean): NirArray {
  return nirArray(
    a.shape,
    Float32Array.from(a.data, (v) => (round ? Math.round(v / unit) : v / unit)),
  );
}

/** A DSR neuron node with threshold and subtracted amount in units of `unit` (see the file comment). */
function neuronInUnits(node: NirGraphNode, unit: number, integer: boolean): NirGraphNode {
  if (!('v_threshold' in node)) return node;
  const theta = first(node.v_threshold);
  const vth = metaNumber(node, 'subtract_amount', theta);
  const alpha = metaNumber(node, 'alpha', theta / vth);
  const t = integer
    ? integerThresholds(vth, alpha, unit)
    : { subtract: vth / unit, threshold: (alpha * vth) / unit, alpha };
  const shape = node.v_threshold.shape;
  const metadata = {
    ...node.metadata,
    subtract_amount: t.subtract,
    alpha: t.alpha,
    state_unit: unit,
    spike_amplitude: metaNumber(node, 'spike_amplitude', vth) / unit,
  };
  return { ...node, v_threshold: nirFull(shape, t.threshold), metadata } as NirGraphNode;
}
