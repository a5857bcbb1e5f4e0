/** `spikerep robustness` end to end on a small checkpoint: the printed curves, the JSON, the report, and its errors. */
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
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-robustness-'));
const { path: ckpt } = fixtureCheckpoint(join(tmp, 'ck'), 'if');

interface Result {
  command: string;
  samples: number;
  seed: number;
  cleanAccuracy: number;
  curves: { kind: string; points: { level: number; accuracy: number; draws?: number[] }[] }[];
}

test('robustness: one line per kind, the JSON with its command, a report with one chart per kind; the same seed gives the same numbers', () => {
  const json = join(tmp, 'r.json');
  const html = join(tmp, 'r.html');
  const args = ['robustness', '--checkpoint', ckpt, '--kinds', 'gaussian,deletion,jitter,weight,threshold'];
  const common = ['--test-limit', '24', '--draws', '2', '--backend', 'wasm', '--quiet'];
  const r = cli(...args, ...common, '--json', json, '--report', html);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^robustness of if T=4 on 24 mnist test images: clean \d+\.\d\d%\n/);
  assert.match(r.out, /\ndeletion \(p\): 0 \d+\.\d\d% · 0\.1 \d+\.\d\d% · 0\.2 /);
  assert.match(r.out, /\njitter \(±k steps\): 0 \d+\.\d\d% · 1 /);
  const res = JSON.parse(readFileSync(json, 'utf8')) as Result;
  assert.equal(res.command, ['spikerep', ...args, ...common, '--json', json, '--report', html].join(' '));
  assert.equal(res.samples, 24);
  assert.deepEqual(
    res.curves.map((c) => c.kind),
    ['gaussian', 'deletion', 'jitter', 'weight', 'threshold'],
  );
  for (const c of res.curves) {
    assert.equal(c.points[0]!.level, 0);
    assert.equal(c.points[0]!.accuracy, res.cleanAccuracy, `${c.kind}: level 0 is the clean network`);
  }
  for (const c of res.curves) {
    for (const p of c.points.slice(1)) {
      if (c.kind === 'weight' || c.kind === 'threshold') {
        assert.equal(p.draws?.length, 2, `${c.kind} ${p.level}: two devices`);
        assert.ok(Math.abs(p.accuracy - (p.draws![0]! + p.draws![1]!) / 2) < 1e-12, 'the point is their mean');
      } else assert.equal(p.draws, undefined, `${c.kind}: drawn afresh per sample, no devices`);
    }
  }
  const page = readFileSync(html, 'utf8');
  assert.equal(page.match(/<svg[^>]*data-chart="robustness-/g)?.length, 5);
  assert.match(page, /24 of 10 000 test images per point/);
  const again = join(tmp, 'again.json');
  assert.equal(cli(...args, ...common, '--json', again).code, 0);
  assert.deepEqual((JSON.parse(readFileSync(again, 'utf8')) as Result).curves, res.curves);
});

test('robustness: one-line errors name the option', () => {
  const bad = cli('robustness', '--checkpoint', ckpt, '--kinds', 'fog');
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.err,
    /--kinds: expected noise kinds among gaussian,salt-pepper,deletion,jitter,extra,weight,threshold, got 'fog'/,
  );
  assert.equal(bad.err.trim().split('\n').length, 1);
  const missing = cli('robustness', '--kinds', 'deletion');
  assert.notEqual(missing.code, 0);
  assert.match(missing.err, /--checkpoint/);
});

test('train --train-noise: recorded in the settings; a device kind or a bad level is refused in one line', () => {
  const shown = cli('train', '--train-noise', 'deletion:0.1', '--print-config');
  assert.equal(shown.code, 0, shown.err);
  assert.equal((JSON.parse(shown.out) as { config: { trainNoise?: string } }).config.trainNoise, 'deletion:0.1');
  for (const bad of ['weight:0.1', 'deletion:2', 'jitter:0.5']) {
    const r = cli('train', '--train-noise', bad, '--print-config');
    assert.notEqual(r.code, 0, bad);
    assert.match(r.err, /^spikerep: --train-noise: /, bad);
    assert.equal(r.err.trim().split('\n').length, 1, bad);
  }
});
