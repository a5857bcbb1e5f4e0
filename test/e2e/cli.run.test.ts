/** `spikerep run`: a checkpoint and its NIR export run on a user's .npy input, traces, and the one-line errors. */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NirArray, NirGraph } from '../../src/export/nir-graph.js';
import { readNir, writeNir } from '../../src/export/nir-h5.js';
import { importNir, loadNirProgram } from '../../src/export/nir-import.js';
import { npyBytes, readNpy, writeNpy } from '../../src/io/npy.js';
import { reference } from '../../src/kernels/reference/index.js';
import type { Network } from '../../src/nn/network.js';
import { neuronLayers } from '../../src/nn/walk.js';
import { Rng } from '../../src/rng.js';
import { modelFromCheckpoint } from '../../src/train/state.js';
import { networkAtT } from '../../src/train/t-sweep.js';
import { cliArgs } from '../support/cli.command.js';
import { recurrentNested } from '../support/nir-foreign.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-run-'));
const { path: ckpt, config } = fixtureCheckpoint(join(tmp, 'ck'), 'if');
const T = 3; // not the trained T (4): T comes from the input
const B = 2;
const rng = new Rng(11);
const x = Float32Array.from({ length: T * B * 28 * 28 }, () => rng.uniform());
const input = join(tmp, 'in.npy');
writeNpy(input, [T, B, 1, 28, 28], x, 'test input');

/** The network's logits on x in-process (one channel: NIR's and spikerep's layouts hold the same numbers). */
function logitsOf(net: Network): Float32Array {
  const out = net.forward(
    { shape: [T * B, 28, 28, 1], data: Float32Array.from(x) },
    { training: false, rng: new Rng(0), encoding: 'time-major' },
  );
  return Float32Array.from(net.k.toHost(out.data));
}

/** An IF readout is the mean over T of the last layer's spikes times their height. */
function assertOutputGivesLogits(out: Float32Array, logits: Float32Array, height: number): void {
  assert.ok(
    out.every((v) => v === 0 || v === 1),
    'unit spikes',
  );
  assert.ok(
    out.some((v) => v === 1),
    'the fixture spikes',
  );
  for (let b = 0; b < B; b++)
    for (let j = 0; j < 10; j++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += out[(t * B + b) * 10 + j]!;
      assert.ok(Math.abs((s / T) * height - logits[b * 10 + j]!) < 1e-5, `sample ${b}, class ${j}`);
    }
}

test('run CHECKPOINT: the output per step gives the in-process logits; --record all writes every trace', () => {
  const out = join(tmp, 'ck-out.npy');
  const r = cli('run', ckpt, '--input', input, '--out', out, '--record', 'all', '--backend', 'reference');
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /^ran .*best\.ckpt \(checkpoint\) for T=3 steps on 2 samples\nwrote .*ck-out\.npy \[3, 2, 10\]\n/,
  );
  const y = readNpy(out, 'out');
  assert.deepEqual(y.shape, [T, B, 10]);
  const { net: trained } = modelFromCheckpoint(reference, ckpt);
  const net = networkAtT(reference, trained, config, T);
  const neurons = neuronLayers(net.body);
  assertOutputGivesLogits(y.data, logitsOf(net), neurons.at(-1)!.spikeMagnitude());

  const index = JSON.parse(readFileSync(join(tmp, 'ck-out.traces.json'), 'utf8')) as {
    traces: { node: string; kind: string; file: string; shape: number[] }[];
  };
  assert.equal(index.traces.length, 2 * neurons.length);
  for (const t of index.traces) assert.ok(existsSync(join(tmp, t.file)), t.file);
  // the last layer's spike trace is the output; the first conv layer's is channels first [T, B, C, H, W]
  const last = index.traces.find((t) => t.node === neurons.at(-1)!.opts.name && t.kind === 'spikes')!;
  assert.deepEqual(readNpy(join(tmp, last.file), 'trace').data, y.data);
  const first = neurons[0]!;
  const spikes = readNpy(join(tmp, `ck-out.${first.opts.name}.spikes.npy`), 'trace');
  const membrane = readNpy(join(tmp, `ck-out.${first.opts.name}.membrane.npy`), 'trace');
  const [, , C, H, W] = spikes.shape as [number, number, number, number, number];
  assert.equal(spikes.shape.length, 5);
  assert.ok(C > 1);
  // the membrane is read before the reset: a neuron fires exactly where it reaches α·Vth
  const c = first.opts.config;
  const level = Math.fround(Math.fround(c.alpha) * Math.fround(first.vth.value[0]!));
  let fired = 0;
  for (let i = 0; i < spikes.data.length; i++) {
    assert.equal(spikes.data[i], membrane.data[i]! >= level ? 1 : 0, `element ${i}`);
    fired += spikes.data[i]!;
  }
  assert.ok(fired > 0);
  // one sample at a time gives the same numbers, stitched back in place
  const one = cli(
    'run',
    ckpt,
    '--input',
    input,
    '--out',
    join(tmp, 'b1.npy'),
    '--record',
    'all',
    '--batch-size',
    '1',
    '--backend',
    'reference',
  );
  assert.equal(one.code, 0, one.err);
  assert.deepEqual(readNpy(join(tmp, 'b1.npy'), 'out'), y);
  assert.deepEqual(readNpy(join(tmp, `b1.${first.opts.name}.membrane.npy`), 'trace'), membrane);
  // channels first: element [t, b, c, h, w] is the layer's channels-last output at [t·B + b, h, w, c]
  const seen: Float32Array[] = [];
  const orig = first.forward;
  first.forward = (inp, ctx) => {
    const o = orig.call(first, inp, ctx);
    seen.push(Float32Array.from(reference.toHost(o.data)));
    return o;
  };
  logitsOf(net);
  const hwc = seen[0]!;
  const height = first.spikeMagnitude();
  for (const [t, b, ch, h, w] of [
    [0, 0, 0, 0, 0],
    [2, 1, C - 1, H - 1, W - 1],
    [1, 0, 3, 5, 7],
  ] as const) {
    const cf = spikes.data[(((t * B + b) * C + ch) * H + h) * W + w]!;
    assert.equal(cf * height, hwc[(((t * B + b) * H + h) * W + w) * C + ch]);
  }
});

test('run GRAPH.nir: the exported graph on the same input gives the imported network’s logits and the checkpoint’s spikes', async () => {
  const nir = join(tmp, 'model.nir');
  assert.equal(cli('export', '--checkpoint', ckpt, '--out', nir).code, 0);
  const one = join(tmp, 'one.npy');
  writeNpy(one, [T, 1, 28, 28], x.subarray(0, T * 28 * 28), 'single-sample input');
  const r1 = cli('run', nir, '--input', one, '--out', join(tmp, 'one-out.npy'), '--backend', 'reference');
  assert.equal(r1.code, 0, r1.err);
  assert.deepEqual(readNpy(join(tmp, 'one-out.npy'), 'out').shape, [T, 10]);

  const out = join(tmp, 'nir-out.npy');
  const r = cli('run', nir, '--input', input, '--out', out, '--record', 'spikes', '--backend', 'reference');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\(NIR graph\) for T=3 steps on 2 samples\nwrote .*nir-out\.npy \[3, 2, 10\]\n/);
  // one line per file written: the output, each trace, the index
  const wrote = r.out.split('\n').filter((l) => l.startsWith('wrote '));
  assert.equal(wrote.length, 1 + 4 + 1, r.out);
  assert.match(wrote[5]!, /^wrote .*nir-out\.traces\.json: the 4 traces$/);
  const y = readNpy(out, 'out').data;
  const { net } = importNir(reference, await readNir(nir), { T }, nir);
  assertOutputGivesLogits(y, logitsOf(net), neuronLayers(net.body).at(-1)!.spikeMagnitude());
  const fromCheckpoint = readNpy(join(tmp, 'ck-out.npy'), 'out').data;
  let same = 0;
  for (let i = 0; i < y.length; i++) same += y[i] === fromCheckpoint[i] ? 1 : 0;
  assert.ok(same >= 0.99 * y.length, `${same}/${y.length} spikes as the checkpoint's`);
});

test("run a foreign graph (LIF, NIR's reset to v_reset): spikes and membrane counted by hand", async () => {
  const f = (v: number): NirArray => ({ shape: [1], data: Float32Array.of(v) });
  const g: NirGraph = {
    nodes: {
      input: { type: 'Input', shape: [1] },
      fc: { type: 'Affine', weight: { shape: [1, 1], data: Float32Array.of(1) }, bias: f(0) },
      'lif:0': { type: 'LIF', tau: f(2e-4), r: f(1), v_leak: f(0), v_threshold: f(0.7), v_reset: f(0) },
      output: { type: 'Output', shape: [1] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'lif:0'],
      ['lif:0', 'output'],
    ],
    metadata: {},
  };
  const nir = join(tmp, 'lif.nir');
  await writeNir(g, nir);
  // [T = 4, B = 2, 1]: sample 0 gets 1, 0, 2, 1; sample 1 gets 1 at every step
  writeNpy(join(tmp, 'lif-in.npy'), [4, 2, 1], Float32Array.of(1, 1, 0, 1, 2, 1, 1, 1), 'input');
  const out = join(tmp, 'lif-out.npy');
  const r = cli(
    'run',
    nir,
    '--input',
    join(tmp, 'lif-in.npy'),
    '--out',
    out,
    '--record',
    'all',
    '--backend',
    'reference',
  );
  assert.equal(r.code, 0, r.err);
  // dt/τ = 0.5: v ← v/2 + x/2, fire above 0.7, then v = 0
  // sample 0: 0.5, 0.25, 1.125↯, 0.5; sample 1: 0.5, 0.75↯, 0.5, 0.75↯
  assert.deepEqual(Array.from(readNpy(out, 'out').data), [0, 0, 0, 1, 1, 0, 0, 1]);
  const index = JSON.parse(readFileSync(join(tmp, 'lif-out.traces.json'), 'utf8')) as {
    batch: number;
    traces: { node: string; kind: string; file: string; shape: number[] }[];
  };
  assert.equal(index.batch, 2);
  assert.deepEqual(
    index.traces.map((t) => [t.node, t.kind, t.file, t.shape]),
    [
      ['lif:0', 'spikes', 'lif-out.lif_0.spikes.npy', [4, 2, 1]],
      ['lif:0', 'membrane', 'lif-out.lif_0.membrane.npy', [4, 2, 1]],
    ],
  );
  const v = readNpy(join(tmp, 'lif-out.lif_0.membrane.npy'), 'membrane').data;
  const want = [0.5, 0.5, 0.25, 0.75, 1.125, 0.5, 0.5, 0.75];
  want.forEach((w, i) => assert.ok(Math.abs(v[i]! - w) < 1e-6, `membrane ${i}: ${v[i]} vs ${w}`));
});

test('run a recurrent graph (nested CubaLIF with a recurrent edge): the executor, spikes and membranes as loadNirProgram gives them', async () => {
  const g = recurrentNested();
  const nir = join(tmp, 'rec.nir');
  await writeNir(g, nir);
  const { program } = loadNirProgram(g, {}, nir);
  const steps = 6;
  const n = program.inputShape.reduce((a, b) => a * b, 1);
  const xin = Float32Array.from({ length: steps * n }, (_, i) => ((i * 7) % 5) / 2);
  writeNpy(join(tmp, 'rec-in.npy'), [steps, ...program.inputShape], xin, 'input');
  const out = join(tmp, 'rec-out.npy');
  const r = cli('run', nir, '--input', join(tmp, 'rec-in.npy'), '--out', out, '--record', 'all');
  assert.equal(r.code, 0, r.err);
  const want = program.run(xin, [steps, ...program.inputShape], 'all');
  const got = readNpy(out, 'out');
  assert.deepEqual(got.shape, [...want.shape]); // one sample: [T, …out]
  assert.deepEqual(Array.from(got.data), Array.from(want.output));
  const index = JSON.parse(readFileSync(join(tmp, 'rec-out.traces.json'), 'utf8')) as {
    traces: { node: string; kind: string; file: string }[];
  };
  const membrane = index.traces.find((t) => t.kind === 'membrane');
  assert.ok(membrane !== undefined, 'a membrane trace');
  const wantMembrane = want.traces.find((t) => t.node === membrane.node && t.kind === 'membrane')!;
  assert.deepEqual(Array.from(readNpy(join(tmp, membrane.file), 'membrane').data), Array.from(wantMembrane.data));
});

test('bad inputs: one line naming the file or flag, exit code 1', () => {
  const junk = join(tmp, 'junk.bin');
  writeFileSync(junk, 'hello, not numpy');
  const flat = join(tmp, 'flat.npy');
  writeNpy(flat, [4, 784], new Float32Array(4 * 784), 'flat');
  const complex = join(tmp, 'complex.npy');
  const c = npyBytes([2], new Float32Array(2));
  c.set(new TextEncoder().encode("'<c8'"), c.indexOf(0x27, 18)); // '<f4' → '<c8' in the header
  writeFileSync(complex, c);
  const out = join(tmp, 'bad-out.npy');
  for (const [args, pattern] of [
    [[ckpt, '--input', join(tmp, 'missing.npy')], /^spikerep: .*missing\.npy: --input file not found/],
    [[ckpt, '--input', junk], /^spikerep: .*junk\.bin: not a NumPy \.npy file/],
    [[ckpt, '--input', complex], /^spikerep: .*complex\.npy: dtype '<c8' is not supported/],
    [
      [ckpt, '--input', flat],
      /^spikerep: --input: expected \[T, 1, 28, 28\] or \[T, B, 1, 28, 28\] for this checkpoint, got \[4, 784\]/,
    ],
    [[junk, '--input', input], /^spikerep: .*junk\.bin: neither a NIR graph \(HDF5\) nor a spikerep checkpoint/],
    [[join(tmp, 'nope.nir'), '--input', input], /^spikerep: .*nope\.nir: graph file not found/],
    [[ckpt, '--input', input, '--dt', '0.001'], /^spikerep: --dt: applies to NIR graphs only/],
    [[ckpt, '--input', input, '--record', 'voltage'], /^spikerep: --record: expected one of membrane\|spikes\|all/],
  ] as const) {
    const r = cli('run', ...args, '--out', out, '--backend', 'reference');
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.out}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  assert.equal(existsSync(out), false);
});
