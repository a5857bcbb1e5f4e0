/**
 * The webgpu neuron op against the reference backend, one op at a time on the software Vulkan adapter (lavapipe),
 * on the parameter sets of the conformance suite (IF, LIF, CubaLIF, NIR's hard reset, '>' and '>=', a bias).
 * Spikes, recorded membranes and carried state must be bit-identical; rates, the smooth forward and the gradients
 * agree to float32 accuracy, the threshold gradients (compensated partial sums) to about float64 accuracy.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { NeuronBackwardAttrs, NeuronForwardAttrs } from '../../src/kernels/kernels.js';
import { reference as ref } from '../../src/kernels/reference/index.js';
import type { NeuronBackwardOpAttrs, NeuronForwardOpAttrs } from '../../src/kernels/webgpu/ops/attrs.js';
import { Rng } from '../../src/rng.js';
import { surrogateBackwardAttrs, surrogateForwardAttrs } from '../../src/snn/description.js';
import { PARAMETER_SETS, SURROGATE_MODELS } from '../support/conformance.neuron.js';
import { assertClose } from '../support/gradcheck.js';
import { dyadic, firstDifference, plain, uniform } from '../support/kernels.wasm-setup.js';
import { directDevice, runOp } from '../support/webgpu-direct.js';

const found = await directDevice();
const device = 'device' in found ? found.device : null;
const skip = device === null && process.env.CI === undefined ? (found as { reason: string }).reason : false;

function gpu(): GPUDevice {
  assert.ok(device !== null, `no WebGPU device: ${'reason' in found ? found.reason : ''}`);
  return device;
}

/** The contract's neuronForward on the webgpu op: fills spikes and every buffer the attrs carry, as a backend does. */
async function forward(input: Float32Array, spikes: Float32Array, a: NeuronForwardAttrs): Promise<void> {
  const { membrane, record, rate, synapse, ...rest } = a;
  const attrs: NeuronForwardOpAttrs = {
    ...rest,
    ...(synapse === undefined ? {} : { synapse: { decay: synapse.decay, gain: synapse.gain } }),
    ...(rate === undefined ? {} : { rateWeights: rate.weights }),
  };
  const buffers = [input, spikes, membrane, record, rate?.out, synapse?.current].map((b) => b ?? null);
  const outs = [1, 2, 3, 4, 5].filter((i) => buffers[i] !== null);
  const r = await runOp(gpu(), 'neuronForward', buffers, outs, attrs);
  for (const i of outs) buffers[i]!.set(r.buffers[i]!);
}

/** The contract's neuronBackward on the webgpu op: fills gradIn, returns the threshold gradient. */
async function backward(gradOut: Float32Array, gradIn: Float32Array, a: NeuronBackwardAttrs): Promise<number> {
  const attrs: NeuronBackwardOpAttrs =
    a.mode === 'representation'
      ? { mode: a.mode, n: a.n, hi: a.hi, slope: a.slope, closed: a.closed }
      : (({ membrane: _, ...rest }) => rest)(a);
  const buffers = [
    gradOut,
    gradIn,
    a.mode === 'representation' ? a.inputRep : null,
    a.mode === 'surrogate' ? a.membrane : null,
  ];
  const r = await runOp(gpu(), 'neuronBackward', buffers, [1], attrs);
  gradIn.set(r.buffers[1]!);
  assert.ok(r.result !== null, 'neuronBackward returns its partial sums');
  return r.result;
}

function assertBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const at = firstDifference(actual, expected);
  assert.equal(at, -1, `${what}: first difference at [${at}]: ${actual[at]} vs ${expected[at]}`);
}

/** Seeded inputs as plain arrays (the helpers take a backend's alloc). */
const plainAlloc = { alloc: (n: number) => new Float32Array(n) } as Parameters<typeof uniform>[0];

describe('webgpu neuron op (lavapipe) against the reference', { skip }, () => {
  before(() => {
    gpu();
  });

  it('every parameter set: bit-identical spikes and recorded membranes, rates to float32 accuracy', async () => {
    const rng = new Rng(10);
    for (const n of [13, 1001]) {
      for (const T of [1, 3, 8]) {
        for (const dyadicInput of [true, false]) {
          const input = dyadicInput ? dyadic(plainAlloc, rng, T * n, -1, 4) : uniform(plainAlloc, rng, T * n, -1, 4);
          const weights = Float64Array.from({ length: T }, (_, t) => (t + 1) / ((T * (T + 1)) / 2));
          for (const [name, make] of PARAMETER_SETS) {
            const a = make(T, n);
            const what = `${name} n=${n} T=${T} dyadic=${dyadicInput}`;
            const [spikes, sRef] = [new Float32Array(T * n), new Float32Array(T * n)];
            const [record, recRef] = [new Float32Array(T * n), new Float32Array(T * n)];
            const [rate, rRef] = [new Float32Array(n), new Float32Array(n)];
            await forward(input, spikes, { ...a, rate: { out: rate, weights }, record });
            ref.neuronForward(input, sRef, { ...a, rate: { out: rRef, weights }, record: recRef });
            assertBits(spikes, sRef, `${what}: spikes`);
            assertBits(record, recRef, `${what}: recorded membrane`);
            assertClose(rate, rRef, { rtol: 1e-6 }, `${what}: rate`);
            spikes.fill(NaN);
            await forward(input, spikes, a);
            assertBits(spikes, sRef, `${what}: spikes alone`);
          }
        }
      }
    }
  });

  it('in time chunks, the carried membrane and current give the spikes and final state of one pass', async () => {
    const rng = new Rng(12);
    for (const n of [13, 1001]) {
      const T = 7;
      const input = uniform(plainAlloc, rng, T * n, -1, 4);
      const start = uniform(plainAlloc, rng, n, -0.5, 0.5); // a state carried in from an earlier chunk
      for (const [name, make] of PARAMETER_SETS) {
        const whole = make(T, n);
        const sRef = new Float32Array(T * n);
        const [mRef, cRef] = [plain(start), plain(start)];
        const synRef = whole.synapse === undefined ? {} : { synapse: { ...whole.synapse, current: cRef } };
        ref.neuronForward(input, sRef, { ...whole, membrane: mRef, ...synRef });
        const chunked = new Float32Array(T * n);
        const [membrane, current] = [plain(start), plain(start)];
        for (const [first, steps] of [
          [0, 3],
          [3, 1],
          [4, 3],
        ] as const) {
          const a = make(steps, n);
          const out = new Float32Array(steps * n);
          const syn = a.synapse === undefined ? {} : { synapse: { ...a.synapse, current } };
          await forward(input.subarray(first * n, (first + steps) * n), out, { ...a, membrane, ...syn });
          chunked.set(out, first * n);
        }
        assertBits(chunked, sRef, `${name} n=${n}: chunked spikes`);
        assertBits(membrane, mRef, `${name} n=${n}: carried membrane`);
        if (whole.synapse !== undefined) assertBits(current, cRef, `${name} n=${n}: carried current`);
      }
    }
  });

  it("an input on the threshold fires with '>=' and not with '>'; signed zeros; a large n", async () => {
    const input = Float32Array.of(0.25, 0.5, 1, 3, -1, 0.25, 0.5, 1, 3, -1, 0.25, 0.5, 1, 3, -1); // T=3, n=5
    for (const strict of [false, true]) {
      const a = {
        T: 3,
        n: 5,
        decay: 1,
        gain: 1,
        threshold: 0.5,
        strict,
        reset: { kind: 'subtract', amount: 1 },
        magnitude: 1,
      } as const;
      const [spikes, sRef] = [new Float32Array(15), new Float32Array(15)];
      await forward(input, spikes, a);
      ref.neuronForward(input, sRef, a);
      assertBits(spikes, sRef, `IF on the threshold, strict=${strict}`);
      assert.equal(spikes[1], strict ? 0 : 1, '0.5 reaches the threshold 0.5 at the first step');
    }
    // A −0 membrane stays −0 without a bias (no addition of +0), as in the reference.
    const zeros = {
      T: 1,
      n: 2,
      decay: 1,
      gain: 1,
      threshold: 1,
      reset: { kind: 'value', value: 0 },
      magnitude: 1,
    } as const;
    const [rec, recRef] = [new Float32Array(2), new Float32Array(2)];
    const [mem, memRef] = [Float32Array.of(-0, -0), Float32Array.of(-0, -0)];
    await forward(Float32Array.of(-0, 0), new Float32Array(2), { ...zeros, record: rec, membrane: mem });
    ref.neuronForward(Float32Array.of(-0, 0), new Float32Array(2), { ...zeros, record: recRef, membrane: memRef });
    assertBits(rec, recRef, 'signed zeros of the membrane');
    assert.ok(Object.is(rec[0], -0), 'a −0 membrane plus a −0 input is −0');
    const rng = new Rng(14);
    const [T, n] = [2, 70001];
    const input2 = uniform(plainAlloc, rng, T * n, -1, 4);
    const [name, make] = PARAMETER_SETS[1]!;
    const [spikes, sRef] = [new Float32Array(T * n), new Float32Array(T * n)];
    await forward(input2, spikes, make(T, n));
    ref.neuronForward(input2, sRef, make(T, n));
    assertBits(spikes, sRef, `${name} n=${n}`);
  });

  it('the representation backward: bit-identical gradient, threshold gradient to float64 accuracy', async () => {
    const rng = new Rng(11);
    for (const n of [1, 13, 1001, 70001]) {
      const mean = dyadic(plainAlloc, rng, n, -0.5, 1.5); // hits 0 and hi = 1 exactly
      const g = uniform(plainAlloc, rng, n);
      for (const closed of [true, false]) {
        const a = { mode: 'representation', n, inputRep: mean, hi: 1, slope: 0.75, closed } as const;
        const [gi, giRef] = [new Float32Array(n).fill(NaN), new Float32Array(n)];
        const th = await backward(g, gi, a);
        const thRef = ref.neuronBackward(g, giRef, a);
        assertBits(gi, giRef, `representation backward closed=${closed} n=${n}`);
        assert.ok(Math.abs(th - thRef) <= 1e-9 * (1 + Math.abs(thRef)), `threshold gradient ${th} vs ${thRef}`);
      }
    }
  });

  it('the surrogate (BPTT) forward and backward, hard and soft, with and without a synapse', async () => {
    const rng = new Rng(12);
    for (const [T, n] of [
      [6, 37],
      [4, 5003],
      [2, 70001],
    ] as const) {
      for (const soft of [false, true]) {
        for (const model of SURROGATE_MODELS) {
          const what = `${model.config.kind} soft=${soft} T=${T} n=${n}`;
          const input = uniform(plainAlloc, rng, T * n, -1, 3);
          const [s, sRef] = [new Float32Array(T * n), new Float32Array(T * n)];
          const [m, mRef] = [new Float32Array(T * n), new Float32Array(T * n)];
          await forward(input, s, surrogateForwardAttrs(model, T, n, m, 4, soft));
          ref.neuronForward(input, sRef, surrogateForwardAttrs(model, T, n, mRef, 4, soft));
          // Soft: the shader's float32 exp and sigmoid differ from the float64 ones in the last bits.
          if (soft) assertClose(m, mRef, { rtol: 1e-6 }, `membrane ${what}`);
          else assertBits(m, mRef, `membrane ${what}`);
          if (soft) assertClose(s, sRef, { rtol: 1e-6 }, `spikes ${what}`);
          else assertBits(s, sRef, `spikes ${what}`);
          // The backward of both from the reference's membrane, so only the backward's rounding differs.
          const go = uniform(plainAlloc, rng, T * n);
          const [gi, giRef] = [new Float32Array(T * n), new Float32Array(T * n)];
          const dv = await backward(go, gi, surrogateBackwardAttrs(model, T, n, mRef, 4, soft));
          const dvRef = ref.neuronBackward(go, giRef, surrogateBackwardAttrs(model, T, n, mRef, 4, soft));
          assertClose(gi, giRef, { rtol: 1e-5 }, `gradInput ${what}`);
          // Looser than the float64 backends' 1e-6: WGSL has no float64, and the float32 sigmoid and per-step
          // products already put the threshold gradient ~1e-6 off (measured up to 1.1e-6); the sum itself is compensated.
          assert.ok(Math.abs(dv - dvRef) <= 5e-6 * (1 + Math.abs(dvRef)), `dVth ${dv} vs ${dvRef} (${what})`);
        }
      }
    }
  });
});
