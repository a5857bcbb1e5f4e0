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

test('mnist-speck: a short run learns, exports for Speck, and once deployed imports back with identical predictions', () => {
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
  // exported as trained: int8 weights and whole-step thresholds against the float checkpoint flip a few close calls
  const nir = join(tmp, 'speck.nir');
  const e = cli('export', '--checkpoint', join(dir, 'best.ckpt'), '--target', 'speck', '--out', nir);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /4 IF, 2 SumPool2d.*speck: 8-bit integer weights/);
  const json = join(tmp, 'import.json');
  const i = cli('import', nir, '--against', join(dir, 'best.ckpt'), '--test-limit', '200', '--json', json);
  assert.equal(i.code, 0, i.err);
  const r = JSON.parse(readFileSync(json, 'utf8')) as { agreement: number; samples: number };
  assert.ok(r.agreement >= 0.97 * r.samples, `identical predictions on ${r.agreement}/${r.samples}`);

  // deployed first (quantize --target): the checkpoint is what the chip runs, and the file predicts exactly as it does
  const deployed = join(tmp, 'speck.ckpt');
  const qJson = join(tmp, 'deploy.json');
  const q = cli(
    'quantize',
    '--checkpoint',
    join(dir, 'best.ckpt'),
    '--target',
    'speck',
    '--out',
    deployed,
    '--test-limit',
    '200',
    '--json',
    qJson,
  );
  assert.equal(q.code, 0, q.err);
  assert.match(
    q.out,
    /deployed for Speck \/ DYNAP-CNN \(8-bit integer weights, whole-step thresholds\) [\d.]+% on 200 mnist test images/,
  );
  const dq = JSON.parse(readFileSync(qJson, 'utf8')) as {
    floatAccuracy: number;
    deployedAccuracy: number;
    layers: { weightScale: number }[];
  };
  assert.equal(dq.layers.length, 4);
  assert.ok(dq.layers.every((l) => Number.isInteger(Math.log2(l.weightScale))));
  assert.ok(
    dq.deployedAccuracy >= dq.floatAccuracy - 0.05,
    `deployed ${dq.deployedAccuracy} vs float ${dq.floatAccuracy}`,
  );
  const nir2 = join(tmp, 'deployed.nir');
  assert.equal(cli('export', '--checkpoint', deployed, '--target', 'speck', '--out', nir2).code, 0);
  const json2 = join(tmp, 'import2.json');
  const i2 = cli('import', nir2, '--against', deployed, '--test-limit', '200', '--json', json2);
  assert.equal(i2.code, 0, i2.err);
  const r2 = JSON.parse(readFileSync(json2, 'utf8')) as { agreement: number; samples: number; testAccuracy: number };
  assert.equal(r2.agreement, r2.samples, 'identical predictions');
  assert.equal(r2.testAccuracy, dq.deployedAccuracy);
});
