/**
 * A NIR graph with nested NIRGraph nodes → one flat graph. A node `b` inside subgraph `a` becomes `a.b` (the
 * flattened naming NIR's own tools use, so graphs that were flattened before they were written read the same).
 * An edge may name a subgraph node by its path (`a.b`) or the subgraph itself: as a source that means its Output
 * node, as a target its Input node. The subgraph's own Input and Output nodes only mark where edges cross its
 * border, so they are spliced out: every edge into one is joined to every edge out of it.
 */
import { SpikerepError } from '../errors.js';
import type { NirGraph, NirGraphNode } from './nir-graph.js';

type GraphPart = { readonly nodes: Record<string, NirGraphNode>; readonly edges: readonly [string, string][] };

export function flattenNirGraph(graph: NirGraph, source: string): NirGraph {
  if (!Object.values(graph.nodes).some((n) => n.type === 'NIRGraph')) return graph;
  const err = (what: string): never => {
    throw new SpikerepError('E_UNSUPPORTED', what, source);
  };
  const nodes: Record<string, NirGraphNode> = {};
  const edges: [string, string][] = [];
  /** Flat names of the border nodes that are spliced out (Input/Output of nested graphs). */
  const border = new Set<string>();

  // a name in graph `g` (whose nodes are flattened as `prefix` + name) → the flat name of the node it means
  const resolve = (g: GraphPart, prefix: string, name: string, end: 'source' | 'target'): string => {
    const node = g.nodes[name];
    if (node === undefined) {
      // `a.b…`: a path into subgraph `a` (a node whose own name holds a dot was matched above)
      const dot = name.indexOf('.');
      const head = dot < 0 ? undefined : g.nodes[name.slice(0, dot)];
      if (head?.type !== 'NIRGraph') return err(`an edge names node '${prefix}${name}', which is not in the graph`);
      return resolve(head, `${prefix}${name.slice(0, dot)}.`, name.slice(dot + 1), end);
    }
    if (node.type !== 'NIRGraph') return `${prefix}${name}`;
    const want = end === 'source' ? 'Output' : 'Input';
    const inner = Object.keys(node.nodes).filter((n) => node.nodes[n]!.type === want);
    if (inner.length !== 1)
      err(
        `an edge ${end === 'source' ? 'leaves' : 'enters'} subgraph '${prefix}${name}', which has ${inner.length} ${want} nodes (expected 1)`,
      );
    return `${prefix}${name}.${inner[0]}`;
  };
  const add = (g: GraphPart, prefix: string): void => {
    for (const [name, node] of Object.entries(g.nodes)) {
      const flat = `${prefix}${name}`;
      if (node.type === 'NIRGraph') {
        add(node, `${flat}.`);
        continue;
      }
      if (nodes[flat] !== undefined) err(`two nodes are named '${flat}' once subgraphs are flattened`);
      nodes[flat] = node;
      if (prefix !== '' && (node.type === 'Input' || node.type === 'Output')) border.add(flat);
    }
    for (const [a, b] of g.edges) edges.push([resolve(g, prefix, a, 'source'), resolve(g, prefix, b, 'target')]);
  };
  add(graph, '');
  const flatNodes: Record<string, NirGraphNode> = {};
  for (const [name, node] of Object.entries(nodes)) if (!border.has(name)) flatNodes[name] = node;
  return { nodes: flatNodes, edges: spliced(edges, border), metadata: graph.metadata };
}

/** Removes each border node, joining its incoming edges to its outgoing ones (duplicates dropped). */
function spliced(edges: [string, string][], border: ReadonlySet<string>): [string, string][] {
  let list = edges;
  for (const b of border) {
    const into = list.filter(([s, t]) => t === b && s !== b).map(([s]) => s);
    const from = list.filter(([s, t]) => s === b && t !== b).map(([, t]) => t);
    const rest = list.filter(([s, t]) => s !== b && t !== b);
    for (const s of into) for (const t of from) rest.push([s, t]);
    list = rest;
  }
  const seen = new Set<string>();
  return list.filter(([s, t]) => {
    const key = JSON.stringify([s, t]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
