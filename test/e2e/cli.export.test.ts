/** The export, import and report commands end to end, and their one-line errors. */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs } from '../support/cli.command.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-export-'));
const { path: ckpt, config } = fixtureCheckpoint(join(tmp, 'ck'), 'lif');
const nir = join(tmp, 'model.nir');

test('export --format nir, then import --against the checkpoint: identical predictions', () => {
  const e = cli('export', '--checkpoint', ckpt, '--format', 'nir', '--out', nir);
  assert.equal(e.code, 0, e.err);
  assert.match(
    e.out,
    /wrote .*model\.nir: 13 nodes \(1 Input, 2 Conv2d, 4 LIF, 2 SumPool2d, 1 Flatten, 2 Affine, 1 Output\), T=4/,
  );
  const json = join(tmp, 'import.json');
  const i = cli('import', nir, '--against', ckpt, '--test-limit', '40', '--json', json, '--backend', 'wasm');
  assert.equal(i.code, 0, i.err);
  assert.match(
    i.out,
    /4 neuron layers \(LIF\/subtract, LIF\/subtract, LIF\/subtract, LIF\/subtract\), T=4; test accuracy .* on 40 mnist images; identical predictions to .* on 40\/40/,
  );
  const r = JSON.parse(readFileSync(json, 'utf8')) as { agreement: number; samples: number };
  assert.equal(r.agreement, 40);
});

test('bad inputs: one line and exit code 1', () => {
  const junk = join(tmp, 'junk.nir');
  writeFileSync(junk, 'hello');
  for (const [args, pattern] of [
    [['import', junk], /^spikerep: .*junk\.nir: not an HDF5 file/],
    [['import', nir, '--if-r', 'sometimes'], /^spikerep: --if-r: expected one of auto\|one\|inverse-dt, got sometimes/],
    [['report', junk, '--out', join(tmp, 'r.html')], /^spikerep: .*junk\.nir: not JSON/],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.out}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('report RUN.json --out: one self-contained HTML file with the raster and the T sweep', () => {
  const run = join(tmp, 'run.json');
  writeFileSync(
    run,
    JSON.stringify({
      testAccuracy: 0.5,
      T: 4,
      neuron: 'lif',
      dataset: 'mnist',
      model: 'mnistnet',
      config,
      history: [{ epoch: 1, trainLoss: 1.2, trainAccuracy: 0.4, testAccuracy: 0.5, lr: 0.05, seconds: 1 }],
      firingRates: [{ layer: 'features.2', firingRate: 0.1 }],
      thresholds: [{ layer: 'features.2', vth: 0.3 }],
      energyJoules: 3e-6,
      annEnergyJoules: 2e-5,
    }),
  );
  const out = join(tmp, 'report.html');
  const r = cli(
    'report',
    run,
    '--out',
    out,
    '--t-sweep',
    '1,4',
    '--sweep-limit',
    '10',
    '--sample',
    '3',
    '--backend',
    'wasm',
  );
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(out));
  const html = readFileSync(out, 'utf8');
  for (const chart of ['loss', 'accuracy', 'rates', 'thresholds', 'raster', 'accuracy-vs-T', 'energy'])
    assert.match(html, new RegExp(`data-chart="${chart}"`));
  assert.match(html, /Test sample 3 \(label \d\)/);
  // the same sentence eval --t-sweep prints, with the sample count
  assert.match(
    html,
    /Smallest T within 0\.5 pp of the trained T&#39;s accuracy \(T = 4, \d+\.\d\d %\): T = [14], on 10 of 10 000 test images\./,
  );
});
