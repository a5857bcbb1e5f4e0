/**
 * Conv2d and Linear forward paths: 'event' gives the 'dense' output (and, through the unchanged backward, the same
 * gradients), follows weight updates between forwards, gathers the batch-norm correction's product in the forward
 * as weightProduct computes it apart, and 'auto' picks event for sparse input and dense for dense.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { reference } from '../../src/kernels/reference/index.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import type { ForwardPath } from '../../src/nn/forward-path.js';
import type { RunContext } from '../../src/nn/layer.js';
import { Linear } from '../../src/nn/linear.js';
import { trainMode } from '../../src/nn/run-mode.js';
import { Rng } from '../../src/rng.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { assertClose, closeness, randn } from '../support/gradcheck.js';
import { sparse } from '../support/sparse-inputs.js';

const TOL = { rtol: 1e-4, atol: 1e-6 };
let wasm: Kernels;
before(async () => {
  wasm = await createKernels('wasm', { threads: 1 });
});
after(() => disposeKernels(wasm));

const ctxOf = (k: Kernels): RunContext => ({ k, T: 1, batch: 4, rng: new Rng(0), mode: trainMode(1) });
const conv = (k: Kernels, forwardPath: ForwardPath): Conv2d =>
  new Conv2d({ k, rng: new Rng(11) }, { name: 'c', inC: 6, outC: 10, kernel: 3, stride: 2, pad: 1, forwardPath });
const linear = (k: Kernels, forwardPath: ForwardPath): Linear =>
  new Linear({ k, rng: new Rng(12) }, { name: 'fc', inF: 90, outF: 13, forwardPath });

type Made = Conv2d | Linear;

/** Forward and backward of a layer on x; returns the output, dx and the parameter gradients. */
function run(layer: Made, x: Tensor, k: Kernels): Float32Array[] {
  const ctx = ctxOf(k);
  const y = layer.forward(x, ctx);
  const out = Float32Array.from(y.data);
  const dy = randn(new Rng(4), y.data.length);
  const dx = layer.backward(tensor(y.shape, dy), ctx);
  return [out, Float32Array.from(dx.data), ...layer.params().map((p) => Float32Array.from(p.grad))];
}

for (const [name, make, shape] of [
  ['Conv2d', conv, [4, 7, 7, 6]],
  ['Linear', linear, [4, 90]],
] as const) {
  for (const backend of ['reference', 'wasm'] as const) {
    describe(`${name} forward paths (${backend})`, () => {
      const K = (): Kernels => (backend === 'reference' ? reference : wasm);
      const input = (density: number, graded = false): Tensor => {
        const n = shape.slice(1).reduce((a, b) => a * b, 1);
        return tensor([...shape], sparse(K(), new Rng(Math.round(density * 100)), shape[0], n, density, graded));
      };

      it("'event' gives the output and gradients of 'dense' on binary and graded sparse inputs", () => {
        for (const [density, graded] of [
          [0.1, false],
          [0.3, true],
          [0, false],
          [1, false],
        ] as const) {
          const ev = make(K(), 'event'),
            de = make(K(), 'dense');
          const a = run(ev, input(density, graded), K()),
            b = run(de, input(density, graded), K());
          assert.equal(ev.lastForwardPath, 'event');
          assert.equal(de.lastForwardPath, 'dense');
          a.forEach((v, i) => assertClose(v, b[i]!, TOL, `tensor ${i} at density ${density}`));
        }
      });

      it('the event path uses the weights as they are at each forward', () => {
        const ev = make(K(), 'event'),
          de = make(K(), 'dense');
        const x = input(0.2);
        const first = Float32Array.from(ev.forward(x, ctxOf(K())).data);
        for (const layer of [ev, de]) layer.weight.value.forEach((v, i, w) => (w[i] = v * 0.5 + (i % 7) * 0.01));
        const y = ev.forward(x, ctxOf(K())).data;
        assertClose(y, de.forward(x, ctxOf(K())).data, TOL, 'after a weight update');
        assert.ok(closeness(y, first, TOL).ratio > 1, 'the update changed the output');
      });

      it('forwardWithProduct gives the forward and weightProduct of the input against that output, on both paths', () => {
        for (const path of ['event', 'dense'] as const) {
          for (const accumulate of [false, true]) {
            const fused = make(K(), path),
              plainLayer = make(K(), path);
            const x = input(0.2, true);
            const nw = fused.weight.value.length;
            const start = randn(new Rng(5), nw); // what an accumulating call adds to; overwritten otherwise
            const out = K().alloc(nw),
              expected = K().alloc(nw);
            out.set(start);
            expected.set(start);
            const y = fused.forwardWithProduct(x, ctxOf(K()), out, accumulate);
            assert.equal(fused.lastForwardPath, path);
            const yPlain = plainLayer.forward(x, ctxOf(K()));
            plainLayer.weightProduct(K(), x, yPlain, expected, accumulate);
            assertClose(y.data, yPlain.data, TOL, `${path} output`);
            assertClose(out, expected, TOL, `${path} product, accumulate=${accumulate}`);
            assert.ok(closeness(out, start, TOL).ratio > 1, 'the product is not the starting buffer');
          }
        }
      });

      it("'auto' takes the event path for sparse input and the dense one for dense input", () => {
        const layer = make(K(), 'auto');
        assert.equal(layer.lastForwardPath, null);
        layer.forward(input(0.05), ctxOf(K()));
        assert.equal(layer.lastForwardPath, 'event');
        const dense = tensor([...shape], randn(new Rng(3), input(0).data.length));
        layer.forward(dense, ctxOf(K()));
        assert.equal(layer.lastForwardPath, 'dense');
        layer.forward(input(0.9), ctxOf(K()));
        assert.equal(layer.lastForwardPath, 'dense');
      });
    });
  }
}
