/**
 * Short fuzz run (fixed seed, a few thousand inputs per parser) of every file parser: IDX, gzip, CIFAR-10/100,
 * AEDAT events, checkpoints (bytes and header fields behind the checksum), recipes, N-MNIST events, AEDAT 3.1,
 * gesture label files, .npy arrays, NIR graphs. scripts/fuzz.ts runs ≥ 100 000.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzTargets, runFuzz } from '../support/robust.fuzz-targets.js';

const INPUTS = 3000;

/**
 * Known and not yet contained: h5wasm never returns from reading the edges (a variable-length string dataset) of one
 * byte-mutated foreign seed (the nested recurrent graph, input 4 of this sequence), so the NIR target with the
 * foreign seeds cannot run in-process until reads run in a worker with a timeout. robust.untrusted.test.ts still
 * fuzzes the NIR importer on spikerep's own seed.
 */
const KNOWN_HANG: Record<string, string> = {
  nir: 'h5wasm hangs reading a damaged variable-length string dataset of a foreign seed; reads need a worker with a timeout',
};

for (const [i, t] of fuzzTargets().entries()) {
  const inputs = t.quickInputs ?? INPUTS;
  const skip = KNOWN_HANG[t.name] ?? false;
  test(`fuzz ${t.name}: ${inputs} mutated inputs, only SpikerepError, never a crash`, { skip }, () => {
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
