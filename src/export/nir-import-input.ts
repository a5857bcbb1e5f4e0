/**
 * Input shapes as files in the wild declare them: some writers put a placeholder (a `[1]` Input) in front of a
 * 12-input Affine. When the Input feeds nodes that all say the same input shape and its size differs from the
 * declared one, those nodes win (an Affine/Linear by its weights' width, a Conv1d/Conv2d by its weights' input
 * channels and its `input_shape`); the caller gets one line saying so (a warning).
 */
import type { NirGraph, NirGraphNode } from './nir-graph.js';

export function inferInputShape(graph: NirGraph, source: string): { graph: NirGraph; warning?: string } {
  const entry = Object.entries(graph.nodes).find(([, n]) => n.type === 'Input');
  if (entry === undefined) return { graph };
  const [name, input] = entry as [string, Extract<NirGraphNode, { type: 'Input' }>];
  const declared = input.shape.reduce((a, b) => a * b, 1);
  const readers = graph.edges.filter(([a]) => a === name).map(([, b]) => [b, graph.nodes[b]] as const);
  const wanted = readers.map(([, n]) => (n === undefined ? undefined : shapeTaken(n)));
  const want = wanted[0];
  const size = want?.reduce((a, b) => a * b, 1);
  if (want === undefined || size === declared || !wanted.every((w) => w?.join() === want.join())) return { graph };
  const [first, node] = readers[0]!;
  const takes = want.length === 1 ? `${want[0]} inputs` : `an input [${want.join(', ')}]`;
  const warning = `${source}: node '${name}' (Input) declares shape [${input.shape.join(', ')}], but '${first}' (${node!.type}) takes ${takes}: reading the input as [${want.join(', ')}]`;
  return { graph: { ...graph, nodes: { ...graph.nodes, [name]: { ...input, shape: want } } }, warning };
}

/** The one-sample input shape a node's own parameters fix, if they do. */
function shapeTaken(n: NirGraphNode): number[] | undefined {
  if ((n.type === 'Affine' || n.type === 'Linear') && n.weight.shape.length === 2) return [n.weight.shape[1]!];
  const groups = (n.type === 'Conv1d' || n.type === 'Conv2d') && typeof n.groups === 'number' ? n.groups : 1;
  if (n.type === 'Conv2d' && n.weight.shape.length === 4 && n.input_shape?.length === 2)
    return [n.weight.shape[1]! * groups, ...n.input_shape];
  if (n.type === 'Conv1d' && n.weight.shape.length === 3 && n.input_shape?.length === 1)
    return [n.weight.shape[1]! * groups, n.input_shape[0]!];
  return undefined;
}
