/**
 * Writes a NIR graph into an HDF5 file (layout: docs/nir.md) with whichever h5wasm build the caller loaded: Node's
 * (nir-h5.ts, which writes atomically and reads the file back) or the browser's, whose in-memory file system the
 * demo's training worker reads the file from.
 */
import type h5wasmNs from 'h5wasm';
import {
  NIR_FIELDS,
  NIR_INT_FIELDS,
  NIR_SCALAR_FIELDS,
  NIR_VERSION,
  type NirArray,
  type NirGraph,
  type NirGraphNode,
  type NirMetadata,
} from './nir-graph.js';

export type H5Wasm = typeof h5wasmNs;
type H5Group = InstanceType<H5Wasm['Group']>;

export function writeNirFile(h5: H5Wasm, graph: NirGraph, path: string): void {
  const f = new h5.File(path, 'w');
  try {
    f.create_dataset({ name: 'version', data: NIR_VERSION });
    writeGraph(f.create_group('node'), graph.nodes, graph.edges, graph.metadata);
  } finally {
    f.close();
  }
}

/** A NIRGraph group: the top-level graph, or a nested one (a node of type NIRGraph). */
function writeGraph(
  g: H5Group,
  nodes: Record<string, NirGraphNode>,
  edges: readonly [string, string][],
  metadata: NirMetadata | undefined,
): void {
  g.create_dataset({ name: 'type', data: 'NIRGraph' });
  g.create_dataset({ name: 'edges', data: edges.flat(), shape: [edges.length, 2] });
  if (metadata !== undefined && Object.keys(metadata).length > 0) writeMetadata(g.create_group('metadata'), metadata);
  const group = g.create_group('nodes');
  for (const [name, node] of Object.entries(nodes)) writeNode(group.create_group(name), node);
}

function writeNode(g: H5Group, node: NirGraphNode): void {
  if (node.type === 'NIRGraph') {
    writeGraph(g, node.nodes, node.edges, node.metadata);
    return;
  }
  g.create_dataset({ name: 'type', data: node.type });
  const fields = node as unknown as Record<string, unknown>;
  for (const key of NIR_FIELDS[node.type]) {
    const v = fields[key];
    if (v === undefined) continue;
    if (NIR_INT_FIELDS.has(key)) {
      if (NIR_SCALAR_FIELDS.has(key))
        g.create_dataset({ name: key, data: BigInt64Array.of(BigInt(v as number)), shape: [], dtype: '<q' });
      else
        g.create_dataset({
          name: key,
          data: BigInt64Array.from((v as number[]).map(BigInt)),
          shape: [(v as number[]).length],
          dtype: '<q',
        });
    } else {
      const a = v as NirArray;
      const shape = [...a.shape];
      // h5wasm refuses gzip without chunks; 0-d and empty arrays are written plain
      const chunked = shape.length > 0 && a.data.length > 0 ? { chunks: shape, compression: 'gzip' as const } : {};
      g.create_dataset({ name: key, data: a.data, shape, dtype: '<f', ...chunked });
    }
  }
  if (node.metadata !== undefined && Object.keys(node.metadata).length > 0)
    writeMetadata(g.create_group('metadata'), node.metadata);
}

function writeMetadata(g: H5Group, m: NirMetadata): void {
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string') g.create_dataset({ name: k, data: v });
    else g.create_dataset({ name: k, data: Float64Array.of(v), shape: [], dtype: '<d' });
  }
}
