/**
 * One vocabulary, end to end through the built CLI: a run folder as --checkpoint (best.ckpt, or last.ckpt with
 * --last) in every command that reads a checkpoint, eval's metrics, and a "wrote …" line for every file written.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeNpy } from '../../src/io/npy.js';
import { cliArgs } from '../support/cli.command.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-vocabulary-'));
// a run folder whose best.ckpt (T = 2) and last.ckpt (T = 3) differ, so that the output says which was read
const run = join(tmp, 'run');
const { path: best } = fixtureCheckpoint(run, 'if', 2);
const { path: other } = fixtureCheckpoint(join(tmp, 'other'), 'if', 3);
copyFileSync(other, join(run, 'last.ckpt'));
const empty = join(tmp, 'empty');
mkdirSync(empty);
const small = ['--test-limit', '20', '--backend', 'wasm', '--threads', '1'];

test('eval --checkpoint RUN reads best.ckpt, --last its last.ckpt; the metrics its help promises; --quiet', () => {
  const json = join(tmp, 'eval.json');
  const r = cli('eval', '--checkpoint', run, ...small, '--json', json);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0]!, /^test accuracy \d+\.\d\d% on 20 mnist test images \(if, T=2\)$/);
  assert.match(lines[1]!, /^layer +firing rate +threshold$/);
  // mnistnet has four neuron layers: a rate and a threshold each
  for (const l of lines.slice(2, 6)) assert.match(l, /^\S+ +0\.\d{4} +\d+\.\d+$/);
  assert.match(
    lines[6]!,
    /^\d+\.\d\d M synaptic ops and [\d.]+ µJ per image: [\d.]+× (less|more) than the same-shape ANN's [\d.]+ µJ$/,
  );
  assert.equal(lines[7], `wrote ${json}`);
  assert.equal(lines.length, 8, r.out);
  assert.ok(
    lines.every((l) => l.length <= 100),
    r.out,
  );
  const result = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
  assert.equal(result['checkpoint'], best);
  for (const key of ['testAccuracy', 'firingRates', 'thresholds', 'synOps', 'energyJoules', 'annEnergyJoules'])
    assert.ok(key in result, `--json holds ${key}`);

  const file = cli('eval', '--checkpoint', best, ...small, '--quiet');
  assert.equal(file.code, 0, file.err);
  assert.equal(file.out, `${lines[0]}\n`, 'the file and its folder give the same result; --quiet only the result');
  const last = cli('eval', '--checkpoint', run, '--last', ...small, '--quiet');
  assert.equal(last.code, 0, last.err);
  assert.match(last.out, /\(if, T=3\)\n$/);
});

test('a folder without the checkpoint: one line naming it, in every command that reads one', () => {
  const nir = join(tmp, 'never.nir');
  for (const args of [
    ['eval', '--checkpoint', empty],
    ['export', '--checkpoint', empty, '--out', nir],
    ['quantize', '--checkpoint', empty, '--weight-bits', '8', '--out', join(tmp, 'never.ckpt')],
    ['serve', '--checkpoint', empty, '--port', '0'],
    ['report', join(tmp, 'none.json'), '--checkpoint', empty, '--out', join(tmp, 'never.html')],
  ]) {
    const r = cli(...args);
    assert.equal(r.code, 1, `${args[0]}: ${r.out}`);
    assert.equal(
      r.err,
      `spikerep: --checkpoint: ${empty} is a folder without best.ckpt: expected a run folder written by train --checkpoint, or a checkpoint file\n`,
      args[0],
    );
  }
  const r = cli('run', empty, '--input', join(tmp, 'x.npy'), '--out', join(tmp, 'y.npy'));
  assert.match(r.err, new RegExp(`^spikerep: graph: ${empty} is a folder without best\\.ckpt: .*\\n$`));
});

test('export, import --checkpoint (and its old name --against), quantize and run take the run folder', () => {
  const nir = join(tmp, 'model.nir');
  const e = cli('export', '--checkpoint', run, '--out', nir);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /^wrote .*model\.nir: \d+ nodes .*T=2\n$/);
  const json = join(tmp, 'import.json');
  const i = cli('import', nir, '--checkpoint', run, ...small, '--json', json);
  assert.equal(i.code, 0, i.err);
  assert.match(i.out, new RegExp(`identical predictions to ${best} on \\d+/20\\nwrote ${json}\\n$`));
  const a = cli('import', nir, '--against', run, ...small);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, `${i.out.split('\n')[0]!}\n`, '--against is --checkpoint');
  const both = cli('import', nir, '--against', run, '--checkpoint', run);
  assert.equal(both.err, 'spikerep: --against: is the same option as --checkpoint: give one\n');

  const q = join(tmp, 'q8.ckpt');
  const qJson = join(tmp, 'q8.json');
  const quant = cli(
    'quantize',
    '--checkpoint',
    run,
    '--weight-bits',
    '8',
    '--calibrate-batches',
    '0',
    '--out',
    q,
    '--json',
    qJson,
    ...small,
  );
  assert.equal(quant.code, 0, quant.err);
  assert.match(quant.out, new RegExp(`\\nwrote ${q}\\nwrote ${qJson}\\n$`));
  assert.equal((JSON.parse(readFileSync(qJson, 'utf8')) as { checkpoint: string }).checkpoint, best);

  const input = join(tmp, 'in.npy');
  writeNpy(input, [3, 1, 28, 28], new Float32Array(3 * 28 * 28).fill(0.5), 'input');
  const out = join(tmp, 'out.npy');
  const r = cli('run', run, '--last', '--input', input, '--out', out, '--backend', 'reference');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `ran ${join(run, 'last.ckpt')} (checkpoint) for T=3 steps on 1 sample\nwrote ${out} [3, 10]\n`);
});

test('train says where it wrote its checkpoints and its result; --quiet does not', () => {
  const dir = join(tmp, 'trained');
  const json = join(tmp, 'train.json');
  const args = ['--train-limit', '64', '--val-split', '32', '--batch-size', '32', '--epochs', '1', ...small];
  const r = cli('train', ...args, '--checkpoint', dir, '--json', json);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    new RegExp(`wrote ${join(dir, 'best.ckpt')} \\(epoch 1: what --checkpoint <run folder> reads\\)\\n`),
  );
  assert.match(r.out, new RegExp(`wrote ${join(dir, 'last.ckpt')} \\(epoch 1\\)\\n`));
  assert.match(r.out, new RegExp(`\\nwrote ${json}\\n$`));
  const quiet = cli('train', ...args, '--checkpoint', dir, '--overwrite', '--json', json, '--quiet');
  assert.equal(quiet.code, 0, quiet.err);
  assert.doesNotMatch(quiet.out, /wrote/);
});
