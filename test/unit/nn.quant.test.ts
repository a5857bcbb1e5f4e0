/**
 * Weight quantisation (nn/quant.ts): values on the symmetric grid at 8, 4 and 2 bits, the scale choice against a
 * brute-force search written here, per-layer and per-channel scales, and the straight-through backward of
 * quantised conv and linear layers against float64 references run on the quantised weights.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conv2d } from '../../src/nn/conv2d.js';
import type { RunContext } from '../../src/nn/layer.js';
import { Linear } from '../../src/nn/linear.js';
import { chooseScale, fakeQuantize, integerWeights, levels, weightScales } from '../../src/nn/quant.js';
import { trainMode } from '../../src/nn/run-mode.js';
import { Rng } from '../../src/rng.js';
import { tensor } from '../../src/tensor.js';
import { assertClose, randn } from '../support/gradcheck.js';
import { testKernels } from '../support/kernels.under-test.js';
import { type ConvDims, conv64, linear64 } from '../support/ref64.js';

const k = await testKernels();
const ctx = (): RunContext => ({ k, T: 1, batch: 2, rng: new Rng(0), mode: trainMode(1) });

/** The scale minimising Σ(w − s·clamp(round(w/s)))² over max|w|/q·f, f = 1, 0.9, …, 0.3, first wins ties. */
function bruteScale(w: number[], bits: number): number {
  const q = 2 ** (bits - 1) - 1;
  const max = Math.max(...w.map(Math.abs));
  let best = 0;
  let bestErr = Infinity;
  for (let f10 = 10; f10 >= 3; f10--) {
    const s = (max / q) * (f10 / 10);
    let e = 0;
    for (const v of w) {
      const level = Math.min(q, Math.max(-q, Math.round(v / s)));
      e += (v - level * s) ** 2;
    }
    if (e < bestErr - 1e-15) {
      best = s;
      bestErr = e;
    }
  }
  return best;
}

describe('weight quantiser', () => {
  it('has 127, 7 and 1 levels each side at 8, 4 and 2 bits', () => {
    assert.deepEqual([levels(8), levels(4), levels(2)], [127, 7, 1]);
  });

  for (const bits of [8, 4, 2] as const) {
    it(`puts every ${bits}-bit value on the grid s·{−q…q} and picks the least-squares scale`, () => {
      const w = randn(new Rng(bits), 300, 0.5);
      const out = k.alloc(w.length);
      const wb = k.alloc(w.length);
      wb.set(w);
      k.fromHost(wb);
      const [s] = fakeQuantize(k, wb, out, 1, { bits, scale: 'layer' });
      k.toHost(out);
      assert.ok(Math.abs(s! - bruteScale([...w], bits)) <= 1e-9 * s!, `scale ${s} vs brute force`);
      const q = levels(bits);
      const seen = new Set<number>();
      for (let i = 0; i < w.length; i++) {
        const level = out[i]! / s!;
        assert.ok(Math.abs(level - Math.round(level)) < 1e-3, `value ${out[i]} is not on the grid`);
        assert.ok(Math.abs(Math.round(level)) <= q, `level ${level} beyond ±${q}`);
        seen.add(Math.round(level));
        // nearest grid point inside the clipping range
        const clipped = Math.min(q * s!, Math.max(-q * s!, w[i]!));
        assert.ok(Math.abs(out[i]! - clipped) <= s! / 2 + 1e-6, 'rounded to the nearest level');
      }
      assert.ok(seen.size >= Math.min(2 * q + 1, 20), `uses the grid (${seen.size} levels seen)`);
      k.free(out);
      k.free(wb);
    });
  }

  it('keeps max|w|/q at 8 bits for uniform weights and clips at 2 bits', () => {
    const rng = new Rng(4);
    const w = Array.from({ length: 1000 }, () => 2 * rng.uniform() - 1);
    const max = Math.max(...w.map(Math.abs));
    assert.equal(chooseScale(w, 0, w.length, 8), max / 127);
    assert.ok(chooseScale(w, 0, w.length, 2) < max, 'the ternary scale clips the largest weights');
    assert.equal(chooseScale([0, 0, 0], 0, 3, 4), 0);
  });

  it('gives every output channel its own scale per channel, one for all per layer', () => {
    const rows = 3;
    const w = randn(new Rng(9), rows * 20, 1);
    for (let i = 20; i < 40; i++) w[i]! *= 10; // the second channel is ten times larger
    const perChannel = weightScales(w, rows, { bits: 4, scale: 'channel' });
    assert.equal(perChannel.length, rows);
    for (let r = 0; r < rows; r++) assert.equal(perChannel[r], bruteScale([...w.slice(r * 20, (r + 1) * 20)], 4));
    assert.ok(perChannel[1]! > 5 * perChannel[0]!);
    const perLayer = weightScales(w, rows, { bits: 4, scale: 'layer' });
    assert.deepEqual([...perLayer], [bruteScale([...w], 4)]);
    const ints = integerWeights(w, perChannel, 4);
    for (let i = 0; i < w.length; i++) {
      const s = perChannel[Math.floor(i / 20)]!;
      assert.equal(ints[i], Math.max(-7, Math.min(7, Math.round(w[i]! / s))) || 0); // Int32Array has no −0
    }
  });
});

describe('straight-through backward', () => {
  it('linear: forward and dx on the quantised weight, dW = dyᵀ·x passed to the float weight', () => {
    const rng = new Rng(1);
    const [rows, inF, outF] = [5, 7, 4];
    const lin = new Linear({ k, rng }, { name: 'fc', inF, outF, quant: { bits: 4, scale: 'channel' } });
    const w = Float64Array.from(lin.weight.value);
    const scales = weightScales(w, outF, { bits: 4, scale: 'channel' });
    const wq = Float64Array.from(integerWeights(w, scales, 4), (v, i) => v * scales[Math.floor(i / inF)]!);
    const x = randn(rng, rows * inF);
    const dy = randn(rng, rows * outF);
    lin.weight.grad.fill(0);
    lin.bias!.grad.fill(0);
    const y = lin.forward(tensor([rows, inF], x), ctx());
    assertClose(k.toHost(y.data), linear64(x, wq, lin.bias!.value, rows, inF, outF), { rtol: 1e-5 }, 'forward');
    const dx = lin.backward(tensor([rows, outF], dy), ctx());
    // independent loops: dx = dy·Wq, dW = dyᵀ·x (the gradient with respect to the quantised weight)
    const dx64 = new Float64Array(rows * inF);
    const dW64 = new Float64Array(outF * inF);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < outF; o++)
        for (let i = 0; i < inF; i++) {
          dx64[r * inF + i]! += dy[r * outF + o]! * wq[o * inF + i]!;
          dW64[o * inF + i]! += dy[r * outF + o]! * x[r * inF + i]!;
        }
    assertClose(k.toHost(dx.data), dx64, { rtol: 1e-5 }, 'dx');
    assertClose(k.toHost(lin.weight.grad), dW64, { rtol: 1e-5 }, 'dW');
    assert.deepEqual(Float64Array.from(lin.weight.value), w, 'the float master weight is what the optimiser sees');
  });

  it('conv: the same layer with the quantised weight loaded as floats gives the same outputs and gradients', () => {
    const rng = new Rng(2);
    const d: ConvDims = { n: 2, h: 5, w: 5, c: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 };
    const outC = 3;
    const quant = { bits: 2, scale: 'layer' } as const;
    const qConv = new Conv2d({ k, rng: new Rng(3) }, { name: 'c', inC: 2, outC, kernel: 3, pad: 1, quant });
    const fConv = new Conv2d({ k, rng: new Rng(4) }, { name: 'c', inC: 2, outC, kernel: 3, pad: 1 });
    const w = Float64Array.from(qConv.weight.value);
    const scales = weightScales(w, outC, quant);
    const wq = Float64Array.from(integerWeights(w, scales, 2), (v) => v * scales[0]!);
    fConv.weight.value.set(wq);
    fConv.bias!.value.set(qConv.bias!.value);
    const x = randn(rng, d.n * d.h * d.w * d.c);
    const dy = randn(rng, d.n * d.h * d.w * outC);
    const y = Float64Array.from(k.toHost(qConv.forward(tensor([2, 5, 5, 2], x), ctx()).data));
    assertClose(y, conv64(x, wq, qConv.bias!.value, d, outC), { rtol: 1e-5 }, 'forward on the ternary weight');
    for (const c of [qConv, fConv]) for (const p of c.params()) p.grad.fill(0);
    const dxQ = Float64Array.from(k.toHost(qConv.backward(tensor([2, 5, 5, outC], dy), ctx()).data));
    fConv.forward(tensor([2, 5, 5, 2], x), ctx());
    const dxF = k.toHost(fConv.backward(tensor([2, 5, 5, outC], dy), ctx()).data);
    assertClose(dxQ, dxF, { rtol: 1e-5 }, 'dx');
    assertClose(k.toHost(qConv.weight.grad), k.toHost(fConv.weight.grad), { rtol: 1e-5 }, 'dW');
  });
});
