/**
 * One conformance suite for the neuron, time, elementwise, loss and optimiser kernels of every fast backend,
 * against the reference backend. Spikes must be bit-identical: the backends keep the membrane in float32 with the
 * same rounding of every step, so the firing tests agree even off dyadic inputs; the dyadic cases also hit α·Vth
 * exactly. The neuron kernel runs every parameter set (IF, LIF, CubaLIF, the BPTT baseline, NIR's hard reset,
 * '>' and '>=', carried membrane and current). Used by kernels.wasm-neuron.test.ts and kernels.native-neuron.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolGeometry } from '../../src/kernels/geometry.js';
import type { ElementwiseAttrs, Kernels, NeuronForwardAttrs } from '../../src/kernels/kernels.js';
import { reference as ref } from '../../src/kernels/reference/index.js';
import { Rng } from '../../src/rng.js';
import { cubaLifConfig, ifConfig, lifConfig } from '../../src/snn/config.js';
import { forwardAttrs, surrogateBackwardAttrs, surrogateForwardAttrs } from '../../src/snn/description.js';
import { neuronModel } from '../../src/snn/model.js';
import { coverageCase, type KernelMethod, recordCalls } from './conformance.coverage.js';
import { assertClose } from './gradcheck.js';
import { dyadic, firstDifference, plain, uniform } from './kernels.wasm-setup.js';

/** The contract methods this suite checks (conformance.coverage.ts). */
export const NEURON_METHODS: readonly KernelMethod[] = [
  'neuronForward',
  'neuronBackward',
  'alloc',
  'free',
  'packSpikes',
  'unpackSpikes',
  'elementwise',
  'reduce',
  'sumRows',
  'softmaxCrossEntropy',
  'sgdStep',
  'adamStep',
];

/** Scales that are not float32 numbers round once more in float32 kernels than in the float64 reference. */
const ONE_ULP = { rtol: 2.5e-7 };
const SIZES = [1, 13, 1001, 70001]; // below a vector, odd, and large enough to be split across threads

/** The neuron forward's parameter sets: IF, LIF, CubaLIF (as the description computes them), NIR's hard reset. */
const MODELS = [
  ifConfig({ vth: 1, alpha: 0.5 }),
  lifConfig({ vth: 0.3, alpha: 0.3 }),
  lifConfig({ vth: 1, alpha: 0.5 }),
  cubaLifConfig({ vth: 0.3, alpha: 0.3 }),
].map(neuronModel);
export const SURROGATE_MODELS = [ifConfig({ vth: 1 }), lifConfig({ vth: 0.3 }), cubaLifConfig({ vth: 0.3 })].map(
  neuronModel,
);
/** Every parameter set of the neuron forward, by name: attrs for T steps of n neurons (no buffers). */
export const PARAMETER_SETS: [string, (T: number, n: number) => NeuronForwardAttrs][] = [
  ...MODELS.map((m): [string, (T: number, n: number) => NeuronForwardAttrs] => [
    `${m.config.kind} vth=${m.vth}`,
    (T, n) => forwardAttrs(m, T, n),
  ]),
  [
    'hard reset (LIF, v_leak, >)',
    (T, n) => ({
      T,
      n,
      decay: 0.9,
      gain: 0.1,
      bias: 0.05,
      threshold: 0.3,
      strict: true,
      reset: { kind: 'value', value: -0.125 },
      magnitude: 1,
    }),
  ],
  [
    'hard reset (CubaLIF, >=)',
    (T, n) => ({
      T,
      n,
      decay: 0.95,
      gain: 0.05,
      threshold: 0.5,
      reset: { kind: 'value', value: 0 },
      magnitude: 1,
      synapse: { decay: 0.8, gain: 0.2 },
    }),
  ],
];

function assertBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const at = firstDifference(actual, expected);
  assert.equal(at, -1, `${what}: first difference at [${at}]: ${actual[at]} vs ${expected[at]}`);
}

/**
 * A neuron forward's side outputs for two runs, a fused forward and the one it replaces: the rate, Ī (the kernels
 * compose it where they do not fuse it: not with a synapse) and, when `carried`, the membrane carried in from
 * `start` and out. `attrs(i)` asks run i for them; `assertSame` compares the runs' bit for bit.
 */
function sideOutputs(
  k: Kernels,
  n: number,
  weights: Float64Array,
  carried: boolean,
  withRep: boolean,
  start: Float32Array,
): { attrs(i: number): Partial<NeuronForwardAttrs>; assertSame(what: string): void; free(): void } {
  const rate = [k.alloc(n), k.alloc(n)],
    rep = [k.alloc(n), k.alloc(n)],
    mem = [k.alloc(n), k.alloc(n)];
  for (const m of mem) m.set(start);
  return {
    attrs: (i) => ({
      rate: { out: rate[i]!, weights },
      ...(carried ? { membrane: mem[i]! } : {}),
      ...(withRep ? { inputRep: { out: rep[i]!, weights } } : {}),
    }),
    assertSame(what) {
      assertBits(k.toHost(rate[1]!), k.toHost(rate[0]!), `${what} rate`);
      assertBits(k.toHost(mem[1]!), k.toHost(mem[0]!), `${what} membrane`);
      if (withRep) assertBits(k.toHost(rep[1]!), k.toHost(rep[0]!), `${what} Ī`);
    },
    free: () => [...rate, ...rep, ...mem].forEach((b) => k.free(b)),
  };
}

/** Registers the suite for one backend configuration; `K` returns its kernels once the file's setup has run. */
export function neuronConformance(title: string, backend: () => Kernels, skip: string | false = false): void {
  const { K, called } = recordCalls(backend);
  describe(title, { skip }, () => {
    it('every parameter set in time chunks: the carried membrane (and current) give the spikes of one pass', () => {
      const k = K();
      const rng = new Rng(12);
      for (const n of [13, 1001, 70001]) {
        const T = 7;
        const input = uniform(k, rng, T * n, -1, 4);
        for (const [name, make] of PARAMETER_SETS) {
          const whole = new Float32Array(T * n);
          ref.neuronForward(input, whole, make(T, n));
          const chunked = k.alloc(T * n);
          const membrane = k.alloc(n),
            current = k.alloc(n);
          for (const [start, steps] of [
            [0, 3],
            [3, 1],
            [4, 3],
          ] as const) {
            const x = input.subarray(start * n, (start + steps) * n);
            const out = k.alloc(steps * n);
            const a = make(steps, n);
            k.neuronForward(x, out, {
              ...a,
              membrane,
              ...(a.synapse === undefined ? {} : { synapse: { ...a.synapse, current } }),
            });
            chunked.set(out, start * n);
            k.free(out);
          }
          assertBits(chunked, whole, `${name} chunks n=${n}`);
          [chunked, membrane, current].forEach((x) => k.free(x));
        }
        k.free(input);
      }
    });

    it('every parameter set with one step of input given once: the spikes of the input repeated T times', () => {
      const k = K();
      const rng = new Rng(14);
      for (const n of SIZES) {
        const T = 5;
        const once = uniform(k, rng, n, -1, 4);
        const repeated = new Float32Array(T * n);
        for (let t = 0; t < T; t++) repeated.set(once, t * n);
        for (const [name, make] of PARAMETER_SETS) {
          const expected = new Float32Array(T * n);
          ref.neuronForward(repeated, expected, make(T, n));
          const spikes = k.alloc(T * n);
          k.neuronForward(once, spikes, { ...make(T, n), inputOnce: true });
          assertBits(spikes, expected, `${name} input once n=${n}`);
          k.free(spikes);
        }
        k.free(once);
      }
    });

    it("every parameter set with the input representation fused in: the backend's own sumRows of the input", () => {
      const k = K();
      const rng = new Rng(15);
      for (const n of SIZES) {
        const T = 5;
        const weights = Float64Array.from({ length: T }, (_, t) => 0.9 ** (T - 1 - t) / 3);
        const input = uniform(k, rng, T * n, -1, 4);
        const once = input.subarray(0, n);
        const repeated = k.alloc(T * n);
        k.elementwise([once], repeated, { op: 'copy' });
        for (const [name, make] of PARAMETER_SETS) {
          for (const [x, inputOnce] of [
            [input, false],
            [once, true],
          ] as const) {
            const full = inputOnce ? repeated : input;
            const spikes = k.alloc(T * n),
              rep = k.alloc(n);
            const sRef = new Float32Array(T * n),
              repRef = new Float32Array(n),
              repOwn = k.alloc(n);
            const a = { ...make(T, n), ...(inputOnce ? { inputOnce } : {}) };
            k.neuronForward(x, spikes, { ...a, inputRep: { out: rep, weights } });
            ref.neuronForward(full, sRef, make(T, n));
            ref.sumRows(full, repRef, { rows: T, cols: n, weights });
            k.sumRows(full, repOwn, { rows: T, cols: n, weights });
            const what = `${name} n=${n}${inputOnce ? ' input once' : ''}`;
            assertBits(spikes, sRef, `${what} spikes`);
            assertBits(rep, k.toHost(repOwn), `${what} representation against the backend's sumRows`);
            assertClose(rep, repRef, { rtol: 1e-5 }, `${what} representation`);
            [spikes, rep, repOwn].forEach((b) => k.free(b));
          }
        }
        [input, repeated].forEach((b) => k.free(b));
      }
    });

    it("every parameter set with its spikes pooled: the backend's pooling of its spikes, bit for bit", () => {
      const k = K();
      const rng = new Rng(16);
      // [B, H, W, C, window, stride, pad]: even and odd sides, C below a vector and not a multiple of 4, a window
      // the fast loops do not fuse, and one image set large enough to be split across threads
      const shapes = [
        [2, 4, 6, 4, 2, 2, 0],
        [1, 5, 7, 8, 2, 2, 0],
        [2, 3, 3, 3, 2, 2, 0],
        [1, 6, 6, 4, 3, 2, 1],
        [3, 14, 14, 32, 2, 2, 0],
      ] as const;
      for (const [B, H, W, C, win, stride, pad] of shapes) {
        const n = B * H * W * C;
        for (const T of [1, 4, 8]) {
          const g = poolGeometry(T * B, H, W, C, win, stride, pad);
          const pooledLength = g.batch * g.outH * g.outW * C;
          const weights = Float64Array.from({ length: T }, (_, t) => (t + 1) / ((T * (T + 1)) / 2));
          const input = uniform(k, rng, T * n, -1, 4);
          const once = input.subarray(0, n);
          const start = uniform(k, rng, n, -1, 1);
          for (const [name, make] of PARAMETER_SETS) {
            for (const [inputOnce, carried] of [
              [false, false],
              [true, false],
              [false, true],
              [true, true],
            ] as const) {
              const what = `${name} [${B},${H},${W},${C}] ${win}/${stride}/${pad} T=${T}${inputOnce ? ' once' : ''}${carried ? ' carried' : ''}`;
              const x = inputOnce ? once : input;
              const plainA = { ...make(T, n), ...(inputOnce ? { inputOnce } : {}) };
              // the per-neuron outputs (and the membrane carried in and out) as without pooling
              const spikes = k.alloc(T * n),
                pooledOwn = k.alloc(pooledLength),
                pooled = k.alloc(pooledLength);
              const side = sideOutputs(k, n, weights, carried, plainA.synapse === undefined, start);
              k.neuronForward(x, spikes, { ...plainA, ...side.attrs(0) });
              k.avgPool2dForward(spikes, pooledOwn, g);
              k.neuronForward(x, pooled, { ...plainA, ...side.attrs(1), pooled: g });
              assertBits(k.toHost(pooled), k.toHost(pooledOwn), `${what} pooled`);
              side.assertSame(what);
              // and against the reference's spikes, pooled in float64
              const sRef = new Float32Array(T * n),
                pRef = new Float32Array(pooledLength);
              ref.neuronForward(x, sRef, plainA);
              ref.avgPool2dForward(sRef, pRef, g);
              k.neuronForward(x, pooled, { ...plainA, pooled: g });
              assertClose(k.toHost(pooled), pRef, { rtol: 1e-6 }, `${what} pooled against the reference`);
              [spikes, pooledOwn, pooled].forEach((b) => k.free(b));
              side.free();
            }
          }
          [input, start].forEach((b) => k.free(b));
        }
      }
      const [T, n] = [2, 4 * 4 * 4];
      const x = k.alloc(T * n),
        out = k.alloc(T * n);
      assert.throws(
        () => k.neuronForward(x, out, { ...PARAMETER_SETS[0]![1](T, n), pooled: poolGeometry(T, 4, 4, 8, 2) }),
        /neuronForward: pooled images \[2, 4, 4, 8\] do not hold the T·n = 128 spikes/,
      );
      [x, out].forEach((b) => k.free(b));
    });

    it("every parameter set on a batch-normalised input: the backend's batch-norm apply, then its forward, bit for bit", () => {
      const k = K();
      const rng = new Rng(17);
      let cases = 0,
        firing = 0;
      // [B, H, W, C]: even and odd sides, C below a vector and not a multiple of 4, and one large enough to be
      // split across threads; each unpooled and 2×2-pooled, the input given T times or once, a carried membrane
      const shapes = [
        [2, 4, 6, 4],
        [1, 5, 7, 8],
        [2, 3, 3, 3],
        [1, 3, 2, 6],
        [3, 14, 14, 32],
      ] as const;
      for (const [B, H, W, C] of shapes) {
        const n = B * H * W * C;
        const mean = uniform(k, rng, C, 0, 3),
          invStd = uniform(k, rng, C, 0.3, 2),
          gamma = uniform(k, rng, C, 0.5, 1.5),
          beta = uniform(k, rng, C, -0.5, 0.5);
        const normalized = { mean, invStd, gamma, beta, channels: C };
        for (const T of [1, 4]) {
          const g = poolGeometry(T * B, H, W, C, 2, 2, 0);
          const weights = Float64Array.from({ length: T }, (_, t) => (t + 1) / ((T * (T + 1)) / 2));
          const input = uniform(k, rng, T * n, -1, 4);
          const once = input.subarray(0, n);
          const start = uniform(k, rng, n, -1, 1);
          const normed = k.alloc(T * n);
          for (const [name, make] of PARAMETER_SETS) {
            for (const [inputOnce, carried, pool] of [
              [false, false, false],
              [true, false, false],
              [false, true, false],
              [false, false, true],
              [true, false, true],
              [false, true, true],
            ] as const) {
              const what = `${name} [${B},${H},${W},${C}] T=${T}${inputOnce ? ' once' : ''}${carried ? ' carried' : ''}${pool ? ' pooled' : ''}`;
              const x = inputOnce ? once : input;
              const xn = normed.subarray(0, x.length);
              k.batchNormApply(x, xn, mean, invStd, gamma, beta, { rows: x.length / C, channels: C });
              const plainA = { ...make(T, n), ...(inputOnce ? { inputOnce } : {}), ...(pool ? { pooled: g } : {}) };
              const length = pool ? g.batch * g.outH * g.outW * C : T * n;
              const own = k.alloc(length),
                fused = k.alloc(length);
              const side = sideOutputs(k, n, weights, carried, plainA.synapse === undefined, start);
              k.neuronForward(xn, own, { ...plainA, ...side.attrs(0) });
              k.neuronForward(x, fused, { ...plainA, ...side.attrs(1), normalized });
              assertBits(k.toHost(fused), k.toHost(own), `${what} spikes`);
              side.assertSame(what);
              cases++;
              if (k.toHost(own).some((v) => v !== 0)) firing++;
              [own, fused].forEach((b) => k.free(b));
              side.free();
            }
          }
          [input, start, normed].forEach((b) => k.free(b));
        }
        [mean, invStd, gamma, beta].forEach((b) => k.free(b));
      }
      assert.ok(firing > (3 * cases) / 4, `neurons fire in ${firing} of ${cases} cases`);
      const [T, n] = [2, 4 * 6];
      const x = k.alloc(T * n),
        out = k.alloc(T * n),
        v = k.alloc(5);
      assert.throws(
        () =>
          k.neuronForward(x, out, {
            ...PARAMETER_SETS[0]![1](T, n),
            normalized: { mean: v, invStd: v, gamma: v, beta: v, channels: 5 },
          }),
        /neuronForward: normalized.channels = 5 does not divide the n = 24 neurons of a step/,
      );
      [x, out, v].forEach((b) => k.free(b));
    });

    it('spikes packed into bits and back are the same spikes', () => {
      const k = K();
      const rng = new Rng(13);
      for (const n of [1, 31, 32, 33, 1001]) {
        const x = k.alloc(n);
        for (let i = 0; i < n; i++) x[i] = rng.uniform() < 0.2 ? 0.75 : 0;
        const bits = k.alloc(Math.ceil(n / 32));
        k.packSpikes(x, bits);
        const y = k.alloc(n);
        k.unpackSpikes(bits, y, { magnitude: 0.75 });
        assertBits(y, x, `bits n=${n}`);
        const refBits = new Float32Array(Math.ceil(n / 32));
        ref.packSpikes(x, refBits);
        assert.deepEqual(new Uint32Array(bits.buffer, bits.byteOffset, bits.length), new Uint32Array(refBits.buffer));
      }
    });

    it('every parameter set of the neuron forward: bit-identical spikes and membranes, rates to float32 accuracy', () => {
      const k = K();
      const rng = new Rng(10);
      for (const n of SIZES) {
        for (const T of [1, 3, 8]) {
          for (const dyadicInput of [true, false]) {
            const input = dyadicInput ? dyadic(k, rng, T * n, -1, 4) : uniform(k, rng, T * n, -1, 4);
            const spikes = k.alloc(T * n),
              rate = k.alloc(n),
              record = k.alloc(T * n);
            const sRef = new Float32Array(T * n),
              rRef = new Float32Array(n),
              recRef = new Float32Array(T * n);
            for (const [name, make] of PARAMETER_SETS) {
              const a = make(T, n);
              const weights = Float64Array.from({ length: T }, (_, t) => (t + 1) / ((T * (T + 1)) / 2));
              k.neuronForward(input, spikes, { ...a, rate: { out: rate, weights }, record });
              ref.neuronForward(input, sRef, { ...a, rate: { out: rRef, weights }, record: recRef });
              assertBits(spikes, sRef, `${name} spikes n=${n} T=${T}`);
              assertBits(record, recRef, `${name} recorded membrane n=${n} T=${T}`);
              assertClose(rate, rRef, { rtol: 1e-5 }, `${name} rate n=${n} T=${T}`);
              k.neuronForward(input, spikes, { ...a, rate: { out: rate, weights } }); // no record: the fused kernels
              ref.neuronForward(input, sRef, { ...a, rate: { out: rRef, weights } });
              assertBits(spikes, sRef, `${name} spikes (no record) n=${n} T=${T}`);
              assertClose(rate, rRef, { rtol: 1e-5 }, `${name} rate (no record) n=${n} T=${T}`);
              k.neuronForward(input, spikes, a); // the rate may be skipped
              ref.neuronForward(input, sRef, a);
              assertBits(spikes, sRef, `${name} spikes alone n=${n} T=${T}`);
            }
            [input, spikes, rate, record].forEach((b) => k.free(b));
          }
        }
      }
    });

    it("an input that lands exactly on the threshold fires with '>=' and not with '>', as in the reference", () => {
      const k = K();
      const input = k.alloc(4 * 5);
      input.set([0.25, 0.5, 1, 3, -1, 0.25, 0.5, 1, 3, -1, 0.25, 0.5, 1, 3, -1, 0.25, 0.5, 1, 3, -1]); // T=4, n=5
      for (const strict of [false, true]) {
        const spikes = k.alloc(20),
          sRef = new Float32Array(20);
        const a = {
          T: 4,
          n: 5,
          decay: 1,
          gain: 1,
          threshold: 0.5,
          strict,
          reset: { kind: 'subtract', amount: 1 },
          magnitude: 1,
        } as const;
        k.neuronForward(input, spikes, a);
        ref.neuronForward(input, sRef, a);
        assertBits(spikes, sRef, `IF on the threshold, strict=${strict}`);
        assert.equal(spikes[1], strict ? 0 : 1, '0.5 reaches the threshold 0.5 at the first step');
        k.free(spikes);
      }
    });

    it('time aggregation and replication, the representation backward and clamp match the reference', () => {
      const k = K();
      const rng = new Rng(11);
      for (const n of SIZES) {
        const T = 5;
        const x = uniform(k, rng, T * n);
        const w = Float64Array.from({ length: T }, () => rng.uniform());
        const out = k.alloc(n),
          outRef = new Float32Array(n);
        k.sumRows(x, out, { rows: T, cols: n, weights: w });
        ref.sumRows(x, outRef, { rows: T, cols: n, weights: w });
        assertClose(out, outRef, { rtol: 1e-5 }, `weighted time sum n=${n}`);
        const big = k.alloc(T * n),
          bigRef = new Float32Array(T * n);
        k.elementwise([out], big, { op: 'scale', alpha: 0.2 });
        ref.elementwise([out], bigRef, { op: 'scale', alpha: 0.2 });
        assertClose(big, bigRef, ONE_ULP, `time replication n=${n}`);
        const mean = dyadic(k, rng, n, -0.5, 1.5); // hits 0 and hi = 1 exactly
        const g = uniform(k, rng, n);
        for (const closed of [true, false]) {
          const gi = k.alloc(n),
            giRef = new Float32Array(n);
          const a = { mode: 'representation', n, inputRep: mean, hi: 1, slope: 0.75, closed } as const;
          const th = k.neuronBackward(g, gi, a);
          const thRef = ref.neuronBackward(g, giRef, a);
          assertBits(gi, giRef, `representation backward closed=${closed} n=${n}`);
          assert.ok(Math.abs(th - thRef) <= 1e-9 * (1 + Math.abs(thRef)), `threshold gradient ${th} vs ${thRef}`);
          k.free(gi);
        }
        const y = k.alloc(n),
          yRef = new Float32Array(n);
        k.elementwise([g], y, { op: 'clamp', lo: -0.25, hi: 0.5 });
        ref.elementwise([g], yRef, { op: 'clamp', lo: -0.25, hi: 0.5 });
        assertBits(y, yRef, `clamp n=${n}`);
        [x, out, big, mean, g, y].forEach((b) => k.free(b));
      }
    });

    it('the surrogate (BPTT) forward and backward match the reference (hard and soft, with and without a synapse)', () => {
      const k = K();
      const rng = new Rng(12);
      // 37 and 5003: partial vectors; 70001: split across threads (native blocks, wasm workers).
      for (const [T, n] of [
        [6, 37],
        [4, 5003],
        [2, 70001],
      ] as const) {
        for (const soft of [false, true]) {
          for (const model of SURROGATE_MODELS) {
            const input = uniform(k, rng, T * n, -1, 3);
            const s = k.alloc(T * n),
              m = k.alloc(T * n),
              sRef = new Float32Array(T * n),
              mRef = new Float32Array(T * n);
            k.neuronForward(input, s, surrogateForwardAttrs(model, T, n, m, 4, soft));
            ref.neuronForward(input, sRef, surrogateForwardAttrs(model, T, n, mRef, 4, soft));
            const what = `${model.config.kind} soft=${soft} n=${n}`;
            // Hard: bit-identical. Soft: exp() of two engines may differ in the last bit, and the membrane follows.
            if (soft) assertClose(m, mRef, { rtol: 1e-6 }, `membrane ${what}`);
            else assertBits(m, mRef, `membrane ${what}`);
            if (soft) assertClose(s, sRef, { rtol: 1e-6 }, `spikes ${what}`);
            else assertBits(s, sRef, `spikes ${what}`);
            const go = uniform(k, rng, T * n);
            const gi = k.alloc(T * n),
              giRef = new Float32Array(T * n);
            const dv = k.neuronBackward(go, gi, surrogateBackwardAttrs(model, T, n, m, 4, soft));
            const dvRef = ref.neuronBackward(go, giRef, surrogateBackwardAttrs(model, T, n, mRef, 4, soft));
            assertClose(gi, giRef, { rtol: 1e-5 }, `gradInput ${what}`);
            assert.ok(Math.abs(dv - dvRef) <= 1e-6 * (1 + Math.abs(dvRef)), `dVth ${dv} vs ${dvRef} (${what})`);
            [input, s, m, go, gi].forEach((b) => k.free(b));
          }
        }
      }
    });

    it('the elementwise kernel, with accumulation, in place and with a repeated row, matches the reference', () => {
      const k = K();
      const rng = new Rng(13);
      const ops: ElementwiseAttrs[] = [
        { op: 'fill', value: -2.5 },
        { op: 'copy' },
        { op: 'scale', alpha: 0.3 },
        { op: 'clamp', lo: -0.25, hi: 0.5 },
        { op: 'add' },
        { op: 'mul' },
      ];
      const inputsOf = (attrs: ElementwiseAttrs, a: Float32Array, b: Float32Array): Float32Array[] =>
        attrs.op === 'fill' ? [] : attrs.op === 'add' || attrs.op === 'mul' ? [a, b] : [a];
      // Exact, unless a product with a non-float32 factor (0.3) rounds once more than in float64, or an accumulation
      // rounds op's result before adding it: a rounding of the operands' size (|values| ≤ 3.5 here), however small the sum.
      const compare = (out: Float32Array, outRef: Float32Array, attrs: ElementwiseAttrs, what: string): void => {
        if (attrs.accumulate === true) assertClose(out, outRef, { rtol: 2.5e-7, atol: 5e-7 }, what);
        else if (attrs.op === 'scale') assertClose(out, outRef, ONE_ULP, what);
        else assertBits(out, outRef, what);
      };
      for (const n of SIZES) {
        const a = uniform(k, rng, n),
          b = uniform(k, rng, n);
        for (const op of ops) {
          for (const attrs of [op, { ...op, accumulate: true }]) {
            const out = uniform(k, rng, n),
              outRef = plain(out); // garbage unless accumulating
            k.elementwise(inputsOf(attrs, a, b), out, attrs);
            ref.elementwise(inputsOf(attrs, a, b), outRef, attrs);
            compare(out, outRef, attrs, `${op.op} accumulate=${attrs.accumulate === true} n=${n}`);
          }
        }
        const inPlaceRef = plain(a);
        k.elementwise([a, b], a, { op: 'add' });
        ref.elementwise([inPlaceRef, b], inPlaceRef, { op: 'add' });
        assertBits(a, inPlaceRef, `add in place n=${n}`);
        [a, b].forEach((x) => k.free(x));
      }
      for (const [rows, cols] of [
        [1, 1],
        [7, 10],
        [300, 64],
        [5000, 24],
      ] as const) {
        const x = uniform(k, rng, rows * cols),
          row = uniform(k, rng, cols);
        for (const attrs of ops.filter((o) => o.op !== 'fill').flatMap((o) => [o, { ...o, accumulate: true }])) {
          const inputs = inputsOf(attrs, x, row).map((v, i, all) => (i === all.length - 1 ? row : v));
          const out = uniform(k, rng, rows * cols),
            outRef = plain(out);
          k.elementwise(inputs, out, attrs);
          ref.elementwise(inputs, outRef, attrs);
          compare(
            out,
            outRef,
            attrs,
            `${attrs.op} of a repeated row accumulate=${attrs.accumulate === true} ${rows}×${cols}`,
          );
          k.free(out);
        }
        const y = plain(x);
        k.elementwise([x, row], x, { op: 'add' }); // the bias of a dense linear forward, in place
        ref.elementwise([y, row], y, { op: 'add' });
        assertBits(x, y, `bias row in place ${rows}×${cols}`);
        [x, row].forEach((v) => k.free(v));
      }
    });

    it('scaleRows matches the reference, and gives the bits of one scale per row on the same backend', () => {
      const k = K();
      const rng = new Rng(14);
      // a scale row, odd widths below a vector, the convnet's conv [64, 288] and classifier [256, 3136] gradients
      for (const [rows, cols] of [
        [1, 1],
        [3, 7],
        [64, 288],
        [256, 3136],
        [5, 70001],
      ] as const) {
        const x = uniform(k, rng, rows * cols);
        const s = uniform(k, rng, rows, -2, 2);
        s[rows - 1] = 0; // a channel without a correction
        for (const accumulate of [false, true]) {
          const out = uniform(k, rng, rows * cols), // garbage unless accumulating
            outRef = plain(out),
            perRow = k.alloc(rows * cols);
          perRow.set(out);
          k.fromHost(perRow);
          const attrs: ElementwiseAttrs = { op: 'scaleRows', accumulate };
          const what = `scaleRows ${rows}×${cols} accumulate=${accumulate}`;
          k.elementwise([x, s], out, attrs);
          ref.elementwise([x, s], outRef, attrs);
          k.toHost(out);
          if (accumulate) assertClose(out, outRef, { rtol: 2.5e-7, atol: 5e-7 }, what);
          else assertBits(out, outRef, what); // float32 factors: the product is exact in float64
          for (let r = 0; r < rows; r++) {
            const part = (v: Float32Array): Float32Array => v.subarray(r * cols, (r + 1) * cols);
            k.elementwise([part(x)], part(perRow), { op: 'scale', alpha: s[r]!, accumulate });
          }
          assertBits(out, k.toHost(perRow), `${what} against one scale per row`);
          [out, perRow].forEach((v) => k.free(v));
        }
        [x, s].forEach((v) => k.free(v));
      }
    });

    it('reductions and row sums (plain, weighted, accumulated) match the reference', () => {
      const k = K();
      const rng = new Rng(15);
      for (const n of SIZES) {
        const a = uniform(k, rng, n);
        const s = k.reduce(a, { op: 'sum' }),
          sRef = ref.reduce(a, { op: 'sum' });
        assert.ok(Math.abs(s - sRef) <= 1e-12 * n, `sum n=${n}: ${s} vs ${sRef}`);
        for (let i = 0; i < n; i += 3) a[i] = 0;
        if (n > 1) a[1] = NaN;
        assert.equal(
          k.reduce(a, { op: 'countNonzero' }),
          ref.reduce(a, { op: 'countNonzero' }),
          `non-zero count n=${n}`,
        );
        k.free(a);
      }
      for (const [rows, cols] of [
        [1, 1],
        [7, 10],
        [300, 64],
        [5000, 24],
      ] as const) {
        const x = uniform(k, rng, rows * cols);
        const weights = Float64Array.from({ length: rows }, () => rng.uniform());
        for (const w of [undefined, weights]) {
          for (const accumulate of [false, true]) {
            const o = uniform(k, rng, cols),
              oRef = plain(o);
            const attrs = { rows, cols, accumulate, ...(w === undefined ? {} : { weights: w }) };
            k.sumRows(x, o, attrs);
            ref.sumRows(x, oRef, attrs);
            // Weighted sums run per column in float32 on wasm (few rows), plain ones in float64.
            assertClose(
              o,
              oRef,
              { rtol: w === undefined ? 1e-6 : 1e-5 },
              `sumRows ${rows}×${cols} weighted=${w !== undefined} accumulate=${accumulate}`,
            );
            k.free(o);
          }
        }
        k.free(x);
      }
    });

    it('softmax cross-entropy and the optimiser steps match the reference', () => {
      const k = K();
      const rng = new Rng(14);
      const rows = 9,
        classes = 10;
      const logits = uniform(k, rng, rows * classes, -3, 6);
      const labels = Int32Array.from({ length: rows }, () => rng.int(classes));
      const g = k.alloc(rows * classes),
        gRef = new Float32Array(rows * classes);
      // CPU backends form the loss in float64; WGSL has no float64, so webgpu's per-row log-sum-exp is float32
      const lossTol = k.name === 'webgpu' ? 1e-6 : 1e-12;
      const loss = k.softmaxCrossEntropy(logits, labels, g, { rows, classes });
      const lossRef = ref.softmaxCrossEntropy(logits, labels, gRef, { rows, classes });
      assert.ok(Math.abs(loss - lossRef) < lossTol * Math.max(1, Math.abs(lossRef)), `loss ${loss} vs ${lossRef}`);
      assertClose(g, gRef, { rtol: 1e-6 }, 'softmax gradient');
      assert.throws(() => k.softmaxCrossEntropy(logits, new Int32Array(rows).fill(10), g, { rows, classes }), {
        code: 'E_LABEL',
        message: /label 10 at row 0/,
      });
      // Logits far beyond exp's range only work with the max subtracted; a NaN logit makes its row's loss NaN.
      for (const [big, expectNaN] of [
        [[300, 1e30, -1e30, 80, 88.5, 89], false],
        [[1, NaN, 2, 3, 4, 5], true],
      ] as const) {
        const x = k.alloc(6);
        x.set(big);
        const lab = Int32Array.of(0, 2),
          gb = k.alloc(6),
          gbRef = new Float32Array(6);
        const loss = k.softmaxCrossEntropy(x, lab, gb, { rows: 2, classes: 3 });
        const lossRef = ref.softmaxCrossEntropy(x, lab, gbRef, { rows: 2, classes: 3 });
        assert.equal(Number.isNaN(loss), expectNaN, `loss ${loss}`);
        assert.ok(
          expectNaN || Math.abs(loss - lossRef) <= lossTol * Math.abs(lossRef),
          `big logits: ${loss} vs ${lossRef}`,
        );
        if (!expectNaN) assertClose(gb, gbRef, { rtol: 1e-6 }, 'big-logit gradient');
        else assert.ok(Number.isNaN(gb[0]!) && !Number.isNaN(gb[3]!), 'NaN stays in its row');
        [x, gb].forEach((b) => k.free(b));
      }
      for (const n of [3, 1001, 70001]) {
        const grad = uniform(k, rng, n);
        for (const opt of [
          { momentum: 0, dampening: 0, nesterov: false, firstStep: false },
          { momentum: 0.9, dampening: 0, nesterov: false, firstStep: true },
          { momentum: 0.9, dampening: 0.1, nesterov: false, firstStep: false },
          { momentum: 0.9, dampening: 0, nesterov: true, firstStep: false },
        ]) {
          const p = uniform(k, rng, n),
            buf = uniform(k, rng, n);
          const pRef = plain(p),
            bufRef = plain(buf);
          const a = { n, lr: 0.1, weightDecay: 5e-4, ...opt };
          k.sgdStep(p, grad, buf, a);
          ref.sgdStep(pRef, grad, bufRef, a);
          assertClose(p, pRef, { rtol: 1e-6 }, `sgd ${JSON.stringify(opt)}`);
          assertClose(buf, bufRef, { rtol: 1e-6 }, `sgd buffer ${JSON.stringify(opt)}`);
        }
        const p = uniform(k, rng, n),
          m = uniform(k, rng, n, -0.1, 0.1),
          v = uniform(k, rng, n, 0, 0.01);
        const pRef = plain(p),
          mRef = plain(m),
          vRef = plain(v);
        const a = { n, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4, step: 3 };
        k.adamStep(p, grad, m, v, a);
        ref.adamStep(pRef, grad, mRef, vRef, a);
        assertClose(p, pRef, { rtol: 1e-6 }, 'adam param');
        assertClose(m, mRef, { rtol: 1e-6 }, 'adam m');
        assertClose(v, vRef, { rtol: 1e-6 }, 'adam v');
      }
    });

    coverageCase(called, NEURON_METHODS);
  });
}
