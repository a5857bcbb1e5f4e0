/**
 * `spikerep import` on graphs other tools write, through the compiled CLI: a recurrent CubaLIF layer behind a
 * `[1]` Input (one warning line, then the graph runs on the MNIST test images), and damaged files (truncated,
 * overwritten bytes): exactly one line on stderr, none of the HDF5 library's diagnostics, exit code 1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NirGraph } from '../../src/export/nir-graph.js';
import { writeNir } from '../../src/export/nir-h5.js';
import { cliArgs } from '../support/cli.command.js';
import { full, weights } from '../support/nir-foreign.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-import-graph-'));

/** Input [1] (a placeholder) → Affine 784 → 10 → CubaLIF ⇄ recurrent Affine, nested as a subgraph → Output. */
function recurrentMnist(): NirGraph {
  return {
    nodes: {
      input: { type: 'Input', shape: [1] },
      fc: { type: 'Affine', weight: weights(10, 784, 1, 0.05), bias: full(10, 0.2) },
      rec: {
        type: 'NIRGraph',
        nodes: {
          input: { type: 'Input', shape: [10] },
          lif: {
            type: 'CubaLIF',
            tau_syn: full(10, 2e-4),
            tau_mem: full(10, 4e-4),
            r: full(10, 4),
            v_leak: full(10, 0),
            v_threshold: full(10, 0.5),
            w_in: full(10, 2),
          },
          w_rec: { type: 'Affine', weight: weights(10, 10, 2, 0.3), bias: full(10, 0) },
          output: { type: 'Output', shape: [10] },
        },
        edges: [
          ['input', 'lif'],
          ['lif', 'w_rec'],
          ['w_rec', 'lif'],
          ['lif', 'output'],
        ],
      },
      output: { type: 'Output', shape: [10] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'rec'],
      ['rec', 'output'],
    ],
    metadata: { dataset: 'mnist', T: 4, normalized: 1 },
  };
}

test('a recurrent subgraph behind a [1] Input: one warning line, then it runs on the test images as a graph', async () => {
  const file = join(tmp, 'recurrent.nir');
  await writeNir(recurrentMnist(), file);
  const r = cli('import', file, '--test-limit', '20', '--backend', 'reference');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(
    r.err,
    /^spikerep: warning: .*recurrent\.nir: node 'input' \(Input\) declares shape \[1\], but 'fc' \(Affine\) takes 784 inputs: reading the input as \[784\]\n$/,
  );
  assert.match(
    r.out,
    /imported .*recurrent\.nir: 1 neuron layers \(CubaLIF\/value\), run as a graph, T=4; test accuracy \d+\.\d\d% on 20 mnist images/,
  );
});

test('a truncated or overwritten NIR file: exactly one line on stderr, exit code 1', async () => {
  const good = join(tmp, 'good.nir');
  await writeNir(recurrentMnist(), good);
  const bytes = readFileSync(good);
  const damaged: [string, Uint8Array][] = [
    ['truncated', bytes.subarray(0, Math.floor(bytes.length / 2))],
    ['headless', bytes.subarray(0, 600)],
    ['overwritten', Uint8Array.from(bytes, (b, i) => (i >= 800 && i < 1400 ? 0xa5 : b))],
  ];
  for (const [name, b] of damaged) {
    const file = join(tmp, `${name}.nir`);
    writeFileSync(file, b);
    const r = cli('import', file, '--test-limit', '5', '--backend', 'reference');
    assert.equal(r.code, 1, `${name}: ${r.out}${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, `${name}: ${r.err}`);
    assert.match(r.err, new RegExp(`^spikerep: .*${name}\\.nir: `), r.err);
    assert.doesNotMatch(r.err, /HDF5-DIAG|internal error/, r.err);
  }
});
