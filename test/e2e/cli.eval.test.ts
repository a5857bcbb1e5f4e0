/** `eval --t-sweep` and `eval --T` end to end on a small checkpoint, and their one-line errors. */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs } from '../support/cli.command.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-eval-'));
const { path: ckpt } = fixtureCheckpoint(join(tmp, 'ck'), 'if', 2);
const common = ['--checkpoint', ckpt, '--test-limit', '40', '--backend', 'wasm'];

test('eval --t-sweep: a table per T, the smallest-T sentence, the sweep in --json; each T as eval --T gives it', () => {
  const json = join(tmp, 'sweep.json');
  const r = cli('eval', ...common, '--t-sweep', '1-3', '--within', '1', '--json', json);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^test accuracy .* on 40 mnist test images \(if, T=2\)\n/);
  assert.match(r.out, /T +accuracy +Δ pp +synops\/image +energy\/image\n/);
  assert.match(r.out, /\n2 +\d+\.\d\d% +trained /);
  assert.match(
    r.out,
    /smallest T within 1 pp of the trained T's accuracy \(T = 2, \d+\.\d\d %\): T = [12]\nwrote .*sweep\.json\n$/,
  );
  const res = JSON.parse(readFileSync(json, 'utf8')) as {
    T: number;
    testAccuracy: number;
    tSweep: { within: number; smallestT: number; points: { T: number; accuracy: number; samples: number }[] };
  };
  assert.equal(res.tSweep.within, 1);
  assert.deepEqual(
    res.tSweep.points.map((p) => [p.T, p.samples]),
    [
      [1, 40],
      [2, 40],
      [3, 40],
    ],
  );
  assert.equal(res.tSweep.points[1]!.accuracy, res.testAccuracy);
  for (const p of res.tSweep.points) {
    const one = join(tmp, `T${p.T}.json`);
    const e = cli('eval', ...common, '--T', String(p.T), '--json', one);
    assert.equal(e.code, 0, e.err);
    const at = JSON.parse(readFileSync(one, 'utf8')) as { T: number; testAccuracy: number; trainedT?: number };
    assert.equal(at.T, p.T);
    assert.equal(at.trainedT, p.T === 2 ? undefined : 2);
    assert.equal(at.testAccuracy, p.accuracy, `T = ${p.T}`);
  }
});

test('eval --t-sweep alone sweeps T = 1 … 2·T_train', () => {
  const r = cli('eval', ...common, '--t-sweep');
  assert.equal(r.code, 0, r.err);
  const rows = r.out.split('\n').filter((l) => /^\d+ /.test(l));
  assert.deepEqual(
    rows.map((l) => Number(l.split(' ')[0])),
    [1, 2, 3, 4],
  );
});

for (const [args, message] of [
  [
    ['--t-sweep', '0'],
    /^spikerep: --t-sweep: expected T values ≥ 1 as a list \(1,2,4,8\) or a range \(1-16\), got '0'\n$/,
  ],
  [
    ['--t-sweep', 'x'],
    /^spikerep: --t-sweep: expected T values ≥ 1 as a list \(1,2,4,8\) or a range \(1-16\), got 'x'\n$/,
  ],
  [['--T', '0'], /^spikerep: --T: must be an integer ≥ 1, got 0\n$/],
  [['--T', '3', '--t-sweep'], /^spikerep: --T: evaluates at one T; --t-sweep at several: use one\n$/],
  [['--t-sweep', '--within', '-1'], /^spikerep: --within: tolerance must be a number ≥ 0, got -1\n$/],
] as const) {
  test(`eval ${args.join(' ')}: one line`, () => {
    const r = cli('eval', '--checkpoint', ckpt, ...args);
    assert.equal(r.code, 1);
    assert.match(r.err, message);
  });
}
