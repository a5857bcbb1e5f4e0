/**
 * The recurrent spiking layer's gradients: the soft forward (σ in place of the step) and the analog (ReLU, clamp)
 * modes against central differences of a float64 recurrence written here, for the input currents, the recurrent
 * weight and the threshold; the hard forward with a zero recurrent weight against the BPTT neuron kernels, whose
 * surrogate backward is tested on its own (snn.bptt.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecurrentLif, type RecurrentMode } from '../../src/nn/recurrent-lif.js';
import { trainMode } from '../../src/nn/run-mode.js';
import { Rng } from '../../src/rng.js';
import { ifConfig, lifConfig, type NeuronConfig } from '../../src/snn/config.js';
import { surrogateBackwardAttrs, surrogateForwardAttrs } from '../../src/snn/description.js';
import { neuronModel } from '../../src/snn/model.js';
import { DEFAULT_SURROGATE_SLOPE } from '../../src/snn/surrogate.js';
import { assertClose, assertGrad, centralDiff, dot, f64, randn } from '../support/gradcheck.js';
import { testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();
const [T, B, H] = [5, 2, 3];
const SLOPE = DEFAULT_SURROGATE_SLOPE;

interface Problem {
  readonly x: Float64Array;
  readonly w: Float64Array;
  readonly vth: Float64Array;
}

/**
 * Σ coef·o of the recurrence, in float64, written from the definition: per sample, per step, the current vector
 * I[t] + W·o[t−1], then the neuron (soft: s = σ(slope·(u/V − α))) or the clamp.
 */
function loss64(cfg: NeuronConfig, mode: RecurrentMode | 'soft', p: Problem, coef: ArrayLike<number>): number {
  const V = p.vth[0]!;
  const leaky = cfg.kind === 'lif';
  const lambda = leaky ? Math.exp(-cfg.dt / cfg.tau) : 1;
  const gain = leaky ? 1 - lambda : 1;
  const scale = leaky ? 1 / cfg.dt : 1;
  let L = 0;
  for (let b = 0; b < B; b++) {
    let prev = new Float64Array(H);
    const v = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      const now = new Float64Array(H);
      for (let i = 0; i < H; i++) {
        let c = p.x[(t * B + b) * H + i]!;
        for (let j = 0; j < H; j++) c += p.w[i * H + j]! * prev[j]!;
        if (mode === 'relu' || mode === 'ann') {
          now[i] = Math.min(Math.max(c, 0), mode === 'ann' ? V : Infinity);
        } else {
          const u = lambda * v[i]! + gain * c;
          const s = 1 / (1 + Math.exp(-SLOPE * (u / V - cfg.alpha)));
          v[i] = u - V * s;
          now[i] = scale * V * s;
        }
        L += coef[(t * B + b) * H + i]! * now[i]!;
      }
      prev = now;
    }
  }
  return L;
}

function layerGradients(cfg: NeuronConfig, mode: RecurrentMode | 'soft', p: Problem, coef: Float32Array) {
  const layer = new RecurrentLif(
    { k, rng: new Rng(1) },
    {
      name: 'rnn',
      size: H,
      config: { ...cfg, vth: p.vth[0]! },
      mode: mode === 'soft' ? 'bptt' : mode,
      soft: mode === 'soft',
    },
  );
  layer.weight.value.set(p.w);
  k.fromHost(layer.weight.value);
  const ctx = { k, T, batch: B, rng: new Rng(2), mode: trainMode(T) };
  const x = k.alloc(T * B * H);
  x.set(p.x);
  k.fromHost(x);
  const y = layer.forward({ shape: [T * B, H], data: x }, ctx);
  const out = Float64Array.from(k.toHost(y.data));
  const dy = k.alloc(coef.length);
  dy.set(coef);
  k.fromHost(dy);
  const dx = layer.backward({ shape: [T * B, H], data: dy }, ctx);
  return {
    out,
    dx: f64(k.toHost(dx.data)),
    dw: f64(k.toHost(layer.weight.grad)),
    dvth: layer.vth.grad[0]!,
  };
}

function problem(seed: number, xScale: number, wScale: number, vth: number): Problem {
  const rng = new Rng(seed);
  return { x: f64(randn(rng, T * B * H, xScale)), w: f64(randn(rng, H * H, wScale)), vth: Float64Array.of(vth) };
}

describe('RecurrentLif gradients against float64 central differences', () => {
  const cases: { name: string; cfg: NeuronConfig; mode: RecurrentMode | 'soft'; p: Problem }[] = [
    { name: 'soft IF', cfg: ifConfig(), mode: 'soft', p: problem(3, 2, 0.3, 1) },
    { name: 'soft LIF', cfg: lifConfig(), mode: 'soft', p: problem(4, 4, 0.05, 0.3) },
    { name: 'ReLU', cfg: ifConfig(), mode: 'relu', p: problem(5, 1, 0.5, 6) },
    { name: 'clamp (ANN)', cfg: ifConfig(), mode: 'ann', p: problem(6, 1, 0.5, 0.8) },
  ];
  for (const c of cases) {
    it(`${c.name}: dL/dI, dL/dW_r and dL/dVth`, () => {
      const coef = randn(new Rng(9), T * B * H);
      const g = layerGradients(c.cfg, c.mode, c.p, coef);
      const f = (): number => loss64(c.cfg, c.mode, c.p, coef);
      // the layer's forward is the same recurrence
      assertClose([dot(g.out, coef)], [f()], { rtol: 1e-5 }, 'loss');
      assertGrad(g.dx, centralDiff(f, c.p.x, 1e-6), 'input');
      assertGrad(g.dw, centralDiff(f, c.p.w, 1e-6), 'recurrent weight');
      if (c.mode !== 'relu') {
        assert.notEqual(g.dvth, 0, 'the threshold has a gradient on this problem');
        assertGrad([g.dvth], centralDiff(f, c.p.vth, 1e-6), 'threshold');
      }
      // the recurrence matters: a zero recurrent weight changes the loss
      const without = loss64(c.cfg, c.mode, { ...c.p, w: new Float64Array(H * H) }, coef);
      assert.ok(Math.abs(without - f()) > 1e-6, 'the recurrent weight has no effect on this problem');
    });
  }
});

describe('RecurrentLif hard forward', () => {
  it('with W_r = 0 fires and backpropagates as the BPTT neuron kernels (LIF)', () => {
    const cfg = lifConfig();
    const rng = new Rng(11);
    const x = randn(rng, T * B * H, 6);
    const coef = randn(rng, T * B * H);
    const g = layerGradients(cfg, 'bptt', { x: f64(x), w: new Float64Array(H * H), vth: Float64Array.of(0.3) }, coef);
    const n = B * H;
    const model = neuronModel(cfg);
    const trace = k.alloc(T * n);
    const xs = k.alloc(T * n);
    xs.set(x);
    const ys = k.alloc(T * n);
    k.fromHost(xs);
    k.neuronForward(xs, ys, surrogateForwardAttrs(model, T, n, trace, SLOPE));
    assert.deepEqual(
      Array.from(g.out, (v) => v !== 0),
      Array.from(k.toHost(ys), (v) => v !== 0),
      'spike times',
    );
    assert.ok(g.out.some((v) => v !== 0) && g.out.some((v) => v === 0), 'the problem fires some neurons, not all');
    const dy = k.alloc(T * n);
    dy.set(coef);
    k.fromHost(dy);
    const dx = k.alloc(T * n);
    const dvth = k.neuronBackward(dy, dx, surrogateBackwardAttrs(model, T, n, trace, SLOPE));
    assertClose(g.dx, k.toHost(dx), { rtol: 1e-3, atol: 1e-5 }, 'input gradient');
    assertClose([g.dvth], [dvth], { rtol: 1e-3 }, 'threshold gradient');
  });
});
