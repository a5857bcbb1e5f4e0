/**
 * Hardware targets for `spikerep export --target` (docs/targets.md): each target is a list of checks on the
 * integer NIR graph (target-integer.ts) that return one line per violated constraint, naming the node and the
 * limit. The export writes nothing unless every check passes.
 */
import type { NirArray, NirGraph, NirGraphNode } from './nir-graph.js';
import type { TargetName } from './target-names.js';

export { TARGET_NAMES, type TargetName } from './target-names.js';

export interface TargetSpec {
  readonly name: TargetName;
  /** Long name for messages ("Speck / DYNAP-CNN"). */
  readonly title: string;
  /** Bits of the signed integer weights (the mantissa on Loihi 2). */
  readonly weightBits: number;
  /** Whether thresholds, subtracted amounts and biases must be integers in the weights' unit. */
  readonly integerState: boolean;
  /** One line per violated constraint of the integer graph; empty when it fits. */
  check(view: GraphView): string[];
  /** Target-specific metadata per node (e.g. Loihi's exponents), written once the graph fits. */
  annotate?(view: GraphView): void;
}

/** A node of the chain with what the checks read. */
export interface ViewNode {
  readonly name: string;
  readonly node: NirGraphNode;
  /** The activation shape this node receives, NIR order ([C, H, W] or [F]). */
  readonly inShape: readonly number[];
  /** The activation shape it produces. */
  readonly outShape: readonly number[];
}

/** The exported chain, node by node, with shapes; `graph` is the integer graph being checked. */
export interface GraphView {
  readonly graph: NirGraph;
  readonly chain: readonly ViewNode[];
}

export const WEIGHT_NODES: readonly string[] = ['Conv2d', 'Affine', 'Linear'];
export const NEURON_TYPES: readonly string[] = ['IF', 'LIF', 'CubaLIF'];

/** The chain of an exported graph (spikerep writes nodes in order, Input first) with every node's shapes. */
export function viewOf(graph: NirGraph): GraphView {
  const chain: ViewNode[] = [];
  let shape: number[] = [];
  for (const [name, node] of Object.entries(graph.nodes)) {
    const inShape = shape;
    shape = outputShape(node, shape);
    chain.push({ name, node, inShape, outShape: shape });
  }
  return { graph, chain };
}

function outputShape(node: NirGraphNode, s: number[]): number[] {
  switch (node.type) {
    case 'Input':
      return [...node.shape];
    case 'Conv2d': {
      const [O, , kH, kW] = node.weight.shape as number[];
      const [sh, sw] = node.stride as [number, number];
      const [ph, pw] = (Array.isArray(node.padding) ? node.padding : [0, 0]) as [number, number];
      return [O!, Math.floor((s[1]! + 2 * ph - kH!) / sh) + 1, Math.floor((s[2]! + 2 * pw - kW!) / sw) + 1];
    }
    case 'Affine':
    case 'Linear':
      return [node.weight.shape[0]!];
    case 'SumPool2d':
    case 'AvgPool2d': {
      const [k] = node.kernel_size as [number];
      const [st] = node.stride as [number];
      const [p] = node.padding as [number];
      return [s[0]!, Math.floor((s[1]! + 2 * p - k) / st) + 1, Math.floor((s[2]! + 2 * p - k) / st) + 1];
    }
    case 'Flatten':
      return [s.reduce((a, b) => a * b, 1)];
    default:
      return s;
  }
}

/** "features_0 (Conv2d)": how a message names a node. */
export function nodeLabel(n: ViewNode): string {
  return `${n.name} (${n.node.type})`;
}

/** The single value of a neuron parameter spikerep writes broadcast (every entry equal). */
export function first(a: NirArray): number {
  return a.data[0] ?? 0;
}

/** The number a node's metadata holds under `key`, or `fallback`. */
export function metaNumber(node: NirGraphNode, key: string, fallback: number): number {
  const v = node.metadata?.[key];
  return typeof v === 'number' ? v : fallback;
}

/** The largest |value| of an array. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * A network that does not fit a target: one line per violated constraint. The CLI prints the lines and exits with
 * `exitCode` (2: the input was read, the network just does not fit).
 */
export class TargetRefusal extends Error {
  readonly exitCode = 2;
  constructor(
    readonly target: TargetSpec,
    readonly refusalLines: readonly string[],
  ) {
    super(`the network does not fit ${target.title}: ${refusalLines.length} constraint(s) violated`);
    this.name = 'TargetRefusal';
  }
}
