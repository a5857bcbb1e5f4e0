/**
 * NIR graphs as other tools write them (test/support/nir-foreign.ts: snnTorch, Norse, Sinabs, Rockpool layouts,
 * a recurrent layer nested and flattened, an old file without v_reset, a `[1]` Input, Delay/Scale/I/Threshold/
 * Conv1d), run by the graph executor and checked against the NIR equations written out here in float64 with the
 * file's own float32 parameters; the two engines agree on chains; every refusal is one line naming the node.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSpikerepError } from '../../src/errors.js';
import { exportNir } from '../../src/export/nir-export.js';
import type { NirArray, NirGraph, NirGraphNode } from '../../src/export/nir-graph.js';
import { readNir, writeNir } from '../../src/export/nir-h5.js';
import { importNir, loadNirProgram, type NirImportOptions } from '../../src/export/nir-import.js';
import { reference } from '../../src/kernels/reference/index.js';
import type { RateReadout } from '../../src/nn/readout.js';
import { Rng } from '../../src/rng.js';
import { neuronModel, representationWeights } from '../../src/snn/model.js';
import { INPUT, randomImages, smallNet } from '../support/export.nir-fixtures.js';
import {
  DT,
  foreignGraphs,
  full,
  mixedNodes,
  norseLifBoxWithLi,
  norseLifCell,
  oldLifOneInput,
  recurrentFlattened,
  recurrentNested,
  rockpoolXylo,
  sinabsConvIaf,
  snnTorchSynaptic,
} from '../support/nir-foreign.js';

const dir = mkdtempSync(join(tmpdir(), 'spikerep-nir-foreign-'));
const f32 = Math.fround;

/** Deterministic input [T, B, n] in [−0.5, 1.5). */
function inputs(T: number, B: number, n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: T * B * n }, () => 2 * rng.uniform() - 0.5);
}

/** y = W·x + b for W [out, in] (float32 values as stored). */
function affine(w: NirArray, b: NirArray | undefined, x: ArrayLike<number>): number[] {
  const [O, I] = w.shape as [number, number];
  return Array.from({ length: O }, (_, o) => {
    let s = b === undefined ? 0 : b.data[o]!;
    for (let i = 0; i < I; i++) s += w.data[o * I + i]! * x[i]!;
    return s;
  });
}

const node = <T extends NirGraphNode['type']>(g: NirGraph, name: string, _t: T): Extract<NirGraphNode, { type: T }> =>
  g.nodes[name] as Extract<NirGraphNode, { type: T }>;

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(isSpikerepError(e), String(e));
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  return assert.fail('expected a refusal');
}

/** CubaLIF by NIR's equations, Euler with step dt (the current's new value drives the membrane). */
function cubaStep(
  p: { ks: number; ws: number; k: number; r: number; theta: number; spiking: boolean },
  s: { i: number; v: number; beforeReset?: number },
  x: number,
): number {
  s.i = (1 - p.ks) * s.i + p.ks * p.ws * x;
  s.v = (1 - p.k) * s.v + p.k * p.r * s.i;
  s.beforeReset = s.v;
  if (!p.spiking) return s.v;
  if (s.v > p.theta) {
    s.v = 0;
    return 1;
  }
  return 0;
}

test("snnTorch's Synaptic (Affine → CubaLIF): I ← αI + x, U ← βU + I, spike above θ, reset to 0; spikes and membranes per step", () => {
  const g = snnTorchSynaptic(0.8, 0.9, 1);
  const { program, warnings } = loadNirProgram(g);
  assert.deepEqual(warnings, []);
  const T = 12;
  const B = 2;
  const x = inputs(T, B, 3, 1);
  const r = program.run(x, [T, B, 3], 'all');
  assert.deepEqual(r.shape, [T, B, 2]);
  const cuba = node(g, 'synaptic', 'CubaLIF');
  const fc = node(g, 'linear', 'Affine');
  const p = {
    ks: DT / cuba.tau_syn.data[0]!,
    ws: cuba.w_in!.data[0]!,
    k: DT / cuba.tau_mem.data[0]!,
    r: cuba.r.data[0]!,
    theta: 1,
    spiking: true,
  };
  // the exporter's parameters give back α and β
  assert.ok(Math.abs(1 - p.ks - 0.8) < 1e-6 && Math.abs(p.ks * p.ws - 1) < 1e-6 && Math.abs(p.k * p.r - 1) < 1e-6);
  const spikes: number[] = [];
  const membranes: number[] = [];
  const states = Array.from({ length: B * 2 }, () => ({ i: 0, v: 0, beforeReset: 0 }));
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++) {
      const h = affine(fc.weight, fc.bias, x.subarray((t * B + b) * 3, (t * B + b + 1) * 3));
      for (let o = 0; o < 2; o++) {
        const s = states[b * 2 + o]!;
        spikes.push(cubaStep(p, s, h[o]!));
        membranes.push(s.beforeReset!); // the recorded membrane is the value before any reset
      }
    }
  assert.ok(spikes.some((z) => z === 1) && spikes.some((z) => z === 0), 'the fixture fires some of the time');
  assert.deepEqual(Array.from(r.output), spikes);
  const trace = (kind: string): Float32Array => r.traces.find((t) => t.node === 'synaptic' && t.kind === kind)!.data;
  assert.deepEqual(Array.from(trace('output')), spikes);
  close(trace('membrane'), membranes, 1e-6, 'membrane');
  assert.deepEqual(r.traces.find((t) => t.node === 'synaptic')!.shape, [T, B, 2]);
  // one sample: [T, …] in, [T, …] out
  const one = program.run(x.subarray(0, 3 * T), [T, 3]);
  assert.deepEqual(one.shape, [T, 2]);
});

test("Norse LIFBoxCell (LIF, r = 1) and an LICell readout: v ← v + dt/τ·(−v + I), the LI's membrane is the output", () => {
  const g = norseLifBoxWithLi();
  const { program } = loadNirProgram(g);
  const T = 30;
  const x = inputs(T, 1, 3, 2);
  const got = program.run(x, [T, 1, 3]).output;
  const fc1 = node(g, 'fc1', 'Affine');
  const fc2 = node(g, 'fc2', 'Affine');
  const k1 = DT / f32(1 / 100);
  const k2 = DT / f32(1 / 200);
  const theta = f32(0.05);
  const v = [0, 0, 0, 0];
  const li = [0, 0];
  const want: number[] = [];
  let fired = 0;
  for (let t = 0; t < T; t++) {
    const h = affine(fc1.weight, fc1.bias, x.subarray(t * 3, t * 3 + 3));
    const z = v.map((_, j) => {
      v[j] = (1 - k1) * v[j]! + k1 * h[j]!;
      if (v[j]! > theta) {
        v[j] = 0;
        fired++;
        return 1;
      }
      return 0;
    });
    const h2 = affine(fc2.weight, fc2.bias, z);
    for (let o = 0; o < 2; o++) {
      li[o] = (1 - k2) * li[o]! + k2 * h2[o]!;
      want.push(li[o]!);
    }
  }
  assert.ok(fired > 0, 'the LIF layer fires');
  close(got, want, 1e-6, 'LI output');
});

test('Norse LIFCell (CubaLIF, r = 1, w_in = 1): the same equations through both engines', () => {
  const g = { ...norseLifCell(), metadata: { T: 20 } };
  const T = 20;
  const x = inputs(1, 1, 2, 3).subarray(0, 2);
  const xs = Float64Array.from({ length: T * 2 }, (_, i) => x[i % 2]!);
  const { program, engine, net } = importNir(reference, g);
  assert.equal(engine, 'chain');
  const got = program.run(xs, [T, 1, 2]).output;
  const cell = node(g, 'cell', 'CubaLIF');
  const fc = node(g, 'fc', 'Affine');
  const p = {
    ks: DT / cell.tau_syn.data[0]!,
    ws: 1,
    k: DT / cell.tau_mem.data[0]!,
    r: 1,
    theta: cell.v_threshold.data[0]!,
    spiking: true,
  };
  const states = [0, 1, 2].map(() => ({ i: 0, v: 0 }));
  const h = affine(fc.weight, fc.bias, x);
  const want: number[] = [];
  for (let t = 0; t < T; t++) for (let o = 0; o < 3; o++) want.push(cubaStep(p, states[o]!, h[o]!));
  assert.ok(want.includes(1), 'the cell fires');
  assert.deepEqual(Array.from(got), want);
  // spikerep's own layers (the 'chain' engine) see the same spikes: their LIF readout weights step t by
  // λ^(T−1−t), λ = 1 − dt/τ_mem, normalised
  const rates = net.forward({ shape: [1, 2], data: Float32Array.from(x) }, { training: false, rng: new Rng(0) });
  const lambda = 1 - p.k;
  const w = Array.from({ length: T }, (_, t) => lambda ** (T - 1 - t));
  const sumW = w.reduce((a, b) => a + b, 0);
  for (let o = 0; o < 3; o++) {
    let rate = 0;
    for (let t = 0; t < T; t++) rate += (w[t]! * want[t * 3 + o]!) / sumW;
    assert.ok(Math.abs(rates.data[o]! - rate) < 1e-5, `rate ${o}: ${rates.data[o]} vs ${rate}`);
  }
});

test('a recurrent CubaLIF layer (nested NIRGraph, and flattened to rsyn.lif): the recurrent input at step t is the output of step t − 1', () => {
  const nested = importNir(reference, { ...recurrentNested(), metadata: { T: 15 } });
  const flat = loadNirProgram(recurrentFlattened()).program;
  assert.equal(nested.engine, 'graph');
  assert.deepEqual(nested.program.delayedEdges, [['rsyn.w_rec', 'rsyn.lif']]);
  assert.deepEqual(
    nested.program.nodes.map((n) => n.name),
    flat.nodes.map((n) => n.name),
  );
  const T = 15;
  const B = 2;
  const x = inputs(T, B, 2, 4);
  const got = nested.program.run(x, [T, B, 2]).output;
  assert.deepEqual(Array.from(flat.run(x, [T, B, 2]).output), Array.from(got));
  const g = recurrentFlattened();
  const fc = node(g, 'fc', 'Affine');
  const rec = node(g, 'rsyn.w_rec', 'Affine');
  const p = { ks: 0.5, ws: 2, k: 0.2, r: 1, theta: f32(0.6), spiking: true };
  const want: number[] = [];
  for (let b = 0; b < B; b++) {
    const states = [0, 1, 2].map(() => ({ i: 0, v: 0 }));
    let last: number[] | null = null;
    for (let t = 0; t < T; t++) {
      const h = affine(fc.weight, fc.bias, x.subarray((t * B + b) * 2, (t * B + b + 1) * 2));
      const back: number[] = last === null ? [0, 0, 0] : affine(rec.weight, rec.bias, last);
      const z: number[] = h.map((hi, o) => cubaStep(p, states[o]!, hi + back[o]!));
      for (let o = 0; o < 3; o++) want[(t * B + b) * 3 + o] = z[o]!;
      last = z;
    }
  }
  assert.ok(want.includes(1) && want.includes(0));
  assert.deepEqual(Array.from(got), want);
  // the rate readout of the Network sees the same spikes
  const rates = nested.net.forward(
    { shape: [1, 2], data: Float32Array.of(0.7, -0.2) },
    { training: false, rng: new Rng(0) },
  );
  const xs = Float64Array.from({ length: T * 2 }, (_, i) => (i % 2 === 0 ? f32(0.7) : f32(-0.2)));
  const spikes = nested.program.run(xs, [T, 2]).output;
  for (let o = 0; o < 3; o++) {
    let n = 0;
    for (let t = 0; t < T; t++) n += spikes[t * 3 + o]!;
    assert.ok(Math.abs(rates.data[o]! - n / T) < 1e-6);
  }
});

test('Sinabs (Conv2d → IF without v_reset → SumPool2d → Flatten → Affine → IF): reset to 0 by default, --reset subtract on request', () => {
  const g = { ...sinabsConvIaf(), metadata: { T: 8 } };
  const T = 8;
  const x = inputs(T, 1, 16, 5).map((v) => f32(v));
  const conv = node(g, 'conv', 'Conv2d');
  const fc = node(g, 'fc', 'Affine');
  const hand = (subtract: boolean): number[] => {
    const v1 = new Array(32).fill(0);
    const v2 = [0, 0, 0];
    const out: number[] = [];
    const fire = (v: number[], j: number, th: number): number => {
      if (subtract ? v[j]! >= th : v[j]! > th) {
        v[j] = subtract ? v[j]! - th : 0;
        return 1;
      }
      return 0;
    };
    for (let t = 0; t < T; t++) {
      const img = x.subarray(t * 16, t * 16 + 16);
      const z1: number[] = [];
      for (let c = 0; c < 2; c++)
        for (let y = 0; y < 4; y++)
          for (let xx = 0; xx < 4; xx++) {
            let s = conv.bias.data[c]!;
            for (let ky = 0; ky < 3; ky++)
              for (let kx = 0; kx < 3; kx++) {
                const iy = y + ky - 1;
                const ix = xx + kx - 1;
                if (iy >= 0 && iy < 4 && ix >= 0 && ix < 4)
                  s += conv.weight.data[c * 9 + ky * 3 + kx]! * img[iy * 4 + ix]!;
              }
            const j = c * 16 + y * 4 + xx;
            v1[j] += s; // r = 1: v += I per step
            z1[j] = fire(v1, j, 0.5);
          }
      const pooled: number[] = [];
      for (let c = 0; c < 2; c++)
        for (let py = 0; py < 2; py++)
          for (let px = 0; px < 2; px++) {
            let s = 0;
            for (let dy = 0; dy < 2; dy++)
              for (let dx = 0; dx < 2; dx++) s += z1[c * 16 + (2 * py + dy) * 4 + 2 * px + dx]!;
            pooled.push(s);
          }
      const h = affine(fc.weight, fc.bias, pooled);
      for (let o = 0; o < 3; o++) {
        v2[o] = v2[o]! + h[o]!;
        out.push(fire(v2, o, 1));
      }
    }
    return out;
  };
  for (const reset of ['auto', 'subtract'] as const) {
    const opts: NirImportOptions = { reset };
    const { program, net, engine } = importNir(reference, g, opts);
    assert.equal(engine, 'chain');
    const want = hand(reset === 'subtract');
    assert.ok(want.includes(1), `${reset}: the output layer fires`);
    assert.deepEqual(Array.from(program.run(x, [T, 1, 1, 4, 4]).output), want, reset);
    if (reset === 'auto') {
      // spikerep's own layers take the image channels last, the same every step
      const still = Float64Array.from({ length: T * 16 }, (_, i) => x[i % 16]!);
      const spikes = program.run(still, [T, 1, 4, 4]).output;
      const rates = net.forward(
        { shape: [1, 4, 4, 1], data: Float32Array.from(x.subarray(0, 16)) },
        { training: false, rng: new Rng(0) },
      );
      for (let o = 0; o < 3; o++) {
        let n = 0;
        for (let t = 0; t < T; t++) n += spikes[t * 3 + o]!;
        assert.ok(Math.abs(rates.data[o]! - n / T) < 1e-6, `rate ${o}`);
      }
    }
  }
});

test('Rockpool (Linear → CubaLIF twice, dt = 1e-3 from the metadata) and --dt overriding it', () => {
  const g = rockpoolXylo();
  const { program } = loadNirProgram(g);
  const T = 16;
  const x = inputs(T, 1, 2, 6);
  const got = program.run(x, [T, 2]).output;
  const l0 = node(g, '0_LinearTorch', 'Linear');
  const l2 = node(g, '2_LinearTorch', 'Linear');
  const p = (theta: number) => ({
    ks: 1e-3 / f32(0.004),
    ws: 4,
    k: 1e-3 / f32(0.008),
    r: 8,
    theta: f32(theta),
    spiking: true,
  });
  const s1 = [0, 1, 2].map(() => ({ i: 0, v: 0 }));
  const s2 = [0, 1].map(() => ({ i: 0, v: 0 }));
  const want: number[] = [];
  for (let t = 0; t < T; t++) {
    const z1 = affine(l0.weight, undefined, x.subarray(t * 2, t * 2 + 2)).map((h, o) => cubaStep(p(0.5), s1[o]!, h));
    want.push(...affine(l2.weight, undefined, z1).map((h, o) => cubaStep(p(0.4), s2[o]!, h)));
  }
  assert.ok(want.includes(1));
  assert.deepEqual(Array.from(got), want);
  // with dt = 1e-4 the leaks are ten times slower: another network
  const slow = loadNirProgram(g, { dt: 1e-4 }).program.run(x, [T, 2]).output;
  assert.notDeepEqual(Array.from(slow), want);
});

test('an old file without v_reset behind a [1] Input: the input is read as [12] with one warning line, the LIF resets to 0', async () => {
  const path = join(dir, 'old.nir');
  await writeNir(oldLifOneInput(), path);
  const g = await readNir(path);
  assert.equal((g.nodes['lif'] as { v_reset?: unknown }).v_reset, undefined);
  const { program, warnings } = loadNirProgram(g, {}, path);
  assert.equal(warnings.length, 1);
  assert.doesNotMatch(warnings[0]!, /\n/);
  assert.match(
    warnings[0]!,
    /old\.nir: node 'input' \(Input\) declares shape \[1\], but 'fc' \(Affine\) takes 12 inputs: reading the input as \[12\]/,
  );
  assert.deepEqual(program.inputShape, [12]);
  const T = 10;
  const x = inputs(T, 1, 12, 7);
  const fc = node(g, 'fc', 'Affine');
  const k = DT / f32(DT / 0.25);
  const v = [0, 0];
  const want: number[] = [];
  for (let t = 0; t < T; t++) {
    const h = affine(fc.weight, fc.bias, x.subarray(t * 12, t * 12 + 12));
    for (let o = 0; o < 2; o++) {
      v[o] = (1 - k) * v[o]! + k * h[o]!;
      const z = v[o]! > f32(0.3) ? 1 : 0;
      if (z) v[o] = 0;
      want.push(z);
    }
  }
  assert.ok(want.includes(1));
  assert.deepEqual(Array.from(program.run(x, [T, 12]).output), want);
  // the network built for test sets takes the inferred shape too
  const { net } = importNir(reference, g, { T: 4 }, path);
  assert.deepEqual(net.inputShape, [12]);
});

test('Delay (2 steps), Scale, I, Threshold and Conv1d with a branch summed into the I node', () => {
  const g = mixedNodes(2);
  const { program } = loadNirProgram(g);
  const T = 9;
  const x = inputs(T, 1, 10, 8);
  const got = program.run(x, [T, 1, 2, 5]).output;
  const conv = node(g, 'conv', 'Conv1d');
  const skip = node(g, 'fcskip', 'Linear');
  const scale = node(g, 'scale', 'Scale').scale.data;
  const flat: number[][] = [];
  const v = new Array(5).fill(0);
  const want: number[] = [];
  for (let t = 0; t < T; t++) {
    const xt = x.subarray(t * 10, t * 10 + 10); // [C = 2, L = 5]
    const y = Array.from({ length: 5 }, (_, l) => {
      let s = conv.bias.data[0]!;
      for (let c = 0; c < 2; c++)
        for (let kk = 0; kk < 3; kk++) {
          const il = l + kk - 1;
          if (il >= 0 && il < 5) s += conv.weight.data[c * 3 + kk]! * xt[c * 5 + il]!;
        }
      return s;
    });
    flat.push(y);
    const delayed = t >= 2 ? flat[t - 2]! : [0, 0, 0, 0, 0];
    const sk = affine(skip.weight, undefined, y);
    for (let j = 0; j < 5; j++) {
      v[j] = v[j]! + delayed[j]! * scale[j]! + sk[j]!; // I with r·dt = 1: v += input
      want.push(v[j]! > f32(0.4) ? 1 : 0);
    }
  }
  assert.ok(want.includes(1) && want.includes(0));
  assert.deepEqual(Array.from(got), want);
  assert.match(
    refusal(() => loadNirProgram(mixedNodes(1.5))),
    /node 'delay' \(Delay\): delay 0\.00015\d* s is not a whole number of steps of dt = 0\.0001 s/,
  );
});

test('every layout survives the file: written with writeNir (nested groups for subgraphs), read back, same outputs', async () => {
  for (const [name, g] of Object.entries(foreignGraphs())) {
    const path = join(dir, `${name}.nir`);
    await writeNir(g, path);
    const back = await readNir(path);
    const a = loadNirProgram(g).program;
    const b = loadNirProgram(back).program;
    const n = a.inputShape.reduce((s, d) => s * d, 1);
    const x = inputs(6, 2, n, 9);
    assert.deepEqual(
      Array.from(b.run(x, [6, 2, ...a.inputShape]).output),
      Array.from(a.run(x, [6, 2, ...a.inputShape]).output),
      name,
    );
  }
});

test('refusals are one line naming the node and what was expected', () => {
  const base = recurrentNested();
  const rsyn = base.nodes['rsyn'] as Extract<NirGraphNode, { type: 'NIRGraph' }>;
  const cases: [NirGraph, RegExp][] = [
    [
      { ...base, edges: [...base.edges.slice(0, 2), ['rsyn.nope', 'output']] },
      /an edge names node 'rsyn\.nope', which is not in the graph/,
    ],
    [
      {
        ...base,
        nodes: { ...base.nodes, rsyn: { ...rsyn, nodes: { ...rsyn.nodes, in2: { type: 'Input', shape: [3] } } } },
      },
      /an edge enters subgraph 'rsyn', which has 2 Input nodes \(expected 1\)/,
    ],
    [
      {
        ...rockpoolXylo(),
        nodes: {
          ...rockpoolXylo().nodes,
          '2_LinearTorch': { type: 'Linear', weight: { shape: [2, 4], data: new Float32Array(8) } },
        },
      },
      /node '2_LinearTorch' \(Linear\): takes 4 inputs, gets an activation of shape \[3\]/,
    ],
    [
      { ...sinabsConvIaf(), nodes: { ...sinabsConvIaf().nodes, input: { type: 'Input', shape: [16] } } },
      /node 'conv' \(Conv2d\): needs an input \[C, H, W\], gets an activation of shape \[16\]/,
    ],
    [
      {
        ...snnTorchSynaptic(),
        edges: [...snnTorchSynaptic().edges, ['input', 'dangling']],
        nodes: {
          ...snnTorchSynaptic().nodes,
          dangling: { type: 'Scale', scale: { shape: [1], data: Float32Array.of(1) } },
        },
      },
      /node 'dangling' \(Scale\) does not lead to the Output 'output'/,
    ],
    [
      {
        ...norseLifCell(),
        nodes: {
          ...norseLifCell().nodes,
          cell: {
            ...(norseLifCell().nodes['cell'] as object),
            tau_mem: { shape: [3], data: Float32Array.of(1e-5, 1e-5, 1e-5) },
          } as unknown as NirGraphNode,
        },
      },
      /node 'cell' \(CubaLIF\): tau_mem = 0\.00001 gives a per-step leak dt\/tau_mem = 10 outside \(0, 1\]; check --tau-unit and --dt/,
    ],
  ];
  for (const [g, pattern] of cases)
    assert.match(
      refusal(() => loadNirProgram(g)),
      pattern,
    );
  const x = new Float64Array(6);
  assert.match(
    refusal(() => loadNirProgram(snnTorchSynaptic()).program.run(x, [2, 1, 2, 1], 'none', 'x.npy')),
    /^x\.npy: expected \[T, B, 3\] or \[T, 3\], got \[2, 1, 2, 1\]/,
  );
});

test("spikerep's own files: the executor follows DSR's rule (subtract, fire on ≥) and sees the spikes spikerep's layers see", () => {
  const runs = [
    ['if', 'auto'],
    ['lif', 'auto'],
    ['cubalif', 'auto'],
    ['if', 'subtract'],
    ['if', 'value'],
    ['lif', 'value'],
  ] as const;
  for (const [kind, reset] of runs) {
    const g = exportNir(smallNet(kind));
    const imp = importNir(reference, g, { reset });
    assert.equal(imp.engine, 'chain');
    const { T } = imp.net;
    const N = 8;
    const x = randomImages(N);
    const logits = imp.net.forward({ shape: [N, ...INPUT], data: x }, { training: false, rng: new Rng(0) }).data;
    // the same image every step, channels first ([1, 8, 8])
    const xs = Float64Array.from({ length: T * N * 64 }, (_, i) => x[i % (N * 64)]!);
    const spikes = imp.program.run(xs, [T, N, 1, 8, 8]).output;
    // spikerep's readout: Σ_t w_t · (spike amplitude) · z_t, with the last neuron's representation weights
    const last = Object.values(g.nodes)
      .filter((n) => n.metadata?.['spike_amplitude'] !== undefined)
      .pop()!;
    const amplitude = reset === 'value' ? 1 : (last.metadata!['spike_amplitude'] as number);
    const w = representationWeights(neuronModel((imp.net.readout as RateReadout).opts.config), T);
    let fired = 0;
    for (let b = 0; b < N; b++)
      for (let c = 0; c < 10; c++) {
        let s = 0;
        for (let t = 0; t < T; t++) s += w[t]! * spikes[(t * N + b) * 10 + c]!;
        fired += s > 0 ? 1 : 0;
        assert.ok(Math.abs(logits[b * 10 + c]! - amplitude * s) < 1e-5, `${kind}/${reset}: sample ${b} class ${c}`);
      }
    assert.ok(fired > 0, `${kind}/${reset}: the output layer fires`);
  }
});

test('a Conv2d first layer with input_shape fixes a placeholder Input too; an Input that nothing contradicts stays', () => {
  const g = sinabsConvIaf();
  const conv = node(g, 'conv', 'Conv2d');
  const placeholder: NirGraph = {
    ...g,
    nodes: { ...g.nodes, input: { type: 'Input', shape: [1] }, conv: { ...conv, input_shape: [4, 4] } },
  };
  const { program, warnings } = loadNirProgram(placeholder, {}, 'm.nir');
  assert.deepEqual(program.inputShape, [1, 4, 4]);
  assert.deepEqual(warnings, [
    "m.nir: node 'input' (Input) declares shape [1], but 'conv' (Conv2d) takes an input [1, 4, 4]: reading the input as [1, 4, 4]",
  ]);
  assert.deepEqual(loadNirProgram(g).warnings, []);
});

test('the convention flags override NIR’s defaults: --tau-unit steps (Sinabs LIF), --if-r inverse-dt, --compare >=', () => {
  // Sinabs writes LIF τ in steps: τ = 4 steps is a leak of 1/4 per step
  const lif: NirGraph = {
    nodes: {
      input: { type: 'Input', shape: [1] },
      lif: { type: 'LIF', tau: full(1, 4), r: full(1, 1), v_leak: full(1, 0), v_threshold: full(1, 0.5) },
      output: { type: 'Output', shape: [1] },
    },
    edges: [
      ['input', 'lif'],
      ['lif', 'output'],
    ],
    metadata: {},
  };
  const T = 6;
  const x = new Float64Array(T).fill(1);
  let v = 0;
  const want = Array.from({ length: T }, () => {
    v = 0.75 * v + 0.25 * 1;
    const z = v > 0.5 ? 1 : 0;
    if (z) v = 0;
    return z;
  });
  assert.deepEqual(want, [0, 0, 1, 0, 0, 1]);
  assert.deepEqual(Array.from(loadNirProgram(lif, { tauUnit: 'steps' }).program.run(x, [T, 1]).output), want);
  // read as seconds with dt = 1e-4, τ = 4 s barely leaks and never reaches 0.5 in 6 steps
  assert.deepEqual(Array.from(loadNirProgram(lif).program.run(x, [T, 1]).output), [0, 0, 0, 0, 0, 0]);
  // IF with r = 1: one step adds r·I (auto) or r·dt·I (--if-r inverse-dt)
  const iaf: NirGraph = {
    ...lif,
    nodes: { ...lif.nodes, lif: { type: 'IF', r: full(1, 1), v_threshold: full(1, 1) } },
  };
  assert.deepEqual(Array.from(loadNirProgram(iaf).program.run(x, [T, 1]).output), [0, 1, 0, 1, 0, 1]);
  assert.deepEqual(
    Array.from(loadNirProgram(iaf, { ifR: 'inverse-dt' }).program.run(x, [T, 1]).output),
    [0, 0, 0, 0, 0, 0],
  );
  // at exactly the threshold: NIR's '>' stays silent, '>=' fires
  const gate: NirGraph = {
    ...lif,
    nodes: { ...lif.nodes, lif: { type: 'Threshold', threshold: full(1, 1) } },
  };
  assert.deepEqual(Array.from(loadNirProgram(gate).program.run(x, [T, 1]).output), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(
    Array.from(loadNirProgram(gate, { compare: '>=' }).program.run(x, [T, 1]).output),
    [1, 1, 1, 1, 1, 1],
  );
});
