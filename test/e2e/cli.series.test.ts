/**
 * `--model mlp | srnn` through the CLI on a tiny fixture series set (`--dataset timeseries`): a few training steps
 * run for each model and neuron kind it takes, and the refused combinations say so in one line.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { npyBytes } from '../../src/io/npy.js';
import { cliArgs } from '../support/cli.command.js';
import { put } from '../support/data.fixtures.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** 40 series of 12 steps × 3 channels, two classes: a pulse early (class 0) or late (class 1) on channel 1. */
function seriesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spikerep-cli-series-'));
  const [N, L, C] = [40, 12, 3];
  for (const split of ['train', 'test']) {
    const x = new Float32Array(N * L * C);
    const y = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      y[i] = i % 2;
      const at = y[i] === 0 ? 2 : 8;
      for (let t = at; t < at + 3; t++) x[(i * L + t) * C + 1] = 1;
      x[(i * L + (i % L)) * C] = 0.5; // a distractor on channel 0
    }
    put(join(dir, `${split}_x.npy`), npyBytes([N, L, C], x));
    put(join(dir, `${split}_y.npy`), npyBytes([N], y));
  }
  return dir;
}

const dir = seriesDir();
const small = ['--dataset', 'timeseries', '--data-dir', dir, '--epochs', '1', '--batch-size', '8', '--T', '6'];
const fast = ['--quiet', '--backend', 'reference'];

for (const [model, neuron, extra] of [
  ['mlp', 'lif', []],
  ['mlp', 'relu', []],
  ['mlp', 'bptt', ['--readout', 'last']],
  ['srnn', 'bptt', []],
  ['srnn', 'relu', []],
] as const) {
  test(`train ${['--model', model, '--neuron', neuron, ...extra].join(' ')} on a fixture series set`, () => {
    const r = cli('train', ...small, '--model', model, '--neuron', neuron, ...extra, ...fast);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`test accuracy \\d+\\.\\d+% .*timeseries ${neuron} T=6`));
  });
}

test('refused in one line: DSR on the recurrent layer, an image model on series, a spike encoder on series', () => {
  for (const [args, flag, what] of [
    [['--model', 'srnn', '--neuron', 'lif'], '--neuron', /cannot train by DSR/],
    [['--model', 'mnistnet'], '--model', /mnistnet cannot take timeseries's samples: they are series \[12, 3\]/],
    [['--model', 'mlp', '--encoder', 'rate'], '--encoder', /step by step: use --encoder direct/],
  ] as const) {
    const r = cli('train', ...small, ...args, ...fast);
    assert.notEqual(r.code, 0);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 1, r.err);
    assert.ok(lines[0]!.includes(flag), r.err);
    assert.match(lines[0]!, what);
  }
});

test('--signal-encoder turns each series into spikes before the network, is recorded, and refuses bad specs and images', () => {
  const json = join(mkdtempSync(join(tmpdir(), 'spikerep-cli-series-enc-')), 'r.json');
  const r = cli(
    'train',
    ...small,
    '--model',
    'mlp',
    '--signal-encoder',
    'delta:threshold=0.25',
    '--json',
    json,
    ...fast,
  );
  assert.equal(r.code, 0, r.err);
  const result = JSON.parse(readFileSync(json, 'utf8')) as { config: { signalEncoder?: string } };
  assert.equal(result.config.signalEncoder, 'delta:threshold=0.25');
  for (const [args, pattern] of [
    [['--signal-encoder', 'delta:thr=1'], /^spikerep: --signal-encoder: .*delta takes threshold, not 'thr'\n$/],
    [['--signal-encoder', 'wavelet'], /^spikerep: --signal-encoder: .*expected one of delta, level-crossing/],
  ] as const) {
    const bad = cli('train', ...small, '--model', 'mlp', ...args, ...fast);
    assert.equal(bad.code, 1);
    assert.match(bad.err, pattern);
  }
  const img = cli('train', '--signal-encoder', 'delta:threshold=0.1', '--epochs', '1', '--train-limit', '64', ...fast);
  assert.equal(img.code, 1);
  assert.match(
    img.err,
    /^spikerep: --signal-encoder: encodes series \(\[time, channels\] samples\); mnist has \[28, 28, 1\] samples\n$/,
  );
});
