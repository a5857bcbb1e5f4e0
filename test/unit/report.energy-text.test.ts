/** The energy sentence says which network uses more, by the true ratio, and never compares the ANN with itself. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { energySentence, formatJoules, formatRatio } from '../../src/report/energy-text.js';

test('an SNN that costs more: "1.24× more", never "less"', () => {
  const s = energySentence(2.48e-6, 2e-6, 'if');
  assert.match(s, /^the SNN uses 1\.24× more energy than the ANN \(2\.48 µJ against 2\.00 µJ per image\)$/);
  assert.doesNotMatch(s, /less/);
});

test('an SNN that costs less: its share of the ANN and the inverse, both true', () => {
  const s = energySentence(2.5e-6, 2.1e-5, 'if');
  // 2.5 / 21 = 0.119…, 21 / 2.5 = 8.4
  assert.match(s, /the SNN uses 0\.12× of the ANN's energy, 8\.40× less/);
  assert.doesNotMatch(s, /more/);
  assert.match(energySentence(0.8, 1, 'lif'), /0\.80× of the ANN's energy, 1\.25× less/);
});

test('the ANN run itself: no ratio, no "1.0× less"', () => {
  for (const neuron of ['ann', 'relu']) {
    const s = energySentence(4.6e-6, 4.6e-6, neuron);
    assert.match(s, /^this run is the ANN: 4\.60 µJ per image/);
    assert.doesNotMatch(s, /×/);
  }
});

test('equal to the printed precision: "as much"', () => {
  assert.match(energySentence(1.0001e-6, 1e-6, 'if'), /as much energy as the ANN/);
});

test('joules in the unit that keeps 1–1000, ratios with sensible decimals', () => {
  assert.equal(formatJoules(2.5e-6), '2.50 µJ');
  assert.equal(formatJoules(0.0123), '12.3 mJ');
  assert.equal(formatJoules(7.4e-10), '740 pJ');
  assert.equal(formatRatio(7.4), '7.40×');
  assert.equal(formatRatio(12.34), '12.3×');
  assert.equal(formatRatio(134.2), '134×');
});
