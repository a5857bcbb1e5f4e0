/** The step spread a bench row reports: quartiles interpolated between order statistics, as numpy's default does. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSpread, stepStats } from '../../src/bench/step-stats.js';

test('stepStats: median and quartiles of odd and even counts, whatever the order of the steps', () => {
  // sorted 1..5: positions 1, 2, 3 hold the quartiles exactly
  assert.deepEqual(stepStats([5, 1, 4, 2, 3]), { min: 1, q1: 2, median: 3, q3: 4, max: 5, steps: 5 });
  // sorted 1..4: q1 at position 0.75 → 1.75, median at 1.5 → 2.5, q3 at 2.25 → 3.25 (numpy.percentile's values)
  assert.deepEqual(stepStats([4, 3, 2, 1]), { min: 1, q1: 1.75, median: 2.5, q3: 3.25, max: 4, steps: 4 });
  assert.deepEqual(stepStats([0.2]), { min: 0.2, q1: 0.2, median: 0.2, q3: 0.2, max: 0.2, steps: 1 });
});

test('stepStats refuses an empty list, and formatSpread names every figure', () => {
  assert.throws(() => stepStats([]), /no timed steps/);
  assert.equal(
    formatSpread(stepStats([0.1, 0.2, 0.3])),
    'median 0.200 s/step (min 0.100, q1 0.150, q3 0.250, max 0.300; 3 steps)',
  );
});
