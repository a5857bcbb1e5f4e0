/** `spikerep quantize` end to end: float vs quantised accuracy, the quantised checkpoint, and its one-line errors. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { cliArgs } from '../support/cli.command.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-quantize-'));
const { path: ckpt } = fixtureCheckpoint(join(tmp, 'ck'), 'if');

test('quantize --weight-bits 4: prints float and quantised accuracy, writes a checkpoint eval reads', () => {
  const out = join(tmp, 'int4.ckpt');
  const json = join(tmp, 'q.json');
  const q = cli(
    'quantize',
    '--checkpoint',
    ckpt,
    '--weight-bits',
    '4',
    '--calibrate-batches',
    '1',
    '--test-limit',
    '40',
    '--out',
    out,
    '--json',
    json,
    '--backend',
    'wasm',
  );
  assert.equal(q.code, 0, q.err);
  assert.match(
    q.out,
    /^test accuracy float \d+\.\d\d%, 4-bit weights \(per-layer scales\) \d+\.\d\d% on 40 mnist test images; thresholds recalibrated on 1 training batches\nwrote .*int4\.ckpt\nwrote .*q\.json\n$/,
  );
  const r = JSON.parse(readFileSync(json, 'utf8')) as {
    floatAccuracy: number;
    quantizedAccuracy: number;
    weightBits: number;
    thresholds: Record<string, { float: number; quantized: number }>;
  };
  assert.equal(r.weightBits, 4);
  assert.equal(Object.keys(r.thresholds).length, 4, 'one threshold per neuron layer');
  const moved = Object.values(r.thresholds).filter((t) => t.float !== t.quantized);
  assert.ok(moved.length > 0, 'recalibration moved thresholds');
  const ck = loadCheckpoint<{ config: { weightBits: number; quantScale: string } }>(out);
  assert.equal(ck.meta.config.weightBits, 4);
  assert.equal(ck.meta.config.quantScale, 'layer');
  for (const [name, t] of Object.entries(r.thresholds)) assert.equal(ck.tensors.get(`${name}.vth`)![0], t.quantized);
  const again = cli('quantize', '--checkpoint', out, '--weight-bits', '2', '--out', join(tmp, 'again.ckpt'));
  assert.equal(again.code, 1);
  assert.match(
    again.err,
    /^spikerep: .*int4\.ckpt: already runs on 4-bit weights: quantise the float checkpoint it came from\n$/,
  );
  // eval rebuilds the quantised network from the checkpoint's config: the same accuracy
  const e = cli('eval', '--checkpoint', out, '--test-limit', '40', '--backend', 'wasm');
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, new RegExp(`test accuracy ${(r.quantizedAccuracy * 100).toFixed(2)}% on 40 mnist`));
});

test('quantize: bad options and an output that is the input are one line, nothing written', () => {
  for (const [args, pattern] of [
    [['--weight-bits', '3', '--out', join(tmp, 'x.ckpt')], /^spikerep: --weight-bits: must be one of 8\|4\|2, got 3$/m],
    [['--weight-bits', '8', '--out', ckpt], /^spikerep: .*out.*checkpoint/],
    [['--weight-bits', '8', '--out', join(tmp, 'y.ckpt'), '--calibrate-vth', '0'], /^spikerep: --calibrate-vth: /],
  ] as const) {
    const r = cli('quantize', '--checkpoint', ckpt, ...args);
    assert.notEqual(r.code, 0);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  assert.equal(existsSync(join(tmp, 'x.ckpt')) || existsSync(join(tmp, 'y.ckpt')), false);
});
