/**
 * The Speck road end to end at test size: the mnist-speck recipe trains one short epoch, exports with --target speck
 * (8-bit integer weights, integer thresholds, batch-norm folded) and imports back; the lead's full-size check runs
 * the same commands on 1000 test images.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs } from '../support/cli.command.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('mnist-speck: a short run learns, exports for Speck and imports back with the same predictions', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'spikerep-speck-'));
  const dir = join(tmp, 'run');
  const t = cli(
    'train',
    '--recipe',
    'mnist-speck',
    '--train-limit',
    '2000',
    '--epochs',
    '1',
    '--warmup',
    '10',
    '--val-split',
    '0',
    '--test-limit',
    '200',
    '--checkpoint',
    dir,
    '--quiet',
  );
  assert.equal(t.code, 0, t.err);
  const acc = Number(/test accuracy ([\d.]+)%/.exec(t.out)?.[1]);
  assert.ok(acc >= 75, `one epoch of 2000 images: ${acc}% on 200 test images`);
  const nir = join(tmp, 'speck.nir');
  const e = cli('export', '--checkpoint', join(dir, 'best.ckpt'), '--target', 'speck', '--out', nir);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /4 IF, 2 SumPool2d.*speck: 8-bit integer weights/);
  const json = join(tmp, 'import.json');
  const i = cli('import', nir, '--against', join(dir, 'best.ckpt'), '--test-limit', '200', '--json', json);
  assert.equal(i.code, 0, i.err);
  const r = JSON.parse(readFileSync(json, 'utf8')) as { agreement: number; samples: number };
  // int8 weights and whole-step thresholds against the float checkpoint: rounding flips a few close calls
  assert.ok(r.agreement >= 0.97 * r.samples, `identical predictions on ${r.agreement}/${r.samples}`);
});
