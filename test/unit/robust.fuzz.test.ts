/**
 * Short fuzz run (fixed seed, a few thousand inputs per parser) of every file parser: IDX, gzip, CIFAR-10/100,
 * AEDAT events, checkpoints (bytes and header fields behind the checksum), recipes, N-MNIST events, AEDAT 3.1,
 * gesture label files, .npy arrays, NIR graphs. scripts/fuzz.ts runs ≥ 100 000.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzTargets, runFuzz } from '../support/robust.fuzz-targets.js';

const INPUTS = 3000;

for (const [i, t] of fuzzTargets().entries()) {
  const inputs = t.quickInputs ?? INPUTS;
  test(`fuzz ${t.name}: ${inputs} mutated inputs, only SpikerepError, never a crash`, () => {
    const r = runFuzz(t, inputs, 1000 + i);
    assert.deepEqual(r.firstCrashes, []);
    assert.equal(r.crashes, 0);
    assert.ok(r.refused > inputs / 10, `most mutations must be refused (${r.refused})`);
    assert.ok(r.refused < inputs, 'some mutations stay valid, so the parser is not refusing everything');
  });
}

test('the harness counts a TypeError or a multi-line message as a crash', () => {
  const parse = (b: Uint8Array): void => {
    if (b.length % 3 === 0) throw new TypeError('boom');
  };
  const r = runFuzz({ name: 'broken', seeds: [new Uint8Array(10)], parse }, 300, 1);
  assert.ok(r.crashes > 0 && r.firstCrashes[0]!.includes('TypeError: boom'));
});
