/**
 * The NIR fuzz target: a small exported network's NIR file, fed byte mutations (flips, random bytes, cuts, …) and
 * structure mutations made at the HDF5 level (a dataset dropped, renamed, given another shape or dtype, a group
 * or node removed, an edge added). Each input must either import as the identical model (same logits on a fixed
 * batch) or be refused with one SpikerepError line. Anything else counts as a crash: another error, a model
 * that imports but computes differently, HDF5 diagnostics reaching stderr, an input taking over HANG_MS (a read
 * the library does not finish is abandoned sooner, at READ_BOUND_MS, and refused: nir-read-bounded.ts), or the
 * process growing by more than RSS_GROWTH over its size once the seeds are read (the reading thread included).
 */
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import h5wasm from 'h5wasm/node';
import { exportNir } from '../../src/export/nir-export.js';
import type { NirGraph, NirGraphNode, NirMetadata } from '../../src/export/nir-graph.js';
import { NIR_INT_FIELDS, NIR_SCALAR_FIELDS, NIR_VERSION } from '../../src/export/nir-graph.js';
import { importNir, type NirImportOptions } from '../../src/export/nir-import.js';
import { boundedNirReader } from '../../src/export/nir-read-bounded.js';
import { reference } from '../../src/kernels/reference/index.js';
import { MEMORY_BUDGET_ENV } from '../../src/memory-budget.js';
import { Rng } from '../../src/rng.js';
import { smallNet } from './export.nir-fixtures.js';
import { foreignGraphs } from './nir-foreign.js';
import type { FuzzTarget } from './robust.fuzz-targets.js';

await h5wasm.ready;

export const HANG_MS = 10_000;
/** The read's own time bound in the campaign: healthy reads take milliseconds (production scales it with size). */
const READ_BOUND_MS = 3_000;
/** From the TypeScript sources, h5wasm alone takes ~600 MB per thread (tsx compiles its 4 MB module): a growth limit. */
export const RSS_GROWTH = 2 ** 30;
/** The budget the target runs under: small, so that a declared-size check that fails shows up as memory. */
const FUZZ_BUDGET = '64M';

/** One HDF5 object of the file as plain data: a group of entries or a dataset (data, shape, dtype). */
export type H5Tree = { kind: 'group'; entries: Map<string, H5Tree> } | H5Data;
export interface H5Data {
  kind: 'data';
  data: string | string[] | Float32Array | Float64Array | BigInt64Array;
  shape: number[] | undefined;
  dtype: string | undefined;
  /** A shape declared without the data: an extendible dataset resized to it, its chunks never written. */
  declared?: number[];
}

const group = (): H5Tree & { kind: 'group' } => ({ kind: 'group', entries: new Map() });
const str = (s: string | string[], shape?: number[]): H5Data => ({ kind: 'data', data: s, shape, dtype: undefined });

/** The tree nir-h5.ts writes for `graph` (same names, dtypes and shapes), so that it can be edited before writing. */
export function treeOf(graph: NirGraph): H5Tree & { kind: 'group' } {
  const meta = (m: Record<string, string | number>): H5Tree => {
    const g = group();
    for (const [k, v] of Object.entries(m))
      g.entries.set(
        k,
        typeof v === 'string' ? str(v) : { kind: 'data', data: Float64Array.of(v), shape: [], dtype: '<d' },
      );
    return g;
  };
  const graphTree = (
    nodes: Record<string, NirGraphNode>,
    edges: readonly [string, string][],
    metadata: NirMetadata | undefined,
  ): H5Tree & { kind: 'group' } => {
    const node = group();
    node.entries.set('type', str('NIRGraph'));
    node.entries.set('edges', str(edges.flat(), [edges.length, 2]));
    if (metadata !== undefined && Object.keys(metadata).length > 0) node.entries.set('metadata', meta(metadata));
    const list = group();
    node.entries.set('nodes', list);
    for (const [name, n] of Object.entries(nodes)) {
      if (n.type === 'NIRGraph') {
        list.entries.set(name, graphTree(n.nodes, n.edges, n.metadata));
        continue;
      }
      const g = group();
      list.entries.set(name, g);
      g.entries.set('type', str(n.type));
      for (const [key, v] of Object.entries(n)) {
        if (key === 'type' || key === 'metadata' || v === undefined) continue;
        if (NIR_INT_FIELDS.has(key)) {
          const ints = (typeof v === 'number' ? [v] : v) as number[];
          const data = BigInt64Array.from(ints.map(BigInt));
          g.entries.set(key, {
            kind: 'data',
            data,
            shape: NIR_SCALAR_FIELDS.has(key) ? [] : [ints.length],
            dtype: '<q',
          });
        } else {
          const a = v as { shape: number[]; data: Float32Array };
          g.entries.set(key, { kind: 'data', data: Float32Array.from(a.data), shape: [...a.shape], dtype: '<f' });
        }
      }
      if (n.metadata !== undefined) g.entries.set('metadata', meta(n.metadata));
    }
    return node;
  };
  const root = group();
  root.entries.set('version', str(NIR_VERSION));
  root.entries.set('node', graphTree(graph.nodes, graph.edges, graph.metadata));
  return root;
}

export function writeTree(tree: H5Tree & { kind: 'group' }, path: string): void {
  const f = new h5wasm.File(path, 'w');
  const put = (g: InstanceType<typeof h5wasm.Group>, t: H5Tree & { kind: 'group' }): void => {
    for (const [name, e] of t.entries) {
      if (e.kind === 'group') put(g.create_group(name), e);
      else if (e.declared !== undefined) {
        const d = e.declared;
        const one = d.map(() => 1);
        const ds = g.create_dataset({
          name,
          data: new Float32Array(1),
          shape: one,
          dtype: '<f',
          maxshape: d.map(() => null),
          chunks: one,
        });
        ds.resize(d);
      } else {
        // float arrays as spikerep writes them: gzip, whose checksum makes a flipped byte detectable (raw
        // HDF5 data carries none, so a flip inside an uncompressed weight is a valid file with another weight)
        const floats = e.data instanceof Float32Array || e.data instanceof Float64Array;
        const zip = floats && e.shape !== undefined && e.shape.length > 0 && e.data.length > 0;
        g.create_dataset({
          name,
          data: e.data,
          ...(e.shape !== undefined ? { shape: e.shape } : {}),
          ...(e.dtype !== undefined ? { dtype: e.dtype } : {}),
          ...(zip ? { chunks: e.shape, compression: 'gzip' as const } : {}),
        });
      }
    }
  };
  try {
    put(f, tree);
  } finally {
    f.close();
  }
}

/** Every (parent, name) pair of the tree, depth first. */
function entriesOf(t: H5Tree & { kind: 'group' }): [H5Tree & { kind: 'group' }, string][] {
  const out: [H5Tree & { kind: 'group' }, string][] = [];
  for (const [name, e] of t.entries) {
    out.push([t, name]);
    if (e.kind === 'group') out.push(...entriesOf(e));
  }
  return out;
}

const pick = <T>(rng: Rng, a: readonly T[]): T => a[rng.int(a.length)]!;

/** One structural edit of a copy of `tree`: drop, rename, reshape, retype, duplicate an edge. */
function mutateTree(tree: H5Tree & { kind: 'group' }, rng: Rng): H5Tree & { kind: 'group' } {
  const t = structuredClone(tree);
  const [parent, name] = pick(rng, entriesOf(t));
  const e = parent.entries.get(name)!;
  switch (rng.int(6)) {
    case 0: // a missing dataset or group
      parent.entries.delete(name);
      break;
    case 1: // a renamed one
      parent.entries.delete(name);
      parent.entries.set(`${name.slice(0, -1)}${String.fromCharCode(97 + rng.int(26))}`, e);
      break;
    case 2: // another shape for the same values: flat, with an extra axis, or 0-d
      if (e.kind === 'data' && typeof e.data !== 'string' && !Array.isArray(e.data)) {
        const n = e.data.length;
        e.shape = pick(rng, [[n], [1, n], [n, 1], n === 1 ? [] : [n]]);
      }
      break;
    case 3: // another dtype: float64 for float32, float32 for int64, int64 for float32
      if (e.kind === 'data' && e.data instanceof Float32Array) {
        if (rng.int(2) === 0) {
          e.data = Float64Array.from(e.data);
          e.dtype = '<d';
        } else {
          e.data = BigInt64Array.from(e.data, (x) => BigInt(Math.round(x)));
          e.dtype = '<q';
        }
      } else if (e.kind === 'data' && e.data instanceof BigInt64Array) {
        e.data = Float32Array.from(e.data, Number);
        e.dtype = '<f';
      } else if (e.kind === 'data' && e.data instanceof Float64Array) {
        e.data = Float32Array.from(e.data);
        e.dtype = '<f';
      } else if (e.kind === 'data') {
        e.data = Float32Array.of(1);
        e.shape = [];
        e.dtype = '<f';
      }
      break;
    case 4: {
      // an extra edge between two nodes (a branch, a loop, or output back to input)
      const node = t.entries.get('node') as H5Tree & { kind: 'group' };
      const edges = node.entries.get('edges');
      const names = [...((node.entries.get('nodes') as H5Tree & { kind: 'group' })?.entries.keys() ?? [])];
      if (edges?.kind === 'data' && Array.isArray(edges.data) && names.length > 0) {
        edges.data = [...edges.data, pick(rng, names), pick(rng, names)];
        edges.shape = [edges.data.length / 2, 2];
      }
      break;
    }
    default: // a declared size far beyond the budget: a huge weight the file does not hold
      if (e.kind === 'data' && e.data instanceof Float32Array) e.declared = [40_000, 10_000];
  }
  return t;
}

/**
 * The NIR fuzz target: parse(bytes) writes the bytes to a file, imports it and checks the outcome. Seeds: a small
 * network spikerep exported, and (`seeds` 'all', the default) the graphs other tools write
 * (support/nir-foreign.ts: CubaLIF, LI, I, Scale, Threshold, Delay, Conv1d, nested subgraphs, recurrent edges).
 * A byte-mutated file must import as its seed's model or be refused. A structure-mutated file whose graph reads
 * back unchanged must do the same; one whose graph changed (an edge added, an optional field dropped) is another
 * well-formed file and may import as whatever it says, or be refused, but never crash.
 */
export function nirFuzzTarget(seedSet: 'spikerep' | 'all' = 'all'): FuzzTarget {
  const dir = mkdtempSync(join(tmpdir(), 'spikerep-fuzz-nir-'));
  const file = join(dir, 'm.nir');
  const graphs: { graph: NirGraph; opts: NirImportOptions }[] = [{ graph: exportNir(smallNet('if')), opts: {} }];
  if (seedSet === 'all') for (const g of Object.values(foreignGraphs())) graphs.push({ graph: g, opts: { T: 4 } });
  // the logits of the rate readout on a fixed batch and the executor's output at every step
  const outputs = (g: NirGraph, opts: NirImportOptions): Float32Array => {
    const { net, program } = importNir(reference, g, opts, file);
    const rng = new Rng(1);
    const shape = [2, ...(net.inputShape ?? [])];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rng.uniform() - 0.4);
    const logits = net.forward({ shape, data: x }, { training: false, rng: new Rng(0) }).data;
    const steps = program.run(x, [1, 2, ...program.inputShape]).output;
    return Float32Array.from([...logits, ...steps]);
  };
  // the reading thread's stderr outside readNir's own capture goes to this file: anything written there escaped it
  const canaryPath = join(dir, 'stderr.txt');
  const canary = openSync(canaryPath, 'a+');
  const reader = boundedNirReader({ stderrTo: canaryPath });
  const seeds = graphs.map(({ graph }) => {
    const tree = treeOf(graph);
    writeTree(tree, file);
    return { tree, bytes: new Uint8Array(readFileSync(file)), read: reader.read(file) };
  });
  const expected = seeds.map((s, i) => outputs(s.read, graphs[i]!.opts));
  /** Which seed a structure-mutated input came from. */
  const fromTree = new WeakMap<Uint8Array, number>();
  let zeroFilled = 0;
  let misdirected = 0;
  const topology = (g: NirGraph): string =>
    JSON.stringify([Object.entries(g.nodes).map(([n, v]) => [n, v.type]), g.edges]);
  const rssBase = process.memoryUsage().rss;
  process.once('exit', () => {
    reader.close();
    closeSync(canary);
    rmSync(dir, { recursive: true, force: true });
  });
  /** Imports `b`'s file and checks it against its seed; throws what counts as a refusal or a crash. */
  const check = (b: Uint8Array): void => {
    // a read the library does not finish is abandoned at READ_BOUND_MS and refused with one line (counted)
    const g = reader.read(file, READ_BOUND_MS);
    const structural = fromTree.get(b);
    const i = structural ?? seeds.findIndex((s) => topology(s.read) === topology(g));
    if (structural !== undefined && !isDeepStrictEqual(g, seeds[structural]!.read)) {
      outputs(g, graphs[structural]!.opts); // another well-formed graph: any typed outcome
      return;
    }
    if (i < 0) {
      outputs(g, graphs[0]!.opts);
      throw new Error('a damaged file imported as another graph');
    }
    const got = outputs(g, graphs[i]!.opts);
    const want = expected[i]!;
    if (got.length !== want.length || !got.every((v, j) => Object.is(v, want[j]))) {
      // HDF5's known blind spot, not the importer's: a damaged chunk index (a version-1 B-tree, which carries no
      // checksum) makes a chunk unallocated, and HDF5 reads it as the fill value, 0 (docs/nir.md)
      if (onlyArraysReadElsewhere(g, seeds[i]!.read, (a) => a.every((v) => v === 0))) {
        zeroFilled++;
        return;
      }
      // the same blind spot pointing a dataset at another dataset's chunk: every value of the array is another
      if (onlyArraysReadElsewhere(g, seeds[i]!.read, (a, seed) => a.every((v, j) => !Object.is(v, seed[j])))) {
        misdirected++;
        return;
      }
      throw new Error('a damaged file imported as a different model');
    }
  };
  return {
    name: 'nir',
    seeds: seeds.map((s) => s.bytes),
    mutate: (seed, rng) => {
      const at = Math.max(
        0,
        seeds.findIndex((s) => s.bytes === seed),
      );
      const alt = join(dir, 'alt.nir');
      writeTree(mutateTree(seeds[at]!.tree, rng), alt);
      const bytes = new Uint8Array(readFileSync(alt));
      fromTree.set(bytes, at);
      return bytes;
    },
    parse: (b) => {
      writeFileSync(file, b);
      const before = process.env[MEMORY_BUDGET_ENV];
      process.env[MEMORY_BUDGET_ENV] = FUZZ_BUDGET;
      const stderrWrite = process.stderr.write;
      let printed = 0;
      process.stderr.write = ((chunk: string | Uint8Array): boolean => {
        printed += chunk.length;
        return true;
      }) as typeof process.stderr.write;
      const t0 = performance.now();
      let failure: unknown;
      try {
        check(b);
      } catch (e) {
        failure = e;
      } finally {
        process.stderr.write = stderrWrite;
        if (before === undefined) delete process.env[MEMORY_BUDGET_ENV];
        else process.env[MEMORY_BUDGET_ENV] = before;
      }
      const ms = performance.now() - t0;
      const leaked = fstatSync(canary).size + printed;
      ftruncateSync(canary, 0);
      if (leaked > 0) throw new Error(`HDF5 diagnostics reached stderr (${leaked} bytes)`);
      if (ms > HANG_MS) throw new Error(`hang: one input took ${(ms / 1000).toFixed(1)} s`);
      if (process.memoryUsage().rss > rssBase + RSS_GROWTH) throw new Error('memory: RSS grew over the limit');
      if (failure !== undefined) throw failure;
    },
    quickInputs: 200,
    report: () =>
      `${reader.timeouts} reads stopped at the ${READ_BOUND_MS / 1000} s bound (the HDF5 library looping on a damaged file; refused with one line); ${zeroFilled} of the accepted files had a float array read as zeros (a damaged chunk index: HDF5 reads an unallocated chunk as its fill value), ${misdirected} one read from another dataset's chunk (the same unchecked index)`,
  };
}

/**
 * Whether `got` is `seed` except for float arrays (same shape) that `misread` says were read from somewhere else
 * than their own data: all zeros (an unallocated chunk), or every value another (another dataset's chunk).
 */
function onlyArraysReadElsewhere(
  got: unknown,
  seed: unknown,
  misread: (a: Float32Array, seed: Float32Array) => boolean,
): boolean {
  if (isDeepStrictEqual(got, seed)) return true;
  if (typeof got !== 'object' || typeof seed !== 'object' || got === null || seed === null) return false;
  const a = got as Record<string, unknown>;
  const b = seed as Record<string, unknown>;
  if (a['data'] instanceof Float32Array && b['data'] instanceof Float32Array)
    return isDeepStrictEqual(a['shape'], b['shape']) && misread(a['data'], b['data']);
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => k in b && onlyArraysReadElsewhere(a[k], b[k], misread));
}
