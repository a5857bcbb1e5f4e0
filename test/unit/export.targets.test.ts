/**
 * Hardware targets (export/target*.ts): batch-norm folding against the unfolded layers in eval mode, the integer
 * format (levels, scales, thresholds in weight steps), every refusal as one line naming the layer and the limit,
 * and the CLI writing nothing (exit 2) for a network that does not fit.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { exportNir } from '../../src/export/nir-export.js';
import type { NirGraph } from '../../src/export/nir-graph.js';
import { importNir } from '../../src/export/nir-import.js';
import { nirConvToSpikerep } from '../../src/export/nir-layout.js';
import { agreement, predictDataset } from '../../src/export/predictions.js';
import { TargetRefusal } from '../../src/export/target.js';
import { deployForTarget } from '../../src/export/target-deploy.js';
import { graphForTarget } from '../../src/export/target-list.js';
import { Builder } from '../../src/models/builder.js';
import { neuronSpec } from '../../src/models/neurons.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import type { Conv2d } from '../../src/nn/conv2d.js';
import type { Layer } from '../../src/nn/layer.js';
import { Network } from '../../src/nn/network.js';
import { SpikingNeuron } from '../../src/nn/neuron-layer.js';
import { integerWeights, weightScales } from '../../src/nn/quant.js';
import { evalMode } from '../../src/nn/run-mode.js';
import { Sequential } from '../../src/nn/sequential.js';
import { layersOf } from '../../src/nn/walk.js';
import { Rng } from '../../src/rng.js';
import { tensor } from '../../src/tensor.js';
import { runCli } from '../support/cli.in-process.js';
import { assertClose, randn } from '../support/gradcheck.js';
import { testKernels } from '../support/kernels.under-test.js';
import { type ConvDims, conv64 } from '../support/ref64.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const k = await testKernels();

/** A small conv → BN → IF → pool → flatten → linear → BN → IF network on [H, W, C] images, BN statistics set. */
function smallNet(
  opts: { H?: number; C?: number; neuron?: 'if' | 'lif'; alpha?: number; kernel?: number; outC?: number } = {},
): Network {
  const { H = 8, C = 1, neuron = 'if', alpha = 1, kernel = 3, outC = 4 } = opts;
  const spec = neuronSpec(neuron, { alpha });
  const b = new Builder(k, new Rng(3), spec);
  const flat = Math.floor(H / 2) * Math.floor(H / 2) * outC;
  const body = new Sequential([
    b.normed(b.conv('conv', C, outC, kernel), b.bn('bn1', outC)),
    b.neuron('sn1'),
    b.pool(2),
    b.flatten(),
    b.normed(b.linear('fc', flat, 3), b.bn('bn2', 3)),
    b.neuron('sn2'),
  ]);
  const net = new Network({ k, T: 4, body, readout: b.readout(), inputShape: [H, H, C], classes: 3 });
  const rng = new Rng(8);
  for (const l of layersOf(net.body)) {
    if (!(l instanceof BatchNorm)) continue;
    for (let c = 0; c < l.opts.channels; c++) {
      l.weight.value[c] = 0.5 + rng.uniform();
      l.bias.value[c] = 0.3 * rng.normal();
      l.runningMean[c] = 0.2 * rng.normal();
      l.runningVar[c] = 0.5 + rng.uniform();
    }
  }
  return net;
}

describe('batch-norm folding', () => {
  it("the folded conv gives the conv → BN block's eval-mode output", () => {
    const net = smallNet({ C: 2 });
    const graph = exportNir(net);
    const conv = graph.nodes['conv'];
    assert.ok(conv !== undefined && conv.type === 'Conv2d');
    const x = randn(new Rng(1), 2 * 8 * 8 * 2);
    const block = net.body.children()[0] as Layer;
    const ctx = { k, T: 1, batch: 2, rng: new Rng(0), mode: evalMode(1) };
    const unfolded = Float64Array.from(k.toHost(block.forward(tensor([2, 8, 8, 2], x), ctx).data));
    const d: ConvDims = { n: 2, h: 8, w: 8, c: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 };
    const folded = conv64(x, nirConvToSpikerep(conv.weight), conv.bias.data, d, 4);
    assertClose(folded, unfolded, { rtol: 1e-5 }, 'folded vs unfolded');
  });
});

describe('integer format', () => {
  const float = exportNir(smallNet());
  for (const target of ['generic', 'speck', 'loihi2'] as const) {
    it(`${target}: 8-bit integer weights, their scale, thresholds and biases in weight steps`, () => {
      const ints = graphForTarget(float, target);
      assert.equal(ints.metadata['target'], target);
      for (const [name, node] of Object.entries(ints.nodes)) {
        if (node.type !== 'Conv2d' && node.type !== 'Affine') continue;
        const s = node.metadata?.['weight_scale'] as number;
        assert.ok(s > 0, `${name} has its scale`);
        const fw = (float.nodes[name] as typeof node).weight.data;
        let largest = 0;
        for (let i = 0; i < fw.length; i++) {
          const q = node.weight.data[i]!;
          assert.ok(Number.isInteger(q) && Math.abs(q) <= 127, `${name}: ${q} is an int8`);
          assert.ok(Math.abs(q * s - fw[i]!) <= s / 2 + 1e-6 * s, `${name}: ${q}·${s} is the nearest step to ${fw[i]}`);
          largest = Math.max(largest, Math.abs(q));
        }
        assert.ok(largest >= 64, `${name} uses the range (largest level ${largest})`);
        const fb = (float.nodes[name] as typeof node).bias.data;
        node.bias.data.forEach((b, i) => {
          const exact = fb[i]! / s;
          if (target === 'generic') assert.ok(Math.abs(b - exact) <= 1e-5 * Math.max(1, Math.abs(exact)));
          else assert.equal(b, Math.round(exact));
        });
      }
      for (const [name, node] of Object.entries(ints.nodes)) {
        if (node.type !== 'IF') continue;
        const unit = node.metadata!['state_unit'] as number;
        const floatNode = float.nodes[name] as typeof node;
        const vth = floatNode.metadata!['subtract_amount'] as number;
        const theta = node.v_threshold.data[0]!;
        if (target === 'generic') assert.ok(Math.abs(theta - vth / unit) <= 1e-4 * theta, `${name} exact`);
        else {
          assert.equal(theta, Math.round(vth / unit), `${name}: the threshold rounded to a whole step`);
          assert.equal(node.metadata!['subtract_amount'], theta);
        }
        if (target === 'loihi2') {
          const e = node.metadata!['loihi_weight_exponent'] as number;
          assert.ok(e >= -8 && e <= 7);
          assert.ok((node.metadata!['loihi_vth_mantissa'] as number) < 2 ** 17);
        }
      }
    });
  }
});

/** The lines a target refuses `graph` with (none: []). */
function refusal(graph: NirGraph, target: 'speck' | 'xylo' | 'loihi2'): string[] {
  try {
    graphForTarget(graph, target);
    return [];
  } catch (e) {
    assert.ok(e instanceof TargetRefusal, String(e));
    return [...e.refusalLines];
  }
}

describe('refusals: every violated constraint, one line naming the layer and the limit', () => {
  it('speck: input map, kernel, channels, output map, padding, leak, bias range', () => {
    const big = exportNir(smallNet({ H: 130, kernel: 17, outC: 1025, neuron: 'lif' }));
    assert.deepEqual(refusal(big, 'speck'), [
      "input (Input): input map 130×130 exceeds Speck's 128×128",
      "conv (Conv2d): kernel 17×17 exceeds Speck's 16×16",
      "conv (Conv2d): 1025 output channels exceed Speck's 1024",
      "conv (Conv2d): output map 130×130 exceeds Speck's 64×64",
      "conv (Conv2d): padding 8×8 exceeds Speck's 7",
      "sn1 (LIF): Speck's neurons are integrate-and-fire (IAF) only: no leak, no synaptic current (use --neuron if)",
      "fc (Affine): kernel 65×65 exceeds Speck's 16×16",
      "fc (Affine): 1025 input channels exceed Speck's 1024",
      'fc (Affine): bias 67423 (in weight steps) exceeds the 16-bit neuron state (±32767)',
      "sn2 (LIF): Speck's neurons are integrate-and-fire (IAF) only: no leak, no synaptic current (use --neuron if)",
    ]);
  });

  it("speck: DSR's α < 1 fires below the amount it subtracts, which Speck's IAF cannot", () => {
    const lines = refusal(exportNir(smallNet({ alpha: 0.5 })), 'speck');
    assert.equal(lines.length, 2);
    for (const l of lines)
      assert.match(
        l,
        /^sn[12] \(IF\): fires at \d+ but subtracts \d+: Speck's IAF fires at its threshold and subtracts it \(train with --alpha 1\)$/,
      );
  });

  it('speck: more than 9 cores', () => {
    const spec = neuronSpec('if', { alpha: 1 });
    const b = new Builder(k, new Rng(3), spec);
    const layers: Layer[] = [];
    for (let i = 0; i < 10; i++) layers.push(b.conv(`c${i}`, 2, 2, 1), b.neuron(`n${i}`));
    const net = new Network({
      k,
      T: 2,
      body: new Sequential(layers),
      readout: b.readout(),
      inputShape: [4, 4, 2],
      classes: 2,
    });
    assert.deepEqual(refusal(exportNir(net), 'speck'), ["network: 10 conv/linear layers exceed Speck's 9 cores"]);
  });

  it('xylo: inputs, hidden and output neurons, IF, fan-out', () => {
    const lines = refusal(exportNir(smallNet()), 'xylo');
    assert.deepEqual(lines, [
      "input (Input): 64 input channels exceed Xylo's 16",
      "sn1 (IF): Xylo's neurons leak (LIF with bit-shift decay): integrate-and-fire has no leak (use --neuron lif)",
      "sn2 (IF): Xylo's neurons leak (LIF with bit-shift decay): integrate-and-fire has no leak (use --neuron lif)",
    ]);
    const lif = refusal(exportNir(smallNet({ H: 16, outC: 8, neuron: 'lif' })), 'xylo');
    assert.ok(lif.includes("input (Input): 256 input channels exceed Xylo's 16"), lif.join('\n'));
    assert.ok(lif.includes("network: 2048 hidden neurons exceed Xylo's 1000"), lif.join('\n'));
    assert.ok(
      lif.some((l) => /^conv \(Conv2d\): a neuron feeds up to \d+ neurons, beyond Xylo's fan-out of 64$/.test(l)),
      lif.join('\n'),
    );
  });

  it('loihi2: a decay beyond 12 bits', () => {
    const net = smallNet({ neuron: 'lif' });
    const graph = exportNir(net);
    for (const n of Object.values(graph.nodes)) if (n.type === 'LIF') n.metadata!['leak'] = 1e-5; // 4096·(1 − λ) ≈ 4096
    const lines = refusal(graph, 'loihi2');
    assert.deepEqual(lines, [
      "sn1 (LIF): voltage decay 4096/4096 per step exceeds Loihi 2's 12-bit 4095",
      "sn2 (LIF): voltage decay 4096/4096 per step exceeds Loihi 2's 12-bit 4095",
    ]);
  });
});

describe('export --target on the command line', () => {
  it('refuses a LIF network for speck: one line per layer, exit 2, no file', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'spikerep-target-'));
    const { path } = fixtureCheckpoint(join(tmp, 'ck'), 'lif');
    const out = join(tmp, 'm.nir');
    const r = await runCli(['export', '--checkpoint', path, '--target', 'speck', '--out', out]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    const lines = r.err.trimEnd().split('\n');
    assert.deepEqual(
      lines,
      ['features_2', 'features_6', 'classifier_2', 'classifier_5'].map(
        (n) =>
          `spikerep: ${n} (LIF): Speck's neurons are integrate-and-fire (IAF) only: no leak, no synaptic current (use --neuron if)`,
      ),
    );
    assert.equal(existsSync(out), false, 'nothing written');
  });
});

/** n noise images [8, 8, 1], three classes. */
function noiseImages(n: number): Dataset {
  const rng = new Rng(21);
  const data = new Float32Array(n * 64).map(() => rng.normal());
  return {
    name: 'noise',
    length: n,
    sampleShape: [8, 8, 1],
    classes: ['a', 'b', 'c'],
    stats: undefined,
    normalized: true,
    label: (i) => i % 3,
    read: (i, out, o) => out.set(data.subarray(i * 64, (i + 1) * 64), o),
  };
}

describe('a network trained with 8-bit per-layer weights (no batch-norm) round-trips through the integer format', () => {
  const spec = neuronSpec('if', { alpha: 1, vth: 1 });
  const b = new Builder(k, new Rng(4), spec, { bits: 8, scale: 'layer' });
  const conv = b.conv('conv', 1, 6, 3);
  const body = new Sequential([conv, b.neuron('sn1'), b.pool(2), b.flatten(), b.linear('fc', 96, 3), b.neuron('sn2')]);
  const net = new Network({ k, T: 4, body, readout: b.readout(), inputShape: [8, 8, 1], classes: 3 });
  const images = noiseImages(60);

  it('generic: the exported integers are the ones training ran on, and the predictions are identical', () => {
    const ints = graphForTarget(exportNir(net), 'generic');
    const node = ints.nodes['conv'];
    assert.ok(node !== undefined && node.type === 'Conv2d');
    const w = k.toHost(conv.weight.value);
    const trained = integerWeights(w, weightScales(w, 6, { bits: 8, scale: 'layer' }), 8);
    assert.deepEqual(Int32Array.from(nirConvToSpikerep(node.weight)), trained);
    const ours = predictDataset(net, images).predictions;
    assert.ok(new Set(ours).size > 1, 'the network tells images apart');
    const back = predictDataset(importNir(k, ints).net, images).predictions;
    assert.equal(agreement(ours, back), images.length);
  });
});

describe('deployment for a target: the network made into what the target runs', () => {
  const images = noiseImages(80);
  const logits = (net: Network): Float32Array => {
    const x = new Float32Array(images.length * 64);
    for (let i = 0; i < images.length; i++) images.read(i, x, i * 64);
    const out = net.forward(tensor([images.length, 8, 8, 1], x), { training: false, rng: new Rng(0) }).data;
    return Float32Array.from(k.toHost(out));
  };

  it('speck: weights on a power-of-two grid, thresholds whole steps, and the export computes the same sums scaled by a power of two', () => {
    const net = smallNet({ C: 1 });
    for (const l of layersOf(net.body)) if (l instanceof SpikingNeuron) l.vth.value[0] = 0.7; // so that it spikes
    const before = predictDataset(net, images).predictions;
    const { graph, layers } = deployForTarget(net, 'speck');
    assert.equal(layers.length, 2);
    for (const l of layers) {
      assert.ok(Number.isInteger(Math.log2(l.weightScale)), `${l.neuron}: a power-of-two scale`);
      assert.equal(l.vthAfter, l.thresholdSteps * l.weightScale);
    }
    // the deployed network's own export finds the integers it was given (deployForTarget checks it too)
    const integers = (g: NirGraph): unknown[] =>
      Object.values(g.nodes).map((n) =>
        'weight' in n ? [n.weight, 'bias' in n ? n.bias : null] : 'v_threshold' in n ? n.v_threshold : n.type,
      );
    assert.deepEqual(integers(graphForTarget(exportNir(net), 'speck')), integers(graph));
    const conv = net.body.children()[0]!.children()[0] as Conv2d;
    const s = layers[0]!.weightScale;
    assert.ok(conv.weight.value.every((v) => Number.isInteger(v / s) && Math.abs(v / s) <= 127));
    // the file's network computes the deployed one's sums divided by the last layer's scale: exactly
    const ours = logits(net);
    const theirs = logits(importNir(k, graph).net);
    const last = layers[1]!.weightScale;
    assert.ok(
      ours.some((v) => v !== 0),
      'the network spikes',
    );
    assert.deepEqual(
      ours,
      Float32Array.from(theirs, (v) => v * last),
    );
    const after = predictDataset(net, images).predictions;
    assert.ok(agreement(before, after) >= 0.8 * images.length, 'deployment keeps most predictions');
  });

  it('refuses, naming the layer, a neuron whose α the whole steps cannot keep', () => {
    const net = smallNet({ C: 1, alpha: 0.5 });
    assert.throws(() => deployForTarget(net, 'generic'), /deploy for generic: layer sn1: .*α = 0.5/);
  });
});
