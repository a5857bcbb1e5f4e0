/**
 * Input shapes as files in the wild declare them: some writers put a placeholder (a `[1]` Input) in front of a
 * 12-input Affine. When the Input feeds Affine/Linear nodes whose weights all take the same number of inputs and
 * that number differs from the declared size, the weights win; the caller gets one line saying so (a warning).
 */
import type { NirGraph, NirGraphNode } from './nir-graph.js';

export function inferInputShape(graph: NirGraph, source: string): { graph: NirGraph; warning?: string } {
  const entry = Object.entries(graph.nodes).find(([, n]) => n.type === 'Input');
  if (entry === undefined) return { graph };
  const [name, input] = entry as [string, Extract<NirGraphNode, { type: 'Input' }>];
  const declared = input.shape.reduce((a, b) => a * b, 1);
  const readers = graph.edges.filter(([a]) => a === name).map(([, b]) => [b, graph.nodes[b]] as const);
  const widths = readers.map(([, n]) =>
    (n?.type === 'Affine' || n?.type === 'Linear') && n.weight.shape.length === 2 ? n.weight.shape[1]! : undefined,
  );
  const width = widths[0];
  if (width === undefined || width === declared || !widths.every((w) => w === width)) return { graph };
  const [first, node] = readers[0]!;
  const warning = `${source}: node '${name}' (Input) declares shape [${input.shape.join(', ')}], but '${first}' (${node!.type}) takes ${width} inputs: reading the input as [${width}]`;
  return { graph: { ...graph, nodes: { ...graph.nodes, [name]: { ...input, shape: [width] } } }, warning };
}
