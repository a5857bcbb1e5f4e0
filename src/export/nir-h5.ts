/**
 * NIR graph ⇄ HDF5 file with h5wasm (layout: docs/nir.md). Writing: strings as scalar
 * vlen UTF-8, edges as an (N, 2) string array, float arrays as float32 C order (gzip, chunked as one block),
 * integer parameters as int64 (scalars for groups/start_dim/end_dim). Reading accepts what nir.write produces
 * (float64 arrays, 0-d scalars, gzip, files without v_reset) and checks every node strictly: every field its
 * type requires, with an integer or float dtype and the rank it must have, nothing it does not know. Every read
 * runs with HDF5's diagnostics captured (hdf5-diagnostics.ts: any library error fails the import), and the
 * datasets' declared sizes are checked against the memory budget before any value is read.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { SpikerepError } from '../errors.js';
import { writeFileAtomicWith } from '../io/atomic-write.js';
import { checkDeclaredSize, formatBytes } from '../memory-budget.js';
import { readHdf5 } from './hdf5-diagnostics.js';
import {
  NIR_FIELDS,
  NIR_INT_FIELDS,
  NIR_SCALAR_FIELDS,
  type NirArray,
  type NirGraph,
  type NirGraphNode,
  type NirMetadata,
  type NirNodeType,
} from './nir-graph.js';
import { writeNirFile } from './nir-h5-write.js';
import { type BoundedNirReader, boundedNirReader } from './nir-read-bounded.js';

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
      writeNirFile(h5wasm, graph, tmp);
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
      if (node.type === 'NIRGraph') continue; // its own groups; the import reads it strictly
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

let reader: BoundedNirReader | undefined;

/**
 * Reads and checks a NIR file on a worker thread, within a time bound (nir-read-bounded.ts: the HDF5 library can
 * loop on a damaged file).
 */
export async function readNir(path: string): Promise<NirGraph> {
  reader ??= boundedNirReader();
  return reader.read(path);
}

/** The read itself, once h5wasm is loaded (`module` is what h5wasm.ready resolved to): the reading thread's work. */
export function readNirWith(module: unknown, path: string): NirGraph {
  checkRegularFile(path);
  if (!hasHdf5Signature(path)) throw new SpikerepError('E_FORMAT', 'not an HDF5 file (no HDF5 signature)', path);
  return readHdf5(module, path, () => readFile(path));
}

function readFile(path: string): NirGraph {
  const f = new h5wasm.File(path, 'r');
  try {
    const root = f.get('node');
    if (!(root instanceof h5wasm.Group))
      throw new SpikerepError('E_FORMAT', "an HDF5 file but not a NIR graph (no 'node' group)", path);
    checkDeclaredSizes(root, path);
    return readGraph(root, path);
  } finally {
    f.close();
  }
}

function checkRegularFile(path: string): void {
  let isFile: boolean;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new SpikerepError('E_ARG', 'is a folder, expected a .nir file', path);
    isFile = st.isFile();
  } catch (e) {
    if (e instanceof SpikerepError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SpikerepError('E_NOT_FOUND', 'no such file', path);
    throw new SpikerepError('E_IO', `cannot read the file (${code ?? String(e)})`, path);
  }
  if (!isFile) throw new SpikerepError('E_ARG', 'is not a regular file, expected a .nir file', path);
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

/** How many NIRGraph levels may nest inside the top-level graph (real files use one or two). */
const MAX_NESTING = 8;

/**
 * How deep the walk below /node goes: nodes/<name>/metadata/<key> is the deepest place NIR stores data, and
 * each nested graph adds nodes/<name>.
 */
const MAX_DEPTH = 4 + 2 * MAX_NESTING;

/** Groups and datasets the walk below /node visits at most: a network of thousands of nodes stays far below. */
const MAX_ENTRIES = 100_000;

/**
 * Sums what every dataset under /node declares (shape × element size) and refuses the file, naming the
 * largest dataset, when that exceeds the memory budget: before any value is read.
 */
function checkDeclaredSizes(root: H5Group, path: string): void {
  let total = 0;
  let entries = 0;
  let largest = { name: '', bytes: 0, shape: [] as number[] };
  const walk = (g: H5Group, prefix: string, depth: number): void => {
    for (const key of g.keys()) {
      // a damaged link can point a group at one of its ancestors: the walk is bounded by count, not only depth
      if (++entries > MAX_ENTRIES)
        throw new SpikerepError(
          'E_FORMAT',
          `more than ${MAX_ENTRIES} groups and datasets under /node (a link cycle in a damaged file?)`,
          path,
        );
      const item = g.get(key);
      const name = `${prefix}/${key}`;
      if (item instanceof h5wasm.Group) {
        if (depth < MAX_DEPTH) walk(item, name, depth + 1);
      } else if (item instanceof h5wasm.Dataset) {
        const shape = item.shape ?? [];
        const bytes = shape.reduce((a, b) => a * b, 1) * (item.metadata.size ?? 8);
        total += bytes;
        if (bytes > largest.bytes) largest = { name, bytes, shape };
      }
    }
  };
  walk(root, '/node', 1);
  checkDeclaredSize(largest.bytes, `dataset ${largest.name} [${largest.shape.join(', ')}]`, path);
  checkDeclaredSize(total, `the datasets together (largest ${largest.name}: ${formatBytes(largest.bytes)})`, path);
}

function readGraph(root: H5Group, path: string): NirGraph {
  const type = scalarString(root, 'type', path, 'graph');
  if (type !== 'NIRGraph')
    throw new SpikerepError('E_FORMAT', `the top node is of type '${type}', expected NIRGraph`, path);
  return readGraphGroup(root, 'graph', 0, path);
}

/** The nodes, edges and metadata of a NIRGraph group; `depth` counts the graphs around it. */
function readGraphGroup(root: H5Group, owner: string, depth: number, path: string): NirGraph {
  const nodesGroup = root.get('nodes');
  if (!(nodesGroup instanceof h5wasm.Group)) throw new SpikerepError('E_FORMAT', `${owner} has no nodes group`, path);
  const nodes: Record<string, NirGraphNode> = {};
  for (const name of nodesGroup.keys()) {
    const g = nodesGroup.get(name);
    if (!(g instanceof h5wasm.Group)) throw new SpikerepError('E_FORMAT', `node '${name}' is not a group`, path);
    nodes[name] = readNode(g, name, depth, path);
  }
  const edgesDs = root.get('edges');
  const edges: [string, string][] = [];
  if (edgesDs instanceof h5wasm.Dataset) {
    const shape = edgesDs.shape ?? [];
    const flat = edgesDs.value;
    const list = Array.isArray(flat) ? flat.flat(2) : [];
    const n = shape.reduce((a, b) => a * b, 1);
    const pairs = (shape.length === 2 && shape[1] === 2) || (n === 0 && shape.length > 0);
    if (!pairs || list.length !== n || !list.every((s) => typeof s === 'string'))
      throw new SpikerepError(
        'E_FORMAT',
        `${owner}: edges must be an (N, 2) string array, got shape [${shape.join(', ')}] (dtype ${JSON.stringify(edgesDs.dtype)})`,
        path,
      );
    for (let i = 0; i < list.length; i += 2) edges.push([list[i] as string, list[i + 1] as string]);
  } else if (Object.keys(nodes).length > 1) {
    throw new SpikerepError('E_FORMAT', `${owner} has no edges dataset`, path);
  }
  const mg = root.get('metadata');
  if (mg !== null && !(mg instanceof h5wasm.Group))
    throw new SpikerepError('E_FORMAT', `${owner}: 'metadata' is not a group`, path);
  return { nodes, edges, metadata: mg instanceof h5wasm.Group ? readMetadata(mg, owner, path) : {} };
}

/** A node of type NIRGraph: a subgraph, read like the top-level one (at most MAX_NESTING deep). */
function readSubgraph(g: H5Group, name: string, depth: number, path: string): NirGraphNode {
  if (depth + 1 > MAX_NESTING)
    throw new SpikerepError(
      'E_UNSUPPORTED',
      `node '${name}' (NIRGraph): graphs nest more than ${MAX_NESTING} levels deep`,
      path,
    );
  const extra = g.keys().find((k) => !['type', 'nodes', 'edges', 'metadata'].includes(k));
  if (extra !== undefined)
    throw new SpikerepError(
      'E_FORMAT',
      `node '${name}' (NIRGraph) has an entry '${extra}' that a NIRGraph node does not have (expected nodes, edges)`,
      path,
    );
  const sub = readGraphGroup(g, `node '${name}' (NIRGraph)`, depth + 1, path);
  return {
    type: 'NIRGraph',
    nodes: sub.nodes,
    edges: sub.edges,
    ...(Object.keys(sub.metadata).length > 0 ? { metadata: sub.metadata } : {}),
  };
}

/** Fields NIR lets a writer leave out; each has NIR's own default, applied by the importer. */
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set([
  'v_reset',
  'input_shape',
  'dilation',
  'groups',
  'input_type',
  'w_in',
]);

function readNode(g: H5Group, name: string, depth: number, path: string): NirGraphNode {
  const type = scalarString(g, 'type', path, `node '${name}'`);
  if (type === 'NIRGraph') return readSubgraph(g, name, depth, path);
  if (!Object.hasOwn(NIR_FIELDS, type)) {
    const known = Object.keys(NIR_FIELDS).join(', ');
    throw new SpikerepError(
      'E_UNSUPPORTED',
      `node '${name}' has type ${type}, which spikerep does not import (supported: ${known})`,
      path,
    );
  }
  const fields = NIR_FIELDS[type as NirNodeType];
  // a field under a name spikerep does not know is a renamed (damaged) one or a newer NIR's: either way unsafe
  const extra = g.keys().find((k) => k !== 'type' && k !== 'metadata' && !fields.includes(k));
  if (extra !== undefined)
    throw new SpikerepError(
      'E_FORMAT',
      `node '${name}' (${type}) has an entry '${extra}' that a ${type} node does not have (expected ${fields.join(', ')})`,
      path,
    );
  const out: Record<string, unknown> = { type };
  for (const key of fields) {
    const ds = g.get(key);
    if (ds === null && OPTIONAL_FIELDS.has(key)) continue;
    if (!(ds instanceof h5wasm.Dataset))
      throw new SpikerepError('E_FORMAT', `node '${name}' (${type}) lacks the dataset '${key}'`, path);
    out[key] = NIR_INT_FIELDS.has(key) ? readInts(ds, name, key, path) : readFloats(ds, name, key, path);
  }
  const mg = g.get('metadata');
  if (mg !== null) {
    if (!(mg instanceof h5wasm.Group))
      throw new SpikerepError('E_FORMAT', `node '${name}': 'metadata' is not a group`, path);
    out['metadata'] = readMetadata(mg, `node '${name}'`, path);
  }
  return out as unknown as NirGraphNode;
}

function readInts(ds: H5Dataset, node: string, key: string, path: string): number | number[] | string {
  const v = ds.value;
  if (typeof v === 'string') {
    if (key === 'padding') return v; // Conv1d/Conv2d padding "same"/"valid"
    throw new SpikerepError('E_FORMAT', `node '${node}': dataset '${key}' holds a string, expected integers`, path);
  }
  const shape = ds.shape ?? [];
  const scalar = NIR_SCALAR_FIELDS.has(key);
  // Python ints (Conv1d's stride, padding, dilation) are written as 0-d datasets, tuples as 1-D ones
  const rankOk = scalar ? shape.length === 0 || (shape.length === 1 && shape[0] === 1) : shape.length <= 1;
  if (!rankOk)
    throw new SpikerepError(
      'E_FORMAT',
      `node '${node}': dataset '${key}' has shape [${shape.join(', ')}], expected ${scalar ? 'a scalar' : 'a scalar or a 1-D array'}`,
      path,
    );
  const list =
    typeof v === 'bigint' || typeof v === 'number'
      ? [v]
      : v instanceof BigInt64Array || v instanceof BigUint64Array || isIntArray(v)
        ? Array.from(v as ArrayLike<number | bigint>)
        : null;
  if (list === null)
    throw new SpikerepError(
      'E_FORMAT',
      `node '${node}': dataset '${key}' is not an integer array (dtype ${JSON.stringify(ds.dtype)})`,
      path,
    );
  const nums = list.map(Number);
  if (!nums.every(Number.isSafeInteger))
    throw new SpikerepError('E_FORMAT', `node '${node}': dataset '${key}' holds non-integers`, path);
  return scalar ? nums[0]! : nums;
}

function isIntArray(v: unknown): boolean {
  return (
    v instanceof Int8Array ||
    v instanceof Uint8Array ||
    v instanceof Int16Array ||
    v instanceof Uint16Array ||
    v instanceof Int32Array ||
    v instanceof Uint32Array
  );
}

function readFloats(ds: H5Dataset, node: string, key: string, path: string): NirArray {
  const v = ds.value;
  const shape = ds.shape ?? [];
  let data: Float32Array;
  if (typeof v === 'number' && shape.length === 0) data = Float32Array.of(v);
  else if (v instanceof Float32Array) data = v;
  else if (v instanceof Float64Array) data = Float32Array.from(v);
  else
    throw new SpikerepError(
      'E_FORMAT',
      `node '${node}': dataset '${key}' is not a float array (dtype ${JSON.stringify(ds.dtype)})`,
      path,
    );
  if (data.length !== shape.reduce((a, b) => a * b, 1))
    throw new SpikerepError(
      'E_FORMAT',
      `node '${node}': dataset '${key}' holds ${data.length} values for its shape [${shape.join(', ')}]`,
      path,
    );
  if (!data.every(Number.isFinite))
    throw new SpikerepError('E_FORMAT', `node '${node}': dataset '${key}' holds NaN or Inf`, path);
  return { shape, data };
}

/** Scalar strings and numbers only: anything else in a metadata group is refused, naming the entry. */
function readMetadata(g: H5Group, owner: string, path: string): NirMetadata {
  const m: NirMetadata = {};
  for (const k of g.keys()) {
    const ds = g.get(k);
    const v = ds instanceof h5wasm.Dataset ? ds.value : undefined;
    if (typeof v === 'string' || typeof v === 'number') m[k] = v;
    else if (typeof v === 'bigint') m[k] = Number(v);
    else if (typeof v === 'boolean') m[k] = v ? 1 : 0;
    else throw new SpikerepError('E_FORMAT', `${owner}: metadata entry '${k}' is not a scalar string or number`, path);
  }
  return m;
}

function scalarString(g: H5Group, key: string, path: string, what: string): string {
  const ds = g.get(key);
  const v = ds instanceof h5wasm.Dataset ? ds.value : null;
  if (typeof v !== 'string') throw new SpikerepError('E_FORMAT', `${what} has no '${key}' string`, path);
  return v;
}
