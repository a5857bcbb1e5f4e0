/**
 * NIR export and import: the file layout (every dataset's name, dtype and shape, read back with h5wasm
 * directly), the round trip spikerep → NIR → spikerep for IF and LIF (identical logits), an independent float64
 * simulation of the exported graph under NIR's unit-spike semantics, and one-line errors for bad files.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import h5wasm from 'h5wasm/node';
import { isSpikerepError } from '../../src/errors.js';
import { exportNir } from '../../src/export/nir-export.js';
import type { NirArray, NirGraph } from '../../src/export/nir-graph.js';
import { readNir, writeNir } from '../../src/export/nir-h5.js';
import { importNir } from '../../src/export/nir-import.js';
import { reference } from '../../src/kernels/reference/index.js';
import { Rng } from '../../src/rng.js';
import { INPUT, randomImages, run, smallNet } from '../support/export.nir-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'spikerep-nir-'));
const N = 64;

async function roundTrip(kind: 'if' | 'lif' | 'cubalif'): Promise<{ path: string; graph: NirGraph }> {
  const path = join(dir, `${kind}.nir`);
  await writeNir(exportNir(smallNet(kind)), path);
  return { path, graph: await readNir(path) };
}

for (const kind of ['if', 'lif', 'cubalif'] as const) {
  test(`${kind}: spikerep → NIR file → spikerep gives identical logits and predictions`, async () => {
    const net = smallNet(kind);
    const { graph } = await roundTrip(kind);
    const { net: back, neurons } = importNir(reference, graph);
    assert.equal(neurons.length, 4);
    assert.ok(
      neurons.every((n) => n.reset === 'subtract'),
      'spikerep metadata selects the subtract reset',
    );
    const x = randomImages(N);
    const a = run(net, x, N);
    const b = run(back, x, N);
    assert.ok(
      a.logits.some((v) => v > 0),
      'the output layer fires',
    );
    assert.deepEqual(b.logits, a.logits);
    assert.deepEqual(b.pred, a.pred);
  });
}

test('the comparison catches a wrong weight: one changed Affine entry changes the logits', async () => {
  const { graph } = await roundTrip('if');
  const fc = graph.nodes['classifier_3'] as { weight: NirArray };
  for (let i = 0; i < fc.weight.data.length; i += 7) fc.weight.data[i]! *= 1.5;
  const x = randomImages(N);
  const a = run(smallNet('if'), x, N);
  const b = run(importNir(reference, graph).net, x, N);
  assert.notDeepEqual(b.logits, a.logits);
});

const EXPECTED: Record<string, [string, string, (shape: number[]) => boolean][]> = {
  Input: [['shape', '<q', (s) => s.length === 1 && s[0] === 3]],
  Output: [['shape', '<q', (s) => s.length === 1 && s[0] === 1]],
  Conv2d: [
    ['weight', '<f', (s) => s.length === 4],
    ['bias', '<f', (s) => s.length === 1],
    ['stride', '<q', (s) => s[0] === 2],
    ['padding', '<q', (s) => s[0] === 2],
    ['dilation', '<q', (s) => s[0] === 2],
    ['groups', '<q', (s) => s.length === 0],
    ['input_shape', '<q', (s) => s[0] === 2],
  ],
  SumPool2d: [
    ['kernel_size', '<q', (s) => s[0] === 2],
    ['stride', '<q', (s) => s[0] === 2],
    ['padding', '<q', (s) => s[0] === 2],
  ],
  Flatten: [
    ['start_dim', '<q', (s) => s.length === 0],
    ['end_dim', '<q', (s) => s.length === 0],
    ['input_type', '<q', (s) => s[0] === 3],
  ],
  Affine: [
    ['weight', '<f', (s) => s.length === 2],
    ['bias', '<f', (s) => s.length === 1],
  ],
  IF: [
    ['r', '<f', () => true],
    ['v_threshold', '<f', () => true],
    ['v_reset', '<f', () => true],
  ],
  LIF: [
    ['tau', '<f', () => true],
    ['r', '<f', () => true],
    ['v_leak', '<f', () => true],
    ['v_threshold', '<f', () => true],
    ['v_reset', '<f', () => true],
  ],
};

for (const kind of ['if', 'lif'] as const) {
  test(`${kind}: every dataset of the file has NIR's name, dtype and shape`, async () => {
    const { path } = await roundTrip(kind);
    await h5wasm.ready;
    const f = new h5wasm.File(path, 'r');
    try {
      const str = (p: string): unknown => (f.get(p) as InstanceType<typeof h5wasm.Dataset>).value;
      assert.equal(str('version'), '1.0.7');
      assert.equal(str('node/type'), 'NIRGraph');
      const edges = f.get('node/edges') as InstanceType<typeof h5wasm.Dataset>;
      assert.equal(edges.dtype, 'S');
      assert.equal(edges.shape?.[1], 2);
      const nodes = f.get('node/nodes') as InstanceType<typeof h5wasm.Group>;
      const names = nodes.keys();
      assert.equal(names.length, 13, 'input, 2 conv, 2 pool, flatten, 2 affine, 4 neurons, output');
      const shapes: Record<string, number[]> = {};
      for (const name of names) {
        assert.match(name, /^[A-Za-z0-9_]+$/, 'no dots: NIR reads "a.b" as a path into a subgraph');
        const g = nodes.get(name) as InstanceType<typeof h5wasm.Group>;
        const type = (g.get('type') as InstanceType<typeof h5wasm.Dataset>).value as string;
        const want = EXPECTED[type];
        assert.ok(want !== undefined, `unexpected node type ${type}`);
        const keys = g
          .keys()
          .filter((k) => k !== 'type' && k !== 'metadata')
          .sort();
        assert.deepEqual(keys, want.map(([k]) => k).sort(), `${name}: datasets`);
        for (const [key, dtype, shapeOk] of want) {
          const ds = g.get(key) as InstanceType<typeof h5wasm.Dataset>;
          assert.equal(ds.dtype, dtype, `${name}/${key} dtype`);
          assert.ok(shapeOk(ds.shape ?? []), `${name}/${key} shape [${ds.shape}]`);
          if (type === 'IF' || type === 'LIF') shapes[`${name}/${key}`] = ds.shape ?? [];
        }
      }
      // neuron parameters are broadcast to the activation shape, in NIR's [C, H, W] order
      const first = kind === 'if' ? 'IF' : 'LIF';
      assert.deepEqual(shapes['features_2/v_threshold'], [32, INPUT[0], INPUT[1]], `${first} after conv 1`);
      assert.deepEqual(shapes['features_6/r'], [64, 4, 4]);
      assert.deepEqual(shapes['classifier_2/v_reset'], [256]);
      assert.deepEqual(
        (nodes.get('features_0') as InstanceType<typeof h5wasm.Group>).get('weight')!.constructor.name,
        'Dataset',
      );
      assert.deepEqual(
        (
          (nodes.get('features_0') as InstanceType<typeof h5wasm.Group>).get('weight') as InstanceType<
            typeof h5wasm.Dataset
          >
        ).shape,
        [32, 1, 3, 3],
      );
      assert.deepEqual(
        (
          (nodes.get('classifier_0') as InstanceType<typeof h5wasm.Group>).get('weight') as InstanceType<
            typeof h5wasm.Dataset
          >
        ).shape,
        [256, 64 * 2 * 2],
      );
      const meta = f.get('node/metadata') as InstanceType<typeof h5wasm.Group>;
      for (const k of ['producer', 'T', 'dt', 'compare', 'reset', 'readout'])
        assert.ok(meta.keys().includes(k), `graph metadata ${k}`);
    } finally {
      f.close();
    }
  });
}

/**
 * An independent reading of the exported file: NIR's graph with unit spikes, simulated in float64 with the DSR
 * rule the metadata records (fire at v ≥ v_threshold, subtract subtract_amount; IF v += r·dt·I, LIF forward
 * Euler v += dt/τ·(r·I − v)), weights used as written (PyTorch layout). Its predictions must match the network.
 */
function simulateNir(g: NirGraph, x: Float32Array, n: number, T: number, dt: number): Int32Array {
  const order = ['input'];
  while (order[order.length - 1] !== 'output') order.push(g.edges.find(([a]) => a === order[order.length - 1])![1]);
  const preds = new Int32Array(n);
  const [H, W, C] = INPUT;
  for (let s = 0; s < n; s++) {
    const img = new Float64Array(C * H * W); // CHW
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) img[(c * H + h) * W + w] = x[s * H * W * C + (h * W + w) * C + c]!;
    const state = new Map<string, Float64Array>();
    const counts = new Float64Array(10);
    const weights = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let a = img;
      let shape = [C, H, W];
      for (const name of order.slice(1, -1)) {
        const node = g.nodes[name]!;
        if (node.type === 'Conv2d') {
          const [O, I, K] = node.weight.shape as number[];
          const p = (node.padding as number[])[0]!;
          const [, h0, w0] = shape as [number, number, number];
          const out = new Float64Array(O! * h0 * w0);
          for (let o = 0; o < O!; o++)
            for (let y = 0; y < h0; y++)
              for (let z = 0; z < w0; z++) {
                let acc = node.bias.data[o]!;
                for (let i = 0; i < I!; i++)
                  for (let ky = 0; ky < K!; ky++)
                    for (let kx = 0; kx < K!; kx++) {
                      const yy = y + ky - p,
                        zz = z + kx - p;
                      if (yy >= 0 && yy < h0 && zz >= 0 && zz < w0)
                        acc += node.weight.data[((o * I! + i) * K! + ky) * K! + kx]! * a[(i * h0 + yy) * w0 + zz]!;
                    }
                out[(o * h0 + y) * w0 + z] = acc;
              }
          a = out;
          shape = [O!, h0, w0];
        } else if (node.type === 'SumPool2d') {
          const [c0, h0, w0] = shape as [number, number, number];
          const out = new Float64Array(c0 * (h0 / 2) * (w0 / 2));
          for (let c = 0; c < c0; c++)
            for (let y = 0; y < h0 / 2; y++)
              for (let z = 0; z < w0 / 2; z++) {
                out[((c * h0) / 2 + y) * (w0 / 2) + z] =
                  a[(c * h0 + 2 * y) * w0 + 2 * z]! +
                  a[(c * h0 + 2 * y + 1) * w0 + 2 * z]! +
                  a[(c * h0 + 2 * y) * w0 + 2 * z + 1]! +
                  a[(c * h0 + 2 * y + 1) * w0 + 2 * z + 1]!;
              }
          a = out;
          shape = [c0, h0 / 2, w0 / 2];
        } else if (node.type === 'Flatten') {
          shape = [a.length];
        } else if (node.type === 'Affine') {
          const [O, I] = node.weight.shape as [number, number];
          const out = new Float64Array(O);
          for (let o = 0; o < O; o++) {
            let acc = node.bias.data[o]!;
            for (let i = 0; i < I; i++) acc += node.weight.data[o * I + i]! * a[i]!;
            out[o] = acc;
          }
          a = out;
          shape = [O];
        } else if (node.type === 'IF' || node.type === 'LIF') {
          const v = state.get(name) ?? new Float64Array(a.length);
          state.set(name, v);
          const sub = node.metadata!['subtract_amount'] as number;
          const out = new Float64Array(a.length);
          for (let i = 0; i < a.length; i++) {
            if (node.type === 'IF') v[i] = v[i]! + node.r.data[i]! * dt * a[i]!;
            else {
              const k = dt / node.tau.data[i]!;
              v[i] = v[i]! + k * (node.r.data[i]! * a[i]! - v[i]!);
            }
            if (v[i]! >= node.v_threshold.data[i]!) {
              out[i] = 1;
              v[i] = v[i]! - sub;
            }
          }
          a = out;
          if (order[order.indexOf(name) + 1] === 'output') {
            const leak = node.type === 'LIF' ? (node.metadata!['leak'] as number) : 1;
            weights[t] = leak ** (T - 1 - t);
            for (let c = 0; c < 10; c++) counts[c] = counts[c]! + weights[t]! * a[c]!;
          }
        }
      }
    }
    let best = 0;
    for (let c = 1; c < 10; c++) if (counts[c]! > counts[best]! + 1e-9) best = c;
    preds[s] = best;
  }
  return preds;
}

for (const kind of ['if', 'lif'] as const) {
  test(`${kind}: an independent float64 NIR simulation of the file predicts as the network`, async () => {
    const { graph } = await roundTrip(kind);
    const x = randomImages(16, 11);
    const ours = run(smallNet(kind), x, 16).pred;
    const theirs = simulateNir(graph, x, 16, graph.metadata['T'] as number, graph.metadata['dt'] as number);
    let same = 0;
    for (let i = 0; i < 16; i++) same += ours[i] === theirs[i] ? 1 : 0;
    assert.ok(same >= 15, `float64 vs float32 may flip a borderline spike, got ${same}/16`);
  });
}

async function expectOneLine(p: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.ok(isSpikerepError(e), `expected a SpikerepError, got ${String(e)}`);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, pattern);
    return;
  }
  assert.fail('expected an error');
}

test('malformed and unsupported files: one line naming the file or the node', async () => {
  const junk = join(dir, 'junk.nir');
  writeFileSync(junk, 'not hdf5 at all');
  await expectOneLine(readNir(junk), /junk\.nir: not an HDF5 file/);
  const { graph } = await roundTrip('if');
  // an unsupported node type in the chain
  const cubaPath = join(dir, 'cuba.nir');
  await writeForeign(cubaPath, 'Conv3d');
  await expectOneLine(readNir(cubaPath), /cuba\.nir: node 'cuba' has type Conv3d, which spikerep does not import/);
  // per-neuron thresholds spikerep cannot hold
  const perNeuron = structuredClone(graph) as NirGraph;
  (perNeuron.nodes['features_6'] as { v_threshold: NirArray }).v_threshold.data[3] = 9;
  await expectOneLine(
    () => importNir(reference, perNeuron),
    /node 'features_6' \(IF\): 'v_threshold' differs between neurons/,
  );
  // a branch whose two inputs cannot be summed
  const branch = { ...graph, edges: [...graph.edges, ['features_0', 'classifier_2'] as [string, string]] };
  await expectOneLine(
    () => importNir(reference, branch),
    /node 'classifier_2' \(IF\): its inputs 'classifier_0' \[256\] and 'features_0' \[32, 8, 8\] differ in size/,
  );
  // a missing dataset
  const missing = structuredClone(graph) as NirGraph;
  delete (missing.nodes['classifier_0'] as { bias?: unknown }).bias;
  const missingPath = join(dir, 'missing.nir');
  await writeNir(missing, missingPath);
  await expectOneLine(readNir(missingPath), /node 'classifier_0' \(Affine\) lacks the dataset 'bias'/);
  // no T
  const noT = { ...graph, metadata: { ...graph.metadata, T: 'x' } };
  await expectOneLine(() => importNir(reference, noT), /the graph metadata's T is "x", not a step count ≥ 1: pass --T/);
  const { T: _, ...withoutT } = graph.metadata;
  await expectOneLine(() => importNir(reference, { ...graph, metadata: withoutT }), /no time-step count T: pass --T/);
});

/** A tiny hand-written NIR file Input → <type> → Output, as another tool would write it. */
async function writeForeign(path: string, type: string): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'w');
  f.create_dataset({ name: 'version', data: '1.0.7' });
  const root = f.create_group('node');
  root.create_dataset({ name: 'type', data: 'NIRGraph' });
  root.create_dataset({ name: 'edges', data: ['input', 'cuba', 'cuba', 'output'], shape: [2, 2] });
  const nodes = root.create_group('nodes');
  for (const [name, t] of [
    ['input', 'Input'],
    ['cuba', type],
    ['output', 'Output'],
  ] as const) {
    const g = nodes.create_group(name);
    g.create_dataset({ name: 'type', data: t });
    if (t === type) g.create_dataset({ name: 'tau_syn', data: new Float64Array([0.01, 0.01]), shape: [2] });
    else g.create_dataset({ name: 'shape', data: BigInt64Array.of(2n), shape: [1] });
  }
  f.close();
}

/** Input[2] → Affine(identity) → IF{θ = 1} → Output, as Sinabs (r = 1) or SpikingJelly (r = 1/dt) write it. */
function foreignIf(r: number): NirGraph {
  const f = (shape: number[], v: number[]): NirArray => ({ shape, data: Float32Array.from(v) });
  return {
    nodes: {
      input: { type: 'Input', shape: [2] },
      fc: { type: 'Affine', weight: f([2, 2], [1, 0, 0, 1]), bias: f([2], [0, 0]) },
      lif: { type: 'IF', r: f([2], [r, r]), v_threshold: f([2], [1, 1]), v_reset: f([2], [0, 0]) },
      output: { type: 'Output', shape: [2] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'lif'],
      ['lif', 'output'],
    ],
    metadata: {},
  };
}

test('foreign IF conventions: r = 1 vs 1/dt, reset to v_reset vs subtract, hand-counted spikes', () => {
  const x = Float32Array.of(0.7, 0.3);
  const rates = (g: NirGraph, o: Parameters<typeof importNir>[2]): number[] => {
    const { net } = importNir(reference, g, { T: 6, ...o });
    return Array.from(net.forward({ shape: [1, 2], data: x }, { training: false, rng: new Rng(0) }).data, (v) =>
      Math.round(v * 6),
    );
  };
  // reset to 0: 0.7, 1.4↯, 0.7, 1.4↯, 0.7, 1.4↯ → 3 spikes; 0.3 … 1.2↯ at step 4 → 1 (then 0.3, 0.6)
  assert.deepEqual(rates(foreignIf(1), {}), [3, 1]);
  // subtract 1: 0.7, 1.4↯, 1.1↯, 0.8, 1.5↯, 1.2↯ → 4 spikes; 0.3 … 1.2↯, 0.5, 0.8 → 1
  assert.deepEqual(rates(foreignIf(1), { reset: 'subtract' }), [4, 1]);
  // SpikingJelly's r = 1/dt reads the same under auto (r·dt = 1) …
  assert.deepEqual(rates(foreignIf(1e4), {}), [3, 1]);
  // … and fires at every step if the file is read with the wrong convention (r = 1e4 per step)
  assert.deepEqual(rates(foreignIf(1e4), { ifR: 'one' }), [6, 6]);
});

test("foreign LIF: tau in seconds (dt = 1e-4) runs NIR's Euler rule; tau read as steps is refused in one line", async () => {
  const f = (v: number): NirArray => ({ shape: [1], data: Float32Array.of(v) });
  const g: NirGraph = {
    nodes: {
      input: { type: 'Input', shape: [1] },
      fc: { type: 'Affine', weight: { shape: [1, 1], data: Float32Array.of(1) }, bias: f(0) },
      lif: { type: 'LIF', tau: f(2e-4), r: f(1), v_leak: f(0), v_threshold: f(0.7), v_reset: f(0) },
      output: { type: 'Output', shape: [1] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'lif'],
      ['lif', 'output'],
    ],
    metadata: { T: 4 },
  };
  const { net } = importNir(reference, g);
  // k = dt/τ = 0.5: v = 0.5, 0.75↯→0, 0.5, 0.75↯ → 2 unit spikes; the readout weights them by λ^(T−t) with λ = 0.5
  const out = net.forward({ shape: [1, 1], data: Float32Array.of(1) }, { training: false, rng: new Rng(0) }).data[0]!;
  const w = [0.125, 0.25, 0.5, 1];
  assert.ok(Math.abs(out - (w[1]! + w[3]!) / (w[0]! + w[1]! + w[2]! + w[3]!)) < 1e-6, `weighted rate ${out}`);
  await expectOneLine(
    () => importNir(reference, g, { tauUnit: 'steps' }),
    /node 'lif' \(LIF\): tau = 0\.0002 gives a per-step leak dt\/tau = 5000 outside \(0, 1\]/,
  );
  await expectOneLine(readNir(join(dir, 'absent.nir')), /absent\.nir: no such file/);
});

test("foreign CubaLIF (snnTorch's Synaptic: I ← αI + x, U ← βU + I, reset to 0 above θ) runs through the neuron kernel", async () => {
  const f = (v: number): NirArray => ({ shape: [1], data: Float32Array.of(v) });
  const dt = 1e-4,
    alpha = 0.5,
    beta = 0.75,
    theta = 0.7,
    T = 12;
  // snnTorch's export: τ_syn = dt/(1 − α), τ_mem = dt/(1 − β), r = τ_mem/dt, w_in = τ_syn/dt
  const g: NirGraph = {
    nodes: {
      input: { type: 'Input', shape: [1] },
      fc: { type: 'Affine', weight: { shape: [1, 1], data: Float32Array.of(1) }, bias: f(0) },
      cuba: {
        type: 'CubaLIF',
        tau_syn: f(dt / (1 - alpha)),
        tau_mem: f(dt / (1 - beta)),
        r: f(1 / (1 - beta)),
        v_leak: f(0),
        v_threshold: f(theta),
        v_reset: f(0),
        w_in: f(1 / (1 - alpha)),
      },
      output: { type: 'Output', shape: [1] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'cuba'],
      ['cuba', 'output'],
    ],
    metadata: { T },
  };
  const path = join(dir, 'cubalif.nir');
  await writeNir(g, path);
  const { net, neurons } = importNir(reference, await readNir(path));
  assert.deepEqual(
    neurons.map((n) => [n.type, n.reset]),
    [['CubaLIF', 'value']],
  );
  for (const x of [0.125, 0.25, 0.5]) {
    // snnTorch's rule in float64, written out here
    let cur = 0,
      u = 0,
      num = 0,
      den = 0;
    for (let t = 1; t <= T; t++) {
      cur = alpha * cur + x;
      u = beta * u + cur;
      const s = u > theta ? 1 : 0;
      if (s === 1) u = 0;
      const w = beta ** (T - t); // the readout's weights λ^(T−t), λ = 1 − dt/τ_mem
      num += w * s;
      den += w;
    }
    const out = net.forward({ shape: [1, 1], data: Float32Array.of(x) }, { training: false, rng: new Rng(0) }).data[0]!;
    assert.ok(num > 0, `x = ${x} fires`);
    assert.ok(Math.abs(out - num / den) < 1e-6, `x = ${x}: weighted rate ${out}, expected ${num / den}`);
  }
});
