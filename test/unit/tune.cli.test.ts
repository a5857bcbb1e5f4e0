/** `spikerep tune` refuses bad input in one line, before any data is read or any trial runs. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.in-process.js';

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-tune-'));
const held = join(tmp, 'held');
mkdirSync(held);
writeFileSync(
  join(held, 'tune.json'),
  JSON.stringify({ kind: 'spikerep-tune', version: 1, settings: {}, trials: [], elapsedSeconds: 0 }),
);
const badSpace = join(tmp, 'space.json');
writeFileSync(badSpace, '{"T": [0]}');
const out = join(tmp, 'new');

const cases: [string, string[], RegExp][] = [
  ['no --out', ['tune', '--trials', '2'], /required option '--out <dir>' not specified/],
  [
    'no limit',
    ['tune', '--out', out],
    /^spikerep: --budget: give a limit: --trials N, --budget TIME \(e\.g\. 30m\), or both$/,
  ],
  [
    'bad budget',
    ['tune', '--out', out, '--budget', '5x'],
    /^spikerep: --budget: expected a duration such as 90s, 30m, 2h or 1h30m, got '5x'$/,
  ],
  ['trials 0', ['tune', '--out', out, '--trials', '0'], /^spikerep: --trials: must be an integer ≥ 1, got 0$/],
  ['eta 1', ['tune', '--out', out, '--trials', '2', '--eta', '1'], /^spikerep: --eta: must be an integer ≥ 2, got 1$/],
  [
    'min epochs over the full length',
    ['tune', '--out', out, '--trials', '2', '--epochs', '3', '--min-epochs', '5'],
    /^spikerep: --min-epochs: must be ≤ the trials' full length \(epochs 3; set it with --epochs\), got 5$/,
  ],
  [
    'unknown objective',
    ['tune', '--out', out, '--trials', '2', '--objective', 'speed'],
    /^spikerep: --objective: expected one of accuracy, got speed$/,
  ],
  [
    'energy budget 0',
    ['tune', '--out', out, '--trials', '2', '--max-energy', '0'],
    /^spikerep: --max-energy: must be a number > 0, got 0$/,
  ],
  [
    'missing space file',
    ['tune', '--out', out, '--trials', '2', '--space', join(tmp, 'nope.json')],
    /^spikerep: --space: cannot read .*nope\.json \(ENOENT\)$/,
  ],
  [
    'bad space file',
    ['tune', '--out', out, '--trials', '2', '--space', badSpace],
    /^spikerep: .*space\.json: setting "T": expected an integer ≥ 1/,
  ],
  [
    'bad train setting',
    ['tune', '--out', out, '--trials', '2', '--lr', '-1'],
    /^spikerep: --lr: learning rate must be a number > 0, got -1$/,
  ],
  [
    'a folder holding a search',
    ['tune', '--out', held, '--trials', '2'],
    /^spikerep: --out: .*held already holds a search \(tune\.json\): add --resume to continue it or --overwrite to replace it, or choose another folder$/,
  ],
  [
    'resume without a search',
    ['tune', '--out', out, '--resume'],
    /^spikerep: --out: .*new holds no search to continue \(no tune\.json\): drop --resume to start one$/,
  ],
  [
    'resume with a changed setting',
    ['tune', '--out', held, '--resume', '--lr', '0.1'],
    /^spikerep: --lr: cannot change when continuing a search \(its settings are in tune\.json\): start a new one with --overwrite$/,
  ],
  [
    'resume and overwrite',
    ['tune', '--out', held, '--resume', '--overwrite'],
    /^spikerep: --overwrite: .*exclude each other/,
  ],
];

for (const [name, argv, message] of cases) {
  test(`tune: ${name} is one line`, async () => {
    const r = await runCli(argv);
    assert.notEqual(r.code, 0);
    assert.equal(r.out, '');
    assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
    assert.match(r.err.trimEnd(), message);
  });
}

test('tune: refused runs leave no search behind', () => {
  assert.ok(!existsSync(out), 'no folder made for a refused new search');
  assert.deepEqual(readdirSync(held), ['tune.json']);
});

test('tune --help documents the search options and the training settings', async () => {
  const r = await runCli(['tune', '--help']);
  for (const flag of [
    '--out',
    '--budget',
    '--trials',
    '--min-epochs',
    '--eta',
    '--space',
    '--objective',
    '--max-T',
    '--max-energy',
    '--resume',
    '--overwrite',
    '--recipe',
    '--lr',
    '--T',
    '--epochs',
    '--quiet',
  ]) {
    assert.ok(r.out.includes(flag), `help mentions ${flag}`);
  }
  assert.ok(!r.out.includes('--checkpoint'), 'each trial has its own checkpoint folder');
  const top = await runCli(['--help']);
  assert.match(top.out, /tune \[options\]/);
});
