/**
 * The BPTT neuron kernels: soft mode against central differences of a float64 forward written here, hard mode
 * (Heaviside forward, sigmoid surrogate backward) against forward-mode tangents of the same float64 forward,
 * and the surrogate's derivative against the numeric derivative of its primitive.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng.js';
import { cubaLifConfig, ifConfig, lifConfig } from '../../src/snn/config.js';
import { type NeuronModel, surrogateBackwardAttrs, surrogateForwardAttrs } from '../../src/snn/description.js';
import { simulate } from '../../src/snn/dsr.js';
import { neuronModel } from '../../src/snn/model.js';
import { DEFAULT_SURROGATE_SLOPE, sigmoidSurrogate } from '../../src/snn/surrogate.js';
import { testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();

const sigma = (x: number): number => 1 / (1 + Math.exp(-x));

/** A BPTT problem: the neuron's model and the kernel settings; its constants as the kernels get them. */
interface BpttAttrs {
  readonly model: NeuronModel;
  readonly T: number;
  readonly n: number;
  readonly slope: number;
  readonly soft: boolean;
  readonly vth: number;
  readonly alpha: number;
  readonly decay: number;
  readonly gain: number;
  readonly spikeScale: number;
  readonly synapse?: { readonly decay: number; readonly gain: number };
}

function bpttAttrs(model: NeuronModel, T: number, n: number, slope: number, soft: boolean): BpttAttrs {
  const b = surrogateBackwardAttrs(model, T, n, new Float32Array(0), slope, soft);
  return { ...b, model, alpha: model.alpha };
}

/**
 * Float64 loss L = Σ c[t,i]·o[t,i] of the neuron u = decay·v + gain·I, s = f(z), z = u/V − α, v = u − V·s,
 * o = spikeScale·V·s, together with its directional derivative along (dI, dV) by forward-mode tangents. With a
 * synaptic stage, I = synDecay·I + synGain·x feeds the membrane instead of x.
 * soft: f = σ(slope·z). hard: f = H(z) with ds/dz taken as the surrogate's derivative.
 * detachReset drops the spike's term from the reset (a common variant, used here as a wrong gradient).
 */
function loss64(
  a: BpttAttrs,
  x: ArrayLike<number>,
  V: number,
  c: ArrayLike<number>,
  dI?: ArrayLike<number>,
  dV = 0,
  detachReset = false,
): { L: number; dL: number } {
  const n = a.n;
  let L = 0;
  let dL = 0;
  for (let i = 0; i < n; i++) {
    let v = 0;
    let dv = 0;
    let cur = 0;
    let dcur = 0;
    for (let t = 0; t < a.T; t++) {
      const j = t * n + i;
      let input = x[j]!;
      let dInput = dI?.[j] ?? 0;
      if (a.synapse !== undefined) {
        input = cur = a.synapse.decay * cur + a.synapse.gain * input;
        dInput = dcur = a.synapse.decay * dcur + a.synapse.gain * dInput;
      }
      const u = a.decay * v + a.gain * input;
      const du = a.decay * dv + a.gain * dInput;
      const z = u / V - a.alpha;
      const dz = du / V - (u * dV) / (V * V);
      const s = a.soft ? sigma(a.slope * z) : z >= 0 ? 1 : 0;
      const ds = sigmoidSurrogate.derivative(z, a.slope) * dz;
      L += c[j]! * a.spikeScale * V * s;
      dL += c[j]! * a.spikeScale * (dV * s + V * ds);
      v = u - V * s;
      dv = du - dV * s - (detachReset ? 0 : V * ds);
    }
  }
  return { L, dL };
}

/** The kernel's gradients: dL/dI [T·n] and dL/dV. */
function kernelGrad(a: BpttAttrs, x: Float32Array, c: Float32Array): { gI: Float32Array; gV: number } {
  const spikes = new Float32Array(x.length);
  const membrane = new Float32Array(x.length);
  const gI = new Float32Array(x.length);
  k.neuronForward(x, spikes, surrogateForwardAttrs(a.model, a.T, a.n, membrane, a.slope, a.soft));
  return { gI, gV: k.neuronBackward(c, gI, surrogateBackwardAttrs(a.model, a.T, a.n, membrane, a.slope, a.soft)) };
}

function assertGradClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-5): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const tol = rtol * (scale + Math.abs(want[i]!));
    if (!(Math.abs(got[i]! - want[i]!) <= tol))
      assert.fail(`${what}[${i}]: got ${got[i]}, expected ${want[i]} (±${tol})`);
  }
}

/** Small random problem: currents around the firing level, random loss weights. */
function problem(seed: number, T: number, n: number, scale: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(T * n).map(() => scale * (0.6 + 0.5 * rng.normal()));
  const c = new Float32Array(T * n).map(() => rng.normal());
  return { x, c };
}

const dynamics: {
  name: string;
  attrs: (T: number, n: number, soft: boolean, slope?: number) => BpttAttrs;
  scale: number;
}[] = [
  {
    name: 'IF (V = 1, α = 0.5)',
    attrs: (T, n, soft, slope = 4) => bpttAttrs(neuronModel(ifConfig({ vth: 1 })), T, n, slope, soft),
    scale: 1,
  },
  {
    name: 'LIF (V = 0.3, α = 0.3, Δt = 0.05)',
    attrs: (T, n, soft, slope = 4) => bpttAttrs(neuronModel(lifConfig({ vth: Math.fround(0.3) })), T, n, slope, soft),
    scale: 0.3,
  },
  {
    name: 'CubaLIF (V = 0.3, τ_syn = 0.5)',
    attrs: (T, n, soft, slope = 4) =>
      bpttAttrs(neuronModel(cubaLifConfig({ vth: Math.fround(0.3) })), T, n, slope, soft),
    scale: 0.3,
  },
];

describe('BPTT soft mode = central differences of the float64 soft forward', () => {
  for (const d of dynamics) {
    it(`${d.name}: input and threshold gradients`, () => {
      const T = 8;
      const n = 3;
      const a = d.attrs(T, n, true);
      const { x, c } = problem(1, T, n, d.scale);
      const got = kernelGrad(a, x, c);
      const eps = 1e-6 * d.scale;
      const fd = Array.from(x, (_, j) => {
        const bump = (h: number) => Array.from(x, (v, m) => (m === j ? v + h : v));
        return (loss64(a, bump(eps), a.vth, c).L - loss64(a, bump(-eps), a.vth, c).L) / (2 * eps);
      });
      const fdV = (loss64(a, x, a.vth + eps, c).L - loss64(a, x, a.vth - eps, c).L) / (2 * eps);
      assertGradClose(got.gI, fd, 'dL/dI');
      assertGradClose([got.gV], [fdV], 'dL/dV');
      // the check is sharp: a 5% different surrogate slope in the kernel is rejected
      const wrong = kernelGrad(d.attrs(T, n, true, 4.2), x, c);
      assert.throws(() => assertGradClose(wrong.gI, fd, 'dL/dI'), assert.AssertionError);
    });
  }
});

describe('BPTT hard mode = forward-mode tangents with the sigmoid surrogate', () => {
  for (const d of dynamics) {
    it(`${d.name}: every input direction and the threshold, reset path included`, () => {
      const T = 12;
      const n = 4;
      const a = d.attrs(T, n, false);
      const { x, c } = problem(2, T, n, d.scale);
      const got = kernelGrad(a, x, c);
      const want = Array.from(
        x,
        (_, j) =>
          loss64(
            a,
            x,
            a.vth,
            c,
            Array.from(x, (_, m) => (m === j ? 1 : 0)),
          ).dL,
      );
      const wantV = loss64(a, x, a.vth, c, undefined, 1).dL;
      assertGradClose(got.gI, want, 'dL/dI');
      assertGradClose([got.gV], [wantV], 'dL/dV');
      // dropping the reset path's surrogate term gives a different gradient, and the check sees it
      const detached = Array.from(
        x,
        (_, j) =>
          loss64(
            a,
            x,
            a.vth,
            c,
            Array.from(x, (_, m) => (m === j ? 1 : 0)),
            0,
            true,
          ).dL,
      );
      assert.throws(() => assertGradClose(got.gI, detached, 'dL/dI'), assert.AssertionError);
    });

    it(`${d.name}: the hard forward spikes equal the DSR forward spikes`, () => {
      const T = 20;
      const n = 200;
      const a = d.attrs(T, n, false);
      const { x } = problem(3, T, n, d.scale * 2);
      const bptt = new Float32Array(T * n);
      k.neuronForward(x, bptt, surrogateForwardAttrs(a.model, T, n, new Float32Array(T * n), a.slope));
      const dsr = new Float32Array(T * n);
      simulate(k, a.model, x, dsr, null, T, n);
      let differing = 0;
      for (let j = 0; j < T * n; j++) if (Math.abs(bptt[j]! - dsr[j]!) > 1e-6 * Math.abs(dsr[j]!)) differing++;
      assert.equal(differing, 0);
    });
  }
});

describe('sigmoid surrogate', () => {
  it(`derivative = numeric derivative of the primitive (slopes 1, ${DEFAULT_SURROGATE_SLOPE}, 10)`, () => {
    const h = 1e-5;
    for (const slope of [1, DEFAULT_SURROGATE_SLOPE, 10]) {
      for (let x = -3; x <= 3; x += 0.125) {
        const numeric = (sigmoidSurrogate.primitive(x + h, slope) - sigmoidSurrogate.primitive(x - h, slope)) / (2 * h);
        const analytic = sigmoidSurrogate.derivative(x, slope);
        assert.ok(Math.abs(numeric - analytic) <= 1e-8 * (1 + slope), `x=${x} k=${slope}: ${analytic} vs ${numeric}`);
      }
    }
  });

  it('is a smooth step: primitive(0) = 1/2, peak derivative k/4 at 0', () => {
    assert.equal(sigmoidSurrogate.primitive(0, 4), 0.5);
    assert.equal(sigmoidSurrogate.derivative(0, 4), 1);
    assert.ok(sigmoidSurrogate.primitive(-10, 4) < 1e-15 && sigmoidSurrogate.primitive(10, 4) > 1 - 1e-15);
  });
});
