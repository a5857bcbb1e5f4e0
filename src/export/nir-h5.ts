/**
 * NIR graph ⇄ HDF5 file with h5wasm (layout: docs/nir.md). Writing: strings as scalar
 * vlen UTF-8, edges as an (N, 2) string array, float arrays as float32 C order (gzip, chunked as one block),
 * integer parameters as int64 (scalars for groups/start_dim/end_dim). Reading accepts what nir.write produces
 * (float64 arrays, 0-d scalars, gzip, files without v_reset) and checks every node it understands; anything
 * else gets a one-line error naming the node.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { SpikerepError } from '../errors.js';
import { writeFileAtomicWith } from '../io/atomic-write.js';
import {
  NIR_FIELDS,
  NIR_INT_FIELDS,
  NIR_SCALAR_FIELDS,
  NIR_VERSION,
  type NirArray,
  type NirGraph,
  type NirGraphNode,
  type NirMetadata,
  type NirNodeType,
} from './nir-graph.js';

type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

async function ready(): Promise<void> {
  await h5wasm.ready;
}

/**
 * Writes the graph atomically (io/atomic-write.ts): an interrupted export leaves the previous file as it was.
 * HDF5 reports a failed write (a full disk) only on stderr and carries on, so the file is read back before it
 * replaces the previous one.
 */
export async function writeNir(graph: NirGraph, path: string): Promise<void> {
  await ready();
  await writeFileAtomicWith(
    path,
    (tmp) => {
      writeNirFile(graph, tmp);
      checkReadsBack(graph, tmp);
    },
    { what: 'the NIR file' },
  );
}

/**
 * Opens the written file and finds every node and every array it should hold, with all its values: what a failed
 * write leaves (a file HDF5 cannot open, missing groups, short data) is refused. Not the import's checks: writeNir
 * also writes graphs spikerep does not import.
 */
function checkReadsBack(graph: NirGraph, tmp: string): void {
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(tmp, 'r');
  } catch {
    unreadable();
  }
  try {
    const edges = f.get('node/edges');
    if (!(edges instanceof h5wasm.Dataset) || (edges.shape?.[0] ?? 0) !== graph.edges.length) unreadable();
    const nodes = f.get('node/nodes');
    if (!(nodes instanceof h5wasm.Group)) unreadable();
    if (nodes.keys().sort().join() !== Object.keys(graph.nodes).sort().join()) unreadable();
    for (const [name, node] of Object.entries(graph.nodes)) {
      const fields = node as unknown as Record<string, unknown>;
      for (const key of ['type', ...NIR_FIELDS[node.type]]) {
        const v = key === 'type' ? node.type : fields[key];
        if (v === undefined) continue;
        const ds = f.get(`node/nodes/${name}/${key}`);
        if (!(ds instanceof h5wasm.Dataset)) unreadable();
        const want = typeof v === 'object' && v !== null && 'data' in v ? (v as NirArray).data.length : undefined;
        const got = ds.value; // a 0-d array reads as a number
        const count = typeof got === 'number' ? 1 : ArrayBuffer.isView(got) ? (got as Float32Array).length : -1;
        if (want !== undefined && count !== want) unreadable();
      }
    }
  } finally {
    f.close();
  }
}

function unreadable(): never {
  throw new Error('the written file does not read back: is the disk full?');
}

function writeNirFile(graph: NirGraph, path: string): void {
  const f = new h5wasm.File(path, 'w');
  try {
    f.create_dataset({ name: 'version', data: NIR_VERSION });
    const root = f.create_group('node');
    root.create_dataset({ name: 'type', data: 'NIRGraph' });
    root.create_dataset({ name: 'edges', data: graph.edges.flat(), shape: [graph.edges.length, 2] });
    if (Object.keys(graph.metadata).length > 0) writeMetadata(root.create_group('metadata'), graph.metadata);
    const nodes = root.create_group('nodes');
    for (const [name, node] of Object.entries(graph.nodes)) writeNode(nodes.create_group(name), node);
  } finally {
    f.close();
  }
}

function writeNode(g: H5Group, node: NirGraphNode): void {
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

export async function readNir(path: string): Promise<NirGraph> {
  if (!existsSync(path)) throw new SpikerepError('E_NOT_FOUND', 'no such file', path);
  if (!hasHdf5Signature(path)) throw new SpikerepError('E_FORMAT', 'not an HDF5 file (no HDF5 signature)', path);
  await ready();
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(path, 'r');
  } catch {
    throw new SpikerepError('E_FORMAT', 'not an HDF5 file (or it cannot be opened)', path);
  }
  try {
    if (f.get('version') === null && f.get('node') === null)
      throw new SpikerepError('E_FORMAT', 'not an HDF5 file (no /node group)', path);
    const root = f.get('node');
    if (!(root instanceof h5wasm.Group)) throw new SpikerepError('E_FORMAT', 'not a NIR file: no /node group', path);
    return readGraph(root, path);
  } finally {
    f.close();
  }
}

/** The HDF5 superblock signature sits at byte 0, 512, 1024, 2048, … (after an optional user block). */
function hasHdf5Signature(path: string): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let at = 0; at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
      if (readSync(fd, buf, 0, 8, at) < 8) return false;
      if (sig.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

function readGraph(root: H5Group, path: string): NirGraph {
  const type = scalarString(root, 'type', path, 'graph');
  if (type !== 'NIRGraph')
    throw new SpikerepError('E_FORMAT', `the top node is of type '${type}', expected NIRGraph`, path);
  const nodesGroup = root.get('nodes');
  if (!(nodesGroup instanceof h5wasm.Group)) throw new SpikerepError('E_FORMAT', 'graph has no nodes group', path);
  const nodes: Record<string, NirGraphNode> = {};
  for (const name of nodesGroup.keys()) {
    const g = nodesGroup.get(name);
    if (!(g instanceof h5wasm.Group)) throw new SpikerepError('E_FORMAT', `node '${name}' is not a group`, path);
    nodes[name] = readNode(g, name, path);
  }
  const edgesDs = root.get('edges');
  const edges: [string, string][] = [];
  if (edgesDs instanceof h5wasm.Dataset) {
    const flat = edgesDs.value;
    const list = Array.isArray(flat) ? flat.flat(2) : [];
    if (list.length % 2 !== 0 || !list.every((s) => typeof s === 'string'))
      throw new SpikerepError('E_FORMAT', 'edges must be an (N, 2) string array', path);
    for (let i = 0; i < list.length; i += 2) edges.push([list[i] as string, list[i + 1] as string]);
  } else if (Object.keys(nodes).length > 1) {
    throw new SpikerepError('E_FORMAT', 'graph has no edges dataset', path);
  }
  const mg = root.get('metadata');
  return { nodes, edges, metadata: mg instanceof h5wasm.Group ? readMetadata(mg) : {} };
}

function readNode(g: H5Group, name: string, path: string): NirGraphNode {
  const type = scalarString(g, 'type', path, `node '${name}'`);
  if (!(type in NIR_FIELDS)) {
    const known = Object.keys(NIR_FIELDS).join(', ');
    throw new SpikerepError(
      'E_UNSUPPORTED',
      `node '${name}' has type ${type}, which spikerep does not import (supported: ${known})`,
      path,
    );
  }
  const out: Record<string, unknown> = { type };
  for (const key of NIR_FIELDS[type as NirNodeType]) {
    const ds = g.get(key);
    if (!(ds instanceof h5wasm.Dataset)) {
      const optional = ['v_reset', 'input_shape', 'dilation', 'groups', 'input_type', 'w_in'];
      if (optional.includes(key)) continue; // optional / old files
      throw new SpikerepError('E_FORMAT', `node '${name}' (${type}) lacks the dataset '${key}'`, path);
    }
    out[key] = NIR_INT_FIELDS.has(key) ? readInts(ds, name, key, path) : readFloats(ds, name, key, path);
  }
  const mg = g.get('metadata');
  if (mg instanceof h5wasm.Group) out['metadata'] = readMetadata(mg);
  return out as unknown as NirGraphNode;
}

function readInts(ds: H5Dataset, node: string, key: string, path: string): number | number[] | string {
  const v = ds.value;
  if (typeof v === 'string') return v; // Conv2d padding "same"/"valid"
  const list =
    typeof v === 'bigint' || typeof v === 'number'
      ? [v]
      : ArrayBuffer.isView(v)
        ? Array.from(v as ArrayLike<number | bigint>)
        : null;
  if (list === null)
    throw new SpikerepError('E_FORMAT', `node '${node}': dataset '${key}' is not an integer array`, path);
  const nums = list.map(Number);
  if (!nums.every(Number.isInteger))
    throw new SpikerepError('E_FORMAT', `node '${node}': dataset '${key}' holds non-integers`, path);
  return NIR_SCALAR_FIELDS.has(key) ? nums[0]! : nums;
}

function readFloats(ds: H5Dataset, node: string, key: string, path: string): NirArray {
  const v = ds.value;
  const shape = ds.shape ?? [];
  let data: Float32Array;
  if (typeof v === 'number') data = Float32Array.of(v);
  else if (v instanceof Float32Array) data = v;
  else if (v instanceof Float64Array) data = Float32Array.from(v);
  else
    throw new SpikerepError(
      'E_FORMAT',
      `node '${node}': dataset '${key}' is not a float array (dtype ${JSON.stringify(ds.dtype)})`,
      path,
    );
  if (!Array.from(data).every(Number.isFinite))
    throw new SpikerepError('E_FORMAT', `node '${node}': dataset '${key}' holds NaN or Inf`, path);
  return { shape, data };
}

function readMetadata(g: H5Group): NirMetadata {
  const m: NirMetadata = {};
  for (const k of g.keys()) {
    const ds = g.get(k);
    if (!(ds instanceof h5wasm.Dataset)) continue;
    const v = ds.value;
    if (typeof v === 'string' || typeof v === 'number') m[k] = v;
    else if (typeof v === 'bigint') m[k] = Number(v);
    else if (typeof v === 'boolean') m[k] = v ? 1 : 0;
  }
  return m;
}

function scalarString(g: H5Group, key: string, path: string, what: string): string {
  const ds = g.get(key);
  const v = ds instanceof h5wasm.Dataset ? ds.value : null;
  if (typeof v !== 'string') throw new SpikerepError('E_FORMAT', `${what} has no '${key}' string`, path);
  return v;
}
