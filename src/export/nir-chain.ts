/**
 * The node order of a NIR graph that is a chain: one Input, one Output, and a single path between them (no
 * branches, no recurrence, no subgraphs). Chains run on spikerep's own layers (nir-import.ts); anything else runs
 * in the graph executor (nir-graph-run.ts), so the refusals here only say why a graph is not a chain.
 */
import { SpikerepError } from '../errors.js';
import type { NirGraph } from './nir-graph.js';

export function nirChain(graph: NirGraph, source: string): string[] {
  const err = (what: string): never => {
    throw new SpikerepError('E_UNSUPPORTED', what, source);
  };
  const names = Object.keys(graph.nodes);
  const next = new Map<string, string>();
  const incoming = new Map<string, number>();
  for (const [a, b] of graph.edges) {
    for (const n of [a, b])
      if (graph.nodes[n] === undefined) err(`an edge names node '${n}', which is not in the graph`);
    if (next.has(a))
      err(`node '${a}' (${graph.nodes[a]!.type}) has more than one outgoing edge; spikerep imports chains only`);
    next.set(a, b);
    incoming.set(b, (incoming.get(b) ?? 0) + 1);
    if (incoming.get(b)! > 1)
      err(`node '${b}' (${graph.nodes[b]!.type}) has more than one incoming edge; spikerep imports chains only`);
  }
  const inputs = names.filter((n) => graph.nodes[n]!.type === 'Input');
  if (inputs.length !== 1) err(`the graph needs exactly one Input node, it has ${inputs.length}`);
  // an edge into the Input or out of the Output closes a loop the walk below would not see
  for (const [a, b] of graph.edges) {
    if (graph.nodes[b]!.type === 'Input' || graph.nodes[a]!.type === 'Output')
      err(`the edge '${a}' → '${b}' feeds back into the Input or out of the Output; recurrent graphs are unsupported`);
  }
  const chain = [inputs[0]!];
  const seen = new Set(chain);
  let at = inputs[0]!;
  while (graph.nodes[at]!.type !== 'Output') {
    const b = next.get(at);
    if (b === undefined) err(`node '${at}' (${graph.nodes[at]!.type}) has no outgoing edge and is not an Output`);
    if (seen.has(b!)) err(`node '${b}' (${graph.nodes[b!]!.type}) closes a cycle; recurrent graphs are unsupported`);
    chain.push(b!);
    seen.add(b!);
    at = b!;
  }
  const off = names.find((n) => !seen.has(n));
  if (off !== undefined) err(`node '${off}' (${graph.nodes[off]!.type}) is not on the path from Input to Output`);
  if (graph.edges.length !== chain.length - 1)
    err(`the graph has ${graph.edges.length} edges, a chain of ${chain.length} nodes has ${chain.length - 1}`);
  return chain;
}
