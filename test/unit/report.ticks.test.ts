/** Axis ticks: round steps (1, 2, 5 × 10^k), ranges fitted to the data, whole numbers where asked. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { niceAxis, niceStep, tickLabel } from '../../src/report/ticks.js';

test('niceStep picks the smallest of 1, 2, 5 × 10^k at least the raw step', () => {
  assert.equal(niceStep(0.3), 0.5);
  assert.equal(niceStep(0.1), 0.1);
  assert.equal(niceStep(0.30000000000000004), 0.5);
  assert.equal(niceStep(1.2), 2);
  assert.equal(niceStep(2), 2);
  assert.equal(niceStep(3.7), 5);
  assert.equal(niceStep(7), 10);
  assert.equal(niceStep(0.0123), 0.02);
  assert.equal(niceStep(430), 500);
});

/** Every tick is a whole multiple of the step, and the step is 1, 2 or 5 × 10^k. */
function assertRound(ticks: readonly number[], step: number): void {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-12);
  assert.ok(
    [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9),
    `step ${step}`,
  );
  for (const t of ticks) assert.ok(Math.abs(t / step - Math.round(t / step)) < 1e-6, `tick ${t} on step ${step}`);
  for (let i = 1; i < ticks.length; i++) assert.ok(Math.abs(ticks[i]! - ticks[i - 1]! - step) < 1e-9);
}

test('accuracy at 98–99.5 % gets an axis of 97.5–100 % in steps of 0.5, never beyond 100', () => {
  const a = niceAxis([98, 98.6, 99.1, 99.5], { bounds: [0, 100] });
  assert.equal(a.lo, 97.5);
  assert.equal(a.hi, 100);
  assert.equal(a.step, 0.5);
  assert.deepEqual(a.ticks, [97.5, 98, 98.5, 99, 99.5, 100]);
  assertRound(a.ticks, a.step);
});

test('the range covers the data and the ticks stay within the limit', () => {
  const cases: [number[], number][] = [
    [[0.341, 0.0177], 6],
    [[2.31, 0.41, 0.13], 6],
    [[12.5, 13.1], 5],
    [[-3, 7], 6],
    [[1e-6, 2.1e-5], 6],
    [[1234, 98765], 8],
  ];
  for (const [values, maxTicks] of cases) {
    const a = niceAxis(values, { maxTicks });
    assert.ok(a.lo <= Math.min(...values) && a.hi >= Math.max(...values), `${values} in [${a.lo}, ${a.hi}]`);
    assert.ok(a.ticks.length >= 2 && a.ticks.length <= maxTicks, `${a.ticks.length} ticks for ${values}`);
    assertRound(a.ticks, a.step);
  }
});

test('epochs get whole-number ticks (1 … 8, never 4.5), even for a short run', () => {
  for (const last of [1, 2, 3, 8, 30, 300]) {
    const a = niceAxis([1, last], { integer: true, pad: 0 });
    for (const t of a.ticks) assert.ok(Number.isInteger(t), `epoch tick ${t} for ${last} epochs`);
    assert.ok(a.lo <= 1 && a.hi >= last);
  }
  assert.deepEqual(niceAxis([1, 8], { integer: true, pad: 0 }).ticks, [0, 2, 4, 6, 8]);
});

test('a single value or an all-equal series still gets a range around it; zero included when asked', () => {
  const one = niceAxis([0.42]);
  assert.ok(one.lo < 0.42 && one.hi > 0.42);
  const bars = niceAxis([2.5, 21], { zero: true });
  assert.equal(bars.lo, 0);
  assert.ok(bars.hi >= 21 && bars.hi <= 25);
});

test('tick labels carry the decimals of the step and no float noise', () => {
  assert.equal(tickLabel(97.5, 0.5), '97.5');
  assert.equal(tickLabel(98, 0.5), '98.0');
  assert.equal(tickLabel(0.02, 0.01), '0.02');
  assert.equal(tickLabel(40, 20), '40');
  assert.equal(tickLabel(0.30000000000000004, 0.1), '0.3');
  assert.equal(tickLabel(0, 0.1), '0');
  assert.equal(tickLabel(2e-5, 1e-5), '2e-5');
});

test('a flat accuracy keeps a readable span (2 points), inside 0–100', () => {
  const flat = niceAxis([15, 15, 15], { bounds: [0, 100], minSpan: 2 });
  assert.ok(flat.lo <= 14 && flat.hi >= 16 && flat.hi - flat.lo <= 5, `[${flat.lo}, ${flat.hi}]`);
  const top = niceAxis([100, 100], { bounds: [0, 100], minSpan: 2 });
  assert.ok(top.hi === 100 && top.lo <= 98, `[${top.lo}, ${top.hi}]`);
  const a = niceAxis([98, 99.5], { bounds: [0, 100], minSpan: 2 });
  assert.deepEqual([a.lo, a.hi, a.step], [97.5, 100, 0.5]);
});
