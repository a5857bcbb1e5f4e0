import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/rng.js';
import { powerSpectrum } from '../../src/signal/audio/fft.js';
import { frameCount, frames, windowFunction } from '../../src/signal/audio/framing.js';
import { audioFeatures } from '../../src/signal/audio/frontend.js';
import { erb, erbRateToHz, gammatoneFilterbank, hzToErbRate } from '../../src/signal/audio/gammatone.js';
import { hzToMel, melFilterbank, melToHz } from '../../src/signal/audio/mel.js';
import { preEmphasis } from '../../src/signal/audio/pre-emphasis.js';
import { deltaEncode } from '../../src/signal/delta.js';
import { minMaxScale } from '../../src/signal/scale.js';

const tone = (hz: number, rate: number, seconds: number): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, n) => Math.sin((2 * Math.PI * hz * n) / rate));

test('pre-emphasis follows y[n] = x[n] − α·x[n − 1], y[0] = x[0]', () => {
  const rng = new Rng(2);
  const x = Float32Array.from({ length: 50 }, () => rng.normal());
  const y = preEmphasis(x, 0.95);
  assert.equal(y[0], x[0]);
  for (let n = 1; n < 50; n++) assert.ok(Math.abs(y[n]! - (x[n]! - 0.95 * x[n - 1]!)) < 1e-6);
  // a constant is nearly removed, an alternating signal nearly doubled
  const c = preEmphasis(new Float32Array(10).fill(1), 0.97);
  assert.ok(Math.abs(c[5]! - 0.03) < 1e-6);
  assert.throws(() => preEmphasis(x, 1), /\[0, 1\)/);
});

test('FFT power spectrum equals a direct DFT; a bin-centred tone puts all its power in its bin', () => {
  const rng = new Rng(4);
  const x = Float32Array.from({ length: 20 }, () => rng.normal());
  const p = powerSpectrum(x, 32);
  for (let k = 0; k <= 16; k++) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < 20; n++) {
      re += x[n]! * Math.cos((2 * Math.PI * k * n) / 32);
      im -= x[n]! * Math.sin((2 * Math.PI * k * n) / 32);
    }
    assert.ok(Math.abs(p[k]! - (re * re + im * im)) < 1e-9 * (1 + p[k]!), `bin ${k}`);
  }
  const t = Float32Array.from({ length: 64 }, (_, n) => Math.cos((2 * Math.PI * 5 * n) / 64));
  const q = powerSpectrum(t, 64);
  assert.ok(Math.abs(q[5]! - 32 * 32) < 1e-3);
  for (let k = 0; k <= 32; k++) if (k !== 5) assert.ok(q[k]! < 1e-6, `bin ${k}: ${q[k]}`); // float32 samples leave ~1e-10 elsewhere
});

test('framing: frame count, hop and Hann/Hamming windows', () => {
  assert.equal(frameCount(100, 25, 10), 9); // starts 0, 10, …, 80 (the last padded)
  assert.equal(frameCount(10, 25, 10), 1);
  const x = Float32Array.from({ length: 100 }, (_, n) => n);
  const f = frames(x, 25, 10, 'rect');
  assert.equal(f.length, 9 * 25);
  assert.equal(f[25], 10);
  assert.equal(f[8 * 25 + 19], 99);
  assert.equal(f[8 * 25 + 20], 0, 'padding');
  const hann = windowFunction('hann', 5);
  assert.deepEqual(
    [...hann].map((v) => +v.toFixed(6)),
    [0, 0.5, 1, 0.5, 0],
  );
  const hamming = windowFunction('hamming', 3);
  assert.ok(Math.abs(hamming[0]! - 0.08) < 1e-6 && Math.abs(hamming[1]! - 1) < 1e-6);
});

test('mel scale: 1000 Hz is about 1000 mel, and the conversion inverts', () => {
  assert.ok(Math.abs(hzToMel(1000) - 1000) < 0.1);
  for (const f of [0, 123, 4000, 11025]) assert.ok(Math.abs(melToHz(hzToMel(f)) - f) < 1e-6);
  const fb = melFilterbank({ bands: 10, sampleRate: 16000, nfft: 512 });
  // centres rise, each filter peaks at 1 near its centre and is zero outside its edges
  for (let m = 1; m < 10; m++) assert.ok(fb.centres[m]! > fb.centres[m - 1]!);
  for (let m = 0; m < 10; m++) {
    for (let k = 0; k < fb.bins; k++) {
      const f = (k * 16000) / 512;
      const w = fb.weights[m * fb.bins + k]!;
      if (f <= fb.edges[m]! || f >= fb.edges[m + 2]!) assert.equal(w, 0);
      else assert.ok(w > 0 && w <= 1);
    }
  }
});

for (const hz of [300, 1000, 3500]) {
  test(`front end: a pure ${hz} Hz tone's energy lands in the mel band containing ${hz} Hz`, () => {
    const rate = 16000;
    const feats = audioFeatures(tone(hz, rate, 0.5), { sampleRate: rate, bands: 24, preEmphasis: 0 });
    assert.equal(feats.C, 24);
    assert.equal(feats.T, frameCount(8000, 400, 160));
    const fb = melFilterbank({ bands: 24, sampleRate: rate, nfft: 512, fmin: 20 });
    // the band whose triangle peaks closest to the tone, i.e. the band with the largest weight at that frequency
    const bin = Math.round((hz * 512) / rate);
    let want = 0;
    for (let m = 1; m < 24; m++) if (fb.weights[m * fb.bins + bin]! > fb.weights[want * fb.bins + bin]!) want = m;
    assert.ok(fb.edges[want]! < hz && hz < fb.edges[want + 2]!);
    for (let t = 1; t < feats.T - 3; t++) {
      const row = feats.data.subarray(t * 24, (t + 1) * 24);
      assert.equal(row.indexOf(Math.max(...row)), want, `frame ${t}`);
    }
  });
}

test('gammatone: ERB-rate spacing, and a tone peaks in the band with the nearest centre', () => {
  assert.ok(Math.abs(erb(1000) - 132.639) < 1e-3);
  assert.ok(Math.abs(erbRateToHz(hzToErbRate(2500)) - 2500) < 1e-6);
  const fb = gammatoneFilterbank({ bands: 16, sampleRate: 16000, nfft: 512 });
  const steps = Array.from(fb.centres, (c) => hzToErbRate(c));
  for (let m = 2; m < 16; m++) assert.ok(Math.abs(steps[m]! - steps[m - 1]! - (steps[1]! - steps[0]!)) < 1e-9);
  const feats = audioFeatures(tone(1200, 16000, 0.3), { sampleRate: 16000, bands: 16, filterbank: 'gammatone' });
  let nearest = 0;
  for (let m = 1; m < 16; m++) if (Math.abs(fb.centres[m]! - 1200) < Math.abs(fb.centres[nearest]! - 1200)) nearest = m;
  const row = feats.data.subarray(5 * 16, 6 * 16);
  assert.equal(row.indexOf(Math.max(...row)), nearest);
});

test('front end feeds an encoder: a tone switched on at 0.2 s gives delta ON events in its band then', () => {
  const rate = 8000;
  const x = new Float32Array(rate * 0.5);
  x.set(tone(1000, rate, 0.3), rate * 0.2);
  const feats = minMaxScale(audioFeatures(x, { sampleRate: rate, bands: 16 }));
  const { spikes } = deltaEncode(feats, { threshold: 0.2 });
  const fb = melFilterbank({ bands: 16, sampleRate: rate, nfft: 256, fmin: 20 });
  let band = 0;
  for (let m = 1; m < 16; m++) if (Math.abs(fb.centres[m]! - 1000) < Math.abs(fb.centres[band]! - 1000)) band = m;
  const onsets: number[] = [];
  for (let t = 0; t < spikes.T; t++) if (spikes.data[t * 32 + 2 * band + 1]! > 0) onsets.push(t);
  // frames start every 10 ms; the tone reaches frame 18 (starting at 180 ms, 25 ms long) first
  assert.ok(onsets.length > 0 && onsets[0]! >= 17 && onsets[0]! <= 20, `onsets ${onsets}`);
});
