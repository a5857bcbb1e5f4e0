/**
 * Each noise of the robustness sweep on inputs with a known answer: what p = 0 and p = 1 do, what jitter keeps,
 * that weight noise puts the weights back, that threshold variation fires where a neuron with the varied threshold
 * fires (simulated here directly), and that the levels are checked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpikingNeuron } from '../../src/nn/neuron-layer.js';
import type { Param } from '../../src/nn/param.js';
import { evalMode, type RunMode, trainMode } from '../../src/nn/run-mode.js';
import { Rng } from '../../src/rng.js';
import { gaussianNoise, perturbInIntensities, saltAndPepper } from '../../src/robustness/input-noise.js';
import { parseKinds, parseNoiseSetting } from '../../src/robustness/kinds.js';
import { spikeNoise, thresholdNoise } from '../../src/robustness/neuron-hooks.js';
import { addSpikes, deleteSpikes, jitterSpikes } from '../../src/robustness/spike-noise.js';
import { perturbWeights, stdOf } from '../../src/robustness/weight-noise.js';
import { ifConfig } from '../../src/snn/config.js';
import { tensor } from '../../src/tensor.js';
import { trainConfig } from '../../src/train/config.js';
import { testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();

/** T·n spikes of magnitude v, each (neuron, step) on with probability `rate`. */
function spikeTrain(T: number, n: number, rate: number, v: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return new Float32Array(T * n).map(() => (rng.uniform() < rate ? v : 0));
}

const count = (y: Float32Array): number => y.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);

describe('spike deletion', () => {
  it('p = 0 keeps every spike, p = 1 removes every spike', () => {
    const y = spikeTrain(4, 500, 0.3, 2, 1);
    const kept = y.slice();
    deleteSpikes(kept, 0, new Rng(2));
    assert.deepEqual(kept, y);
    const none = y.slice();
    deleteSpikes(none, 1, new Rng(2));
    assert.equal(count(none), 0);
  });
  it('p = 0.25 removes about a quarter of the spikes and adds none', () => {
    const y = spikeTrain(4, 5000, 0.3, 2, 3);
    const before = count(y);
    const d = y.slice();
    deleteSpikes(d, 0.25, new Rng(4));
    for (let i = 0; i < y.length; i++) assert.ok(d[i] === y[i] || d[i] === 0);
    const removed = (before - count(d)) / before;
    // binomial: σ = √(0.25·0.75/6000) ≈ 0.0056; 5σ
    assert.ok(Math.abs(removed - 0.25) < 0.028, `removed ${removed}`);
  });
});

describe('extra spikes', () => {
  it('rate 0 changes nothing, rate 1 fires every neuron at every step with the spike magnitude', () => {
    const y = spikeTrain(2, 300, 0.2, 1.5, 5);
    const same = y.slice();
    addSpikes(same, 0, 1.5, new Rng(6));
    assert.deepEqual(same, y);
    const all = y.slice();
    addSpikes(all, 1, 1.5, new Rng(6));
    assert.ok(all.every((v) => v === 1.5));
  });
  it('rate 0.1 turns about a tenth of the silent steps into spikes and keeps every spike', () => {
    const y = spikeTrain(4, 5000, 0.2, 1, 7);
    const silent = y.length - count(y);
    const e = y.slice();
    addSpikes(e, 0.1, 1, new Rng(8));
    for (let i = 0; i < y.length; i++) if (y[i] !== 0) assert.equal(e[i], y[i]);
    const added = (count(e) - count(y)) / silent;
    assert.ok(Math.abs(added - 0.1) < 0.011, `added ${added}`); // σ ≈ 0.0024
  });
});

describe('spike jitter', () => {
  it("keeps every neuron's spike count and charge, moves no spike further than ±k, stays inside the window", () => {
    const T = 8;
    const n = 400;
    const y = spikeTrain(T, n, 0.3, 1, 9);
    const j = y.slice();
    jitterSpikes(j, T, 2, new Rng(10));
    assert.notDeepEqual(j, y, 'some spikes moved');
    for (let i = 0; i < n; i++) {
      let before = 0;
      let after = 0;
      for (let t = 0; t < T; t++) {
        before += y[t * n + i]!;
        after += j[t * n + i]!;
      }
      assert.equal(after, before, `neuron ${i}`);
    }
  });
  it('a single spike lands within ±k of its step, clamped to the window', () => {
    const T = 6;
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      for (const t0 of [0, 3, 5]) {
        const y = new Float32Array(T);
        y[t0] = 1;
        jitterSpikes(y, T, 2, new Rng(seed));
        const t = y.indexOf(1);
        assert.equal(count(y), 1);
        assert.ok(t >= Math.max(0, t0 - 2) && t <= Math.min(T - 1, t0 + 2), `from ${t0} to ${t}`);
        if (t0 === 3) seen.add(t);
      }
    }
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5], 'every shift in ±2 occurs');
  });
  it('k = 0 and T = 1 leave the train as it is', () => {
    const y = spikeTrain(4, 100, 0.5, 1, 11);
    const a = y.slice();
    jitterSpikes(a, 4, 0, new Rng(1));
    assert.deepEqual(a, y);
    const b = y.slice();
    jitterSpikes(b, 1, 3, new Rng(1));
    assert.deepEqual(b, y);
  });
});

describe('input noise', () => {
  it('Gaussian σ = 0 is the identity; σ = 0.05 on mid-grey has that standard deviation and stays in [0, 1]', () => {
    const x = new Float32Array(20000).fill(0.5);
    gaussianNoise(x, 0, new Rng(1));
    assert.ok(x.every((v) => v === 0.5));
    gaussianNoise(x, 0.05, new Rng(1));
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    assert.ok(Math.abs(mean - 0.5) < 0.002, `mean ${mean}`);
    assert.ok(Math.abs(stdOf(x) - 0.05) < 0.002, `std ${stdOf(x)}`);
    const big = new Float32Array(1000).fill(0.9);
    gaussianNoise(big, 2, new Rng(2));
    assert.ok(big.every((v) => v >= 0 && v <= 1));
  });
  it('salt-and-pepper: fraction 0 is the identity, fraction 1 sets every value to 0 or 1 at even odds', () => {
    const x = new Float32Array(10000).fill(0.3);
    saltAndPepper(x, 0, new Rng(3));
    assert.ok(x.every((v) => Math.abs(v - 0.3) < 1e-7));
    saltAndPepper(x, 1, new Rng(3));
    const ones = x.filter((v) => v === 1).length;
    assert.equal(x.filter((v) => v === 0).length + ones, x.length);
    assert.ok(Math.abs(ones / x.length - 0.5) < 0.025);
  });
  it('a normalised batch is perturbed in intensities: black pixels become (0 − mean)/std, others come back', () => {
    const stats = { mean: [0.1307], std: [0.3081] };
    const intensities = [0, 0.25, 1];
    const x = new Float32Array(intensities.map((v) => (v - 0.1307) / 0.3081));
    perturbInIntensities(x, { normalized: true, stats }, () => {});
    intensities.forEach((v, i) => assert.ok(Math.abs(x[i]! - (v - 0.1307) / 0.3081) < 1e-6));
    perturbInIntensities(x, { normalized: true, stats }, (z) => z.fill(0));
    assert.ok(x.every((v) => Math.abs(v - (0 - 0.1307) / 0.3081) < 1e-6));
  });
});

describe('weight noise', () => {
  const param = (name: string, role: Param['role'], values: number[]): Param => ({
    name,
    role,
    shape: [values.length],
    value: Float32Array.from(values),
    grad: new Float32Array(values.length),
    decay: true,
  });
  const rng = new Rng(12);
  const big = Array.from({ length: 20000 }, () => 3 * rng.normal());

  it('σ = 0 is the identity; the restore puts back the exact weights after σ > 0', () => {
    const ps = [param('a.weight', 'weight', big), param('a.bias', 'bias', [1, 2, 3])];
    const before = ps.map((p) => p.value.slice());
    perturbWeights(k, ps, 0, new Rng(1))();
    ps.forEach((p, i) => assert.deepEqual(p.value, before[i]));
    const restore = perturbWeights(k, ps, 0.2, new Rng(1));
    assert.notDeepEqual(ps[0]!.value, before[0]);
    assert.deepEqual(ps[1]!.value, before[1], 'biases are left alone');
    restore();
    ps.forEach((p, i) => assert.deepEqual(p.value, before[i]));
  });
  it("the noise's standard deviation is σ times the layer's own weight std", () => {
    const p = param('w', 'weight', big);
    const before = p.value.slice();
    const sigma = 0.3;
    perturbWeights(k, [p], sigma, new Rng(2));
    const diff = p.value.map((v, i) => v - before[i]!);
    const ratio = stdOf(diff) / stdOf(before);
    assert.ok(Math.abs(ratio - sigma) < 0.01, `ratio ${ratio}`);
  });
});

describe('threshold variation', () => {
  it('fires exactly where IF neurons with thresholds Vth·f_i fire (at α·Vth·f_i, subtracting Vth·f_i), each spike carrying the nominal Vth', () => {
    const vth = 1;
    const T = 6;
    const B = 3;
    const features = 50;
    const alpha = 0.5;
    const layer = new SpikingNeuron({ k }, { name: 'n', config: ifConfig({ vth, alpha }), mode: 'dsr' });
    const hook = thresholdNoise(0.3, new Rng(13));
    layer.perturbation = hook;
    const rng = new Rng(14);
    const x = new Float32Array(T * B * features).map(() => 0.8 * rng.uniform());
    const ctx = { k, T, batch: B, rng: new Rng(0), mode: evalMode(T) };
    const xb = k.alloc(x.length);
    xb.set(x);
    k.fromHost(xb);
    const y = layer.forward(tensor([T * B, features], xb), ctx);
    k.toHost(y.data);
    const f = hook.factors()!;
    assert.equal(f.length, features);
    assert.ok(
      f.some((v) => Math.abs(v - 1) > 0.1),
      'factors vary',
    );
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < features; i++) {
        let u = 0;
        const v = vth * f[i]!;
        for (let t = 0; t < T; t++) {
          const at = (t * B + b) * features + i;
          u += x[at]!;
          const spike = u >= alpha * v * (1 - 1e-6); // the kernel compares the scaled current in float32
          if (spike) u -= v;
          assert.equal(y.data[at], spike ? vth : 0, `sample ${b}, neuron ${i}, step ${t}`);
        }
      }
    }
    k.free(xb);
  });
});

describe('the neuron hook', () => {
  it('off by default; a spike hook removed leaves the layer computing what it computed before', () => {
    const layer = new SpikingNeuron({ k }, { name: 'n', config: ifConfig({ vth: 1 }), mode: 'dsr' });
    assert.equal(layer.perturbation, null);
    const T = 4;
    const rng = new Rng(15);
    const xb = k.alloc(T * 64);
    xb.set(new Float32Array(T * 64).map(() => 1.2 * rng.uniform()));
    k.fromHost(xb);
    const ctx = { k, T, batch: 1, rng: new Rng(0), mode: evalMode(T) };
    const run = (): Float32Array => {
      const y = layer.forward(tensor([T, 64], xb), ctx);
      k.toHost(y.data);
      return y.data.slice();
    };
    const clean = run();
    layer.perturbation = spikeNoise('deletion', 1, new Rng(1));
    assert.equal(count(run()), 0, 'deletion p = 1 through the hook');
    layer.perturbation = null;
    assert.deepEqual(run(), clean);
    k.free(xb);
  });
});

describe('noise-aware training', () => {
  it('the training hook acts in training passes only', () => {
    const layer = new SpikingNeuron({ k }, { name: 'n', config: ifConfig({ vth: 1 }), mode: 'dsr' });
    const T = 2;
    const xb = k.alloc(T * 32);
    xb.fill(1.5);
    k.fromHost(xb);
    layer.perturbation = spikeNoise('deletion', 1, new Rng(1), true);
    const spikes = (mode: RunMode): number => {
      const y = layer.forward(tensor([T, 32], xb), { k, T, batch: 1, rng: new Rng(0), mode });
      k.toHost(y.data);
      const n = count(y.data);
      layer.releaseCache();
      return n;
    };
    assert.equal(spikes(evalMode(T)), T * 32, 'evaluation sees every spike');
    assert.equal(spikes(trainMode(T)), 0, 'training sees them deleted');
    k.free(xb);
  });
});

describe('noise settings', () => {
  it('parses KIND:LEVEL and names the option in one line when it is wrong', () => {
    assert.deepEqual(parseNoiseSetting('gaussian:0.2', '--train-noise'), { kind: 'gaussian', level: 0.2 });
    assert.throws(() => parseNoiseSetting('deletion:1.5', '--x'), /--x: deletion level \(p\) must be in \[0, 1\]/);
    assert.throws(() => parseNoiseSetting('jitter:0.5', '--x'), /must be an integer ≥ 0/);
    assert.throws(() => parseNoiseSetting('fog:1', '--x'), /expected KIND:LEVEL/);
    assert.deepEqual(parseKinds('weight,deletion', '--kinds'), ['deletion', 'weight']);
    assert.throws(() => parseKinds('deletion,fog', '--kinds'), /--kinds: expected noise kinds among/);
  });
  it('the trainNoise setting takes the per-batch kinds and refuses the device kinds', () => {
    assert.equal(trainConfig({ trainNoise: 'deletion:0.1' }).trainNoise, 'deletion:0.1');
    assert.throws(() => trainConfig({ trainNoise: 'weight:0.1' }), /trainNoise: expected KIND:LEVEL with KIND one of/);
  });
});
