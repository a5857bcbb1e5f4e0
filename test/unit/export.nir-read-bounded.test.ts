/**
 * The time bound on NIR reads (src/export/nir-read-bounded.ts): a read that does not finish in time is abandoned
 * with one line, and the next read runs on a fresh thread. The quick fuzz (robust.fuzz.test.ts) meets a real
 * damaged file on which the HDF5 library loops; here a bound of 0 ms stands in for it, deterministically.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SpikerepError } from '../../src/errors.js';
import { type NirGraph, nirArray } from '../../src/export/nir-graph.js';
import { writeNir } from '../../src/export/nir-h5.js';
import { boundedNirReader, readTimeoutMs } from '../../src/export/nir-read-bounded.js';
import { Rng } from '../../src/rng.js';

test('a read past its time bound is refused with one line; the next read starts a fresh thread and succeeds', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'spikerep-bounded-')), 'm.nir');
  // 1 M random weights (gzip): a read takes long enough that a bound of 0 ms is always past, however loaded the machine
  const n = 1000;
  const rng = new Rng(5);
  const graph: NirGraph = {
    nodes: {
      input: { type: 'Input', shape: [n] },
      fc: {
        type: 'Affine',
        weight: nirArray(
          [n, n],
          Float32Array.from({ length: n * n }, () => rng.normal()),
        ),
        bias: nirArray([n], new Float32Array(n)),
      },
      output: { type: 'Output', shape: [n] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'output'],
    ],
    metadata: {},
  };
  await writeNir(graph, path);
  const reader = boundedNirReader();
  try {
    assert.deepEqual(Object.keys(reader.read(path).nodes).sort(), ['fc', 'input', 'output']); // starts the thread
    assert.throws(
      () => reader.read(path, 0),
      (e: unknown) =>
        e instanceof SpikerepError &&
        e.code === 'E_FORMAT' &&
        !e.message.includes('\n') &&
        e.message === `${path}: damaged HDF5 file: the HDF5 library did not finish reading it within 0 s`,
    );
    assert.equal(reader.timeouts, 1);
    const again = reader.read(path);
    assert.deepEqual(again.edges, graph.edges);
    assert.equal(reader.timeouts, 1);
  } finally {
    reader.close();
  }
});

test('refusals made on the reading thread keep their code, path and one line', () => {
  const reader = boundedNirReader();
  try {
    assert.throws(
      () => reader.read('/nonexistent-dir/absent.nir'),
      (e: unknown) =>
        e instanceof SpikerepError &&
        e.code === 'E_NOT_FOUND' &&
        e.path === '/nonexistent-dir/absent.nir' &&
        e.message === '/nonexistent-dir/absent.nir: no such file',
    );
  } finally {
    reader.close();
  }
});

test('the bound grows with the file: 15 s, plus 0.5 s per MB', () => {
  assert.equal(readTimeoutMs(0), 15_000);
  assert.equal(readTimeoutMs(100e6), 65_000);
});
