/**
 * The numeric oracles of docs/method.md §7, run through the float32 neuron code (functional API and reference kernels).
 * Relative error ≤ 1e-5 unless docs/method.md §7 prints fewer digits (then the printed precision is the tolerance).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng.js';
import { leak, leakWeights } from '../../src/snn/description.js';
import { clampThreshold, neuron } from '../../src/snn/functional.js';
import { testKernels } from '../support/kernels.under-test.js';

const k = await testKernels();

function close(actual: number, expected: number, what: string, rel = 1e-5, abs = 0): void {
  const tol = Math.max(rel * Math.abs(expected), abs);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (±${tol})`);
}

/** [T, N] input holding a constant current xs[i] for neuron i at every step. */
function constantInput(xs: readonly number[], T: number): Float32Array {
  const input = new Float32Array(T * xs.length);
  for (let t = 0; t < T; t++) input.set(xs, t * xs.length);
  return input;
}

/** 1-based steps at which neuron i spiked, and the spike count. */
function spikeSteps(spikes: Float32Array, T: number, N: number, i: number): number[] {
  const steps: number[] = [];
  for (let t = 0; t < T; t++) if (spikes[t * N + i]! !== 0) steps.push(t + 1);
  return steps;
}

/** Membrane after the last reset, carried out of the neuron kernel (fire at α·V, subtract V), for one neuron each. */
function residualMembrane(
  input: Float32Array,
  T: number,
  vth: number,
  alpha: number,
  decay: number,
  gain: number,
): Float32Array {
  const n = input.length / T;
  const membrane = new Float32Array(n);
  const f32 = Math.fround;
  k.neuronForward(input, new Float32Array(T * n), {
    T,
    n,
    decay,
    gain,
    threshold: f32(f32(alpha) * f32(vth)),
    reset: { kind: 'subtract', amount: vth },
    magnitude: vth,
    membrane,
  });
  return membrane;
}

describe('IF forward oracles (V = 6, α = 0.5, T = 20)', () => {
  const T = 20;
  const table: { x: number; count: number; rate: number; steps?: number[]; residual?: number }[] = [
    { x: 0.25, count: 1, rate: 0.3 },
    { x: 0.75, count: 3, rate: 0.9 },
    { x: 1.0, count: 3, rate: 0.9, steps: [3, 9, 15] },
    { x: 1.5, count: 5, rate: 1.5 },
    { x: 2.5, count: 8, rate: 2.4 },
    { x: 3.0, count: 10, rate: 3.0, steps: [1, 3, 5, 7, 9, 11, 13, 15, 17, 19] },
    { x: 4.5, count: 15, rate: 4.5 },
    { x: 5.75, count: 19, rate: 5.7 },
    { x: 6.0, count: 20, rate: 6.0 },
    { x: 7.5, count: 20, rate: 6.0, residual: 30 },
    { x: -1, count: 0, rate: 0, residual: -20 },
  ];
  const xs = table.map((r) => r.x);
  const input = constantInput(xs, T);
  const { spikes, rate } = neuron.ifForward(input, T, { vth: 6, alpha: 0.5 });
  const residual = residualMembrane(input, T, 6, 0.5, 1, 1);

  for (const [i, row] of table.entries()) {
    it(`x = ${row.x}: ${row.count} spikes, rate ${row.rate}`, () => {
      const steps = spikeSteps(spikes, T, xs.length, i);
      assert.equal(steps.length, row.count);
      for (const t of steps) assert.equal(spikes[(t - 1) * xs.length + i], 6, 'spikes carry magnitude Vth');
      close(rate[i]!, row.rate, 'rate');
      if (row.steps) assert.deepEqual(steps, row.steps);
      if (row.residual !== undefined) {
        close(residual[i]!, row.residual, 'residual membrane');
        close(T * (row.x - rate[i]!), row.residual, 'residual from a = Î − V/N');
      }
    });
  }

  it('x = 0.75 has the worst-case error V/(2T) = 0.15', () => close(Math.abs(rate[1]! - 0.75), 0.15, 'error'));
});

describe('IF closed form count = clamp(floor(T·x/V + 1 − α), 0, T)', () => {
  const xs = Array.from({ length: 513 }, (_, j) => j / 64);
  for (const alpha of [0.25, 0.5, 0.75, 1]) {
    it(`α = ${alpha}: x = k/64, k = 0..512, T ∈ {1, 2, 3, 5, 8, 20}, zero mismatches`, () => {
      for (const T of [1, 2, 3, 5, 8, 20]) {
        const { spikes } = neuron.ifForward(constantInput(xs, T), T, { vth: 6, alpha });
        const mismatches: string[] = [];
        for (const [i, x] of xs.entries()) {
          const expected = Math.min(Math.max(Math.floor((T * x) / 6 + 1 - alpha), 0), T);
          const got = spikeSteps(spikes, T, xs.length, i).length;
          if (got !== expected) mismatches.push(`T=${T} x=${x}: ${got} vs ${expected}`);
        }
        assert.deepEqual(mismatches, []);
      }
    });
  }

  it('α = 1 floors: x = 1.0, 2.5, 5.75 give 3, 8, 19 spikes', () => {
    const { rate } = neuron.ifForward(constantInput([1, 2.5, 5.75], 20), 20, { vth: 6, alpha: 1 });
    assert.deepEqual(
      [...rate].map((a) => Math.round((a * 20) / 6)),
      [3, 8, 19],
    );
  });
});

describe('IF error bound over 20,000 random constant x ∈ [0, 6], T = 20', () => {
  const rng = new Rng(7);
  const xs = Array.from({ length: 20000 }, () => Math.fround(6 * rng.uniform()));
  for (const [alpha, bound, printed] of [
    [0.5, 0.15, 0.149995],
    [1, 0.3, 0.29998],
  ] as const) {
    it(`α = ${alpha}: max |rate − x| ≤ ${bound} and reaches it (spec: ${printed})`, () => {
      const { rate } = neuron.ifForward(constantInput(xs, 20), 20, { vth: 6, alpha });
      let worst = 0;
      for (const [i, x] of xs.entries()) worst = Math.max(worst, Math.abs(rate[i]! - x));
      assert.ok(worst <= bound + 1e-5, `worst ${worst} exceeds the bound ${bound}`);
      assert.ok(worst >= bound - 5e-4, `worst ${worst} is not tight against ${bound}`);
    });
  }
});

describe('LIF constants (τ = 1, Δt = 0.05, T = 20)', () => {
  it('λ and the forward gain (1 − λ)/Δt', () => {
    close(leak(1, 0.05), 0.951229424500714, 'λ', 1e-12);
    close((1 - leak(1, 0.05)) / 0.05, 0.9754115099857197, '(1 − λ)/Δt', 1e-12);
  });

  it('weights w_t = λ^(T−t), newest 1, and Σw', () => {
    const w = leakWeights(20, 1, 0.05);
    close(w[0]!, 0.386741023, 'w_1', 0, 5e-10); // printed to 9 decimals
    close(w[1]!, 0.40656966, 'w_2', 0, 5e-10); // printed to 9 decimals
    close(w[18]!, 0.951229425, 'w_19', 0, 5e-10); // printed to 9 decimals
    assert.equal(w[19], 1);
    close(
      w.reduce((a, b) => a + b, 0),
      12.961105181910598,
      'Σw',
      1e-12,
    );
  });

  it('the weighted rate divides by Σw: one spike at step t gives (Vth/Δt)·w_t/Σw', () => {
    const T = 20;
    const input = new Float32Array(T);
    input[0] = 2; // u_1 = (1 − λ)·2 = 0.0975 ≥ 0.09 fires once; later steps decay below 0.09
    const { spikes, rate } = neuron.lifForward(input, T, { vth: 0.3, alpha: 0.3, tau: 1, dt: 0.05 });
    assert.deepEqual(spikeSteps(spikes, T, 1, 0), [1]);
    close(spikes[0]!, 6, 'spike magnitude Vth/Δt');
    close(rate[0]!, (6 * 0.386741023) / 12.961105181910598, 'weighted rate');
  });
});

describe('LIF forward oracles (V = 0.3, α = 0.3, τ = 1, Δt = 0.05, T = 20)', () => {
  const T = 20;
  const p = { vth: 0.3, alpha: 0.3, tau: 1, dt: 0.05 };
  const table: { x: number; count: number; rate: number; steps?: number[]; finalU?: number }[] = [
    { x: 0.5, count: 2, rate: 0.56853, steps: [4, 15] },
    { x: 1.0, count: 4, rate: 1.248134, steps: [2, 8, 14, 20] },
    { x: 2.0, count: 7, rate: 2.055054, steps: [1, 4, 7, 10, 13, 16, 19] },
    { x: 3.0, count: 10, rate: 2.925016, steps: [1, 3, 5, 7, 9, 11, 13, 15, 17, 19], finalU: 0.00079 },
    { x: 4.0, count: 14, rate: 4.215472 },
    { x: 5.0, count: 17, rate: 5.121543 },
    { x: 6.0, count: 20, rate: 6.0 },
    { x: 8.0, count: 20, rate: 6.0 },
    { x: -1, count: 0, rate: 0, finalU: -0.632121 },
  ];
  const xs = table.map((r) => r.x);
  const input = constantInput(xs, T);
  const { spikes, rate } = neuron.lifForward(input, T, p);
  const lambda = leak(1, 0.05);
  const residual = residualMembrane(input, T, 0.3, 0.3, lambda, 1 - lambda);
  const sumW = 12.961105181910598;
  const gain = (1 - lambda) / 0.05;

  for (const [i, row] of table.entries()) {
    it(`x = ${row.x}: ${row.count} spikes, weighted rate ${row.rate}`, () => {
      const steps = spikeSteps(spikes, T, xs.length, i);
      assert.equal(steps.length, row.count);
      for (const t of steps) close(spikes[(t - 1) * xs.length + i]!, 6, 'spikes carry magnitude Vth/Δt');
      close(rate[i]!, row.rate, 'weighted rate', 1e-5, 5e-7); // printed to 6 decimals
      if (row.steps) assert.deepEqual(steps, row.steps);
      if (row.finalU !== undefined) {
        close(residual[i]!, row.finalU, 'final membrane', 1e-5, 1.5e-6);
        // a = (1 − λ)/Δt·Î_w − u_N/(Δt·Σw), solved for u_N (docs/method.md §1.4)
        close(0.05 * sumW * (gain * row.x - rate[i]!), row.finalU, 'final membrane from the identity', 1e-5, 1.5e-6);
      }
    });
  }

  it('identity for x = 3: 2.926235 − 0.001219 = 2.925016', () => {
    close(gain * 3, 2.926235, '(1 − λ)/Δt·Î_w', 1e-6);
    close(residual[3]! / (0.05 * sumW), 0.001219, 'u_N/(Δt·Σw)', 0, 1e-6);
    close(gain * 3 - residual[3]! / (0.05 * sumW), rate[3]!, 'a', 1e-5);
  });
});

describe('LIF worst-case error over 20,000 random constant x ∈ [0, 6], T = 20', () => {
  const rng = new Rng(11);
  const xs = Array.from({ length: 20000 }, () => Math.fround(6 * rng.uniform()));
  const sumW = 12.961105181910598;
  const gain = (1 - leak(1, 0.05)) / 0.05;
  const cases = [
    { alpha: 0.3, vsGain: 0.324, vsIdeal: 0.32 },
    { alpha: 0.5, vsGain: 0.2315, vsIdeal: 0.377 },
    { alpha: 1, vsGain: 0.4629, vsIdeal: 0.608 },
  ];
  for (const c of cases) {
    it(`α = ${c.alpha}: |a − (1−λ)/Δt·x| → ${c.vsGain} = max(α, 1−α)·V/(Δt·Σw); |a − x/τ| → ${c.vsIdeal}`, () => {
      const { rate } = neuron.lifForward(constantInput(xs, 20), 20, { vth: 0.3, alpha: c.alpha, tau: 1, dt: 0.05 });
      let worstGain = 0;
      let worstIdeal = 0;
      for (const [i, x] of xs.entries()) {
        worstGain = Math.max(worstGain, Math.abs(rate[i]! - gain * x));
        worstIdeal = Math.max(worstIdeal, Math.abs(rate[i]! - x));
      }
      const bound = (Math.max(c.alpha, 1 - c.alpha) * 0.3) / (0.05 * sumW);
      close(bound, c.vsGain, 'bound', 0, 1e-4);
      assert.ok(worstGain <= bound + 1e-5, `worst ${worstGain} exceeds the bound ${bound}`);
      assert.ok(worstGain >= bound - 2e-3, `worst ${worstGain} is not tight against ${bound}`);
      close(worstIdeal, c.vsIdeal, '|a − x/τ|', 0, 2e-3);
    });
  }
});

describe('IF backward oracles (V = 1, T = 4, g = [0.125, 0.25, 0.375, 0.5])', () => {
  const T = 4;
  const g = [0.125, 0.25, 0.375, 0.5];
  const table = [
    { input: [0.5, 0.5, 0.5, 0.5], dI: 0.3125, dVth: 0 },
    { input: [2, 2, 0, 0], dI: 0.3125, dVth: 0 }, // Ī = 1.0 = V: the closed interval passes
    { input: [3, 1, 2, 2], dI: 0, dVth: 1.25 },
    { input: [-1, 0, 0.5, 0], dI: 0, dVth: 0 },
  ];
  for (const row of table) {
    it(`I = [${row.input.join(', ')}]: dI = ${row.dI} per step, dVth = ${row.dVth}`, () => {
      const { gradInput, gradVth } = neuron.ifBackward(Float32Array.from(row.input), Float32Array.from(g), T, {
        vth: 1,
      });
      assert.deepEqual([...gradInput], [row.dI, row.dI, row.dI, row.dI]);
      assert.equal(gradVth, row.dVth);
    });
  }

  it('all four rows side by side: dVth sums over every neuron', () => {
    const N = table.length;
    const input = new Float32Array(T * N);
    const grad = new Float32Array(T * N);
    for (const [i, row] of table.entries()) {
      for (let t = 0; t < T; t++) {
        input[t * N + i] = row.input[t]!;
        grad[t * N + i] = g[t]!;
      }
    }
    const { gradInput, gradVth } = neuron.ifBackward(input, grad, T, { vth: 1 });
    for (let t = 0; t < T; t++)
      assert.deepEqual(
        [...gradInput.subarray(t * N, (t + 1) * N)],
        table.map((r) => r.dI),
      );
    assert.equal(gradVth, 1.25);
  });

  it('the mask follows the mean current, not the spikes: Ī = 0.125 < V = 6 fires never, gradient 1', () => {
    const T20 = 20;
    const input = new Float32Array(T20).fill(0.125);
    assert.equal(neuron.ifForward(input, T20, { vth: 6, alpha: 0.5 }).rate[0], 0);
    const { gradInput } = neuron.ifBackward(input, new Float32Array(T20).fill(1 / T20), T20, { vth: 6 });
    close(
      gradInput.reduce((a, b) => a + b, 0),
      1,
      'Σ_t dI',
    );
  });
});

describe('LIF backward: the saturation level Vth·τ/Δt of the reference code (docs/method.md §2.3), at τ = 2', () => {
  // V = 0.3, Δt = 0.05, τ = 2: Vth/Δt = 6 and Vth·τ/Δt = 12. The reference code (since commit 73fc6b4) puts τ in
  // both the input mask and the threshold-gradient condition; a constant input x has Ī_w = x.
  const T = 4;
  const p = { vth: 0.3, tau: 2, dt: 0.05 };
  const g = [0.125, 0.25, 0.375, 0.5]; // per step: Gc = T·Σ_t w_t·g_t/Σw
  const { w, sum } = (() => {
    const ws = Array.from({ length: T }, (_, t) => Math.exp(-((T - 1 - t) * p.dt) / p.tau));
    return { w: ws, sum: ws.reduce((a, b) => a + b, 0) };
  })();
  const Gc = (T * w.reduce((a, wt, t) => a + wt * g[t]!, 0)) / sum;
  const run = (x: number) => neuron.lifBackward(new Float32Array(T).fill(x), Float32Array.from(g), T, p);

  it('Ī_w = 9, between Vth/Δt and Vth·τ/Δt: the input gradient passes (slope 1/τ) and the threshold gets none', () => {
    const { gradInput, gradVth } = run(9);
    for (const d of gradInput) close(d, Gc / p.tau / T, 'dI per step');
    assert.equal(gradVth, 0);
  });

  it('Ī_w = 13, above Vth·τ/Δt: no input gradient, the threshold gets Gc·Δt', () => {
    const { gradInput, gradVth } = run(13);
    assert.ok(gradInput.every((d) => d === 0));
    close(gradVth, Gc * p.dt, 'dVth');
  });
});

describe('threshold clamp Vth ← max(Vth, bound)', () => {
  for (const [v, bound, expected] of [
    [-0.5, 0.01, 0.01],
    [0.005, 0.01, 0.01],
    [0.3, 0.0005, 0.3],
    [0.01, 0.01, 0.01],
  ]) {
    it(`clamp(${v}; ${bound}) = ${expected}`, () => assert.equal(clampThreshold(v!, bound!), expected));
  }
});
