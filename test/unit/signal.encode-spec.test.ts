import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatherBatch } from '../../src/data/dataset.js';
import { encodedSignals } from '../../src/data/encodedSignals.js';
import { Rng } from '../../src/rng.js';
import { deltaEncode } from '../../src/signal/delta.js';
import { encodedChannels, encodeSignal, parseSignalEncoder } from '../../src/signal/encode.js';
import { poissonWindowEncode } from '../../src/signal/poisson-window.js';
import { signal } from '../../src/signal/signal.js';
import { gaussianImages } from '../support/data.fixtures.js';

test('parseSignalEncoder: kinds, parameters, defaults, and one-line refusals', () => {
  assert.deepEqual(parseSignalEncoder('delta:threshold=0.1'), { kind: 'delta', threshold: 0.1 });
  assert.deepEqual(parseSignalEncoder('poisson:window=5'), { kind: 'poisson', window: 5, gain: 1, seed: 0 });
  assert.deepEqual(parseSignalEncoder('population:neurons=8,min=0,max=1,width=2'), {
    kind: 'population',
    neurons: 8,
    min: 0,
    max: 1,
    width: 2,
  });
  assert.throws(() => parseSignalEncoder('sigma-delta'), /expected one of delta, level-crossing/);
  assert.throws(() => parseSignalEncoder('delta'), /delta needs threshold=…/);
  assert.throws(() => parseSignalEncoder('delta:threshold=x'), /expected key=number/);
  assert.throws(() => parseSignalEncoder('step-forward:threshold=1,window=2'), /takes threshold, not 'window'/);
});

/** A [T, C] dataset of seeded random walks. */
function walks(n: number, T: number, C: number) {
  const rng = new Rng(11);
  const data = Float32Array.from({ length: n * T * C }, () => rng.normal() * 0.3);
  for (let i = 0; i < n; i++)
    for (let t = 1; t < T; t++)
      for (let c = 0; c < C; c++) data[(i * T + t) * C + c]! += data[(i * T + t - 1) * C + c]!;
  const base = gaussianImages(n, 1);
  return {
    ...base,
    name: 'walks',
    sampleShape: [T, C],
    read: (i: number, out: Float32Array, o: number) => out.set(data.subarray(i * T * C, (i + 1) * T * C), o),
    data,
  };
}

test('encodedSignals: each sample becomes its encoder output, [T, C′], the same whatever the order of reads', () => {
  const ds = walks(4, 30, 3);
  const delta = encodedSignals(ds, { kind: 'delta', threshold: 0.25 });
  assert.deepEqual(delta.sampleShape, [30, 6]);
  const b = gatherBatch(delta, [2, 0]);
  const want = deltaEncode(signal(30, 3, ds.data.slice(2 * 90, 3 * 90)), { threshold: 0.25 }).spikes.data;
  assert.deepEqual(b.x.subarray(0, 180), want);
  assert.equal(b.labels[0], ds.label(2));
  const poisson = encodedSignals(ds, { kind: 'poisson', window: 3, seed: 5 });
  const first = gatherBatch(poisson, [1, 3]).x.slice(90, 180);
  const again = gatherBatch(poisson, [3]).x;
  assert.deepEqual(first, again, 'sample 3 draws the same spikes read alone or second');
  assert.notDeepEqual(gatherBatch(poisson, [1]).x, again);
  assert.equal(encodedChannels({ kind: 'population', neurons: 5, min: 0, max: 1 }, 3), 15);
  const pop = encodeSignal(signal(2, 1, Float32Array.from([0, 1])), { kind: 'population', neurons: 3, min: 0, max: 1 });
  // σ = 1.5 · 0.5: the middle neuron responds exp(−0.25 / 1.125) ≈ 0.8 to either end, the far one ≈ 0.41
  assert.deepEqual([...pop.data], [1, 1, 0, 0, 1, 1]);
  const p = encodeSignal(signal(4, 1, Float32Array.from([1, 1, 1, 1])), { kind: 'poisson', window: 1 }, new Rng(1));
  assert.deepEqual(
    p.data,
    poissonWindowEncode(signal(4, 1, Float32Array.from([1, 1, 1, 1])), { window: 1, rng: new Rng(1) }).data,
  );
  assert.throws(() => encodedSignals(gaussianImages(2, 1), { kind: 'delta', threshold: 1 }), /\[time, channels\]/);
});
