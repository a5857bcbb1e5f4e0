/** The CLI: help, and bad input answered by one clear line and a non-zero exit, never a stack trace. */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs } from '../support/cli.command.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('train --help lists every documented flag', () => {
  const r = cli('train', '--help');
  assert.equal(r.code, 0);
  for (const flag of [
    '--dataset',
    '--model',
    '--neuron',
    '--T',
    '--epochs',
    '--batch-size',
    '--lr',
    '--optimizer',
    '--weight-decay',
    '--alpha',
    '--vth',
    '--seed',
    '--backend',
    '--threads',
    '--train-limit',
    '--test-limit',
    '--data-dir',
    '--checkpoint',
    '--resume',
    '--overwrite',
    '--recipe',
    '--json',
    '--hybrid',
    '--calibrate-vth',
    '--calibrate-batches',
    '--encoder',
  ]) {
    assert.ok(r.out.includes(flag), `help mentions ${flag}`);
  }
});

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-'));
const badRecipe = join(tmp, 'bad.json');
writeFileSync(badRecipe, '{"config": {"epochs": "ten"}}');

const cases: [string, string[], RegExp][] = [
  ['T ≤ 0', ['train', '--T', '0'], /--T: must be an integer ≥ 1, got 0/],
  ['T not a number', ['train', '--T', 'four'], /--T: expected an integer, got 'four'/],
  ['alpha outside (0, 1]', ['train', '--alpha', '1.5'], /--alpha: alpha must be in \(0, 1\], got 1.5/],
  ['negative learning rate', ['train', '--lr', '-0.1'], /--lr: learning rate must be a number > 0/],
  [
    'unknown neuron',
    ['train', '--neuron', 'sigmoid'],
    /--neuron: expected one of if\|lif\|cubalif\|bptt\|ann\|relu, got sigmoid/,
  ],
  [
    'non-positive synaptic time constant',
    ['train', '--neuron', 'cubalif', '--tau-syn', '0'],
    /--tau-syn: must be a number > 0, got 0/,
  ],
  ['unknown dataset', ['train', '--dataset', 'imagenet'], /--dataset: expected one of/],
  [
    'unknown backend',
    ['train', '--backend', 'cuda'],
    /--backend: expected one of reference\|wasm\|native\|webgpu\|auto, got cuda/,
  ],
  ['unknown flag', ['train', '--epoch', '3'], /unknown option '--epoch' \(Did you mean --epochs\?\)/],
  ['missing data folder', ['train', '--data-dir', join(tmp, 'nope'), '--backend', 'reference'], /nope/],
  ['unknown recipe', ['train', '--recipe', 'imagenet-9000'], /imagenet-9000: no recipe file or named recipe/],
  [
    'malformed recipe',
    ['train', '--recipe', badRecipe],
    /bad\.json: setting "epochs": must be an integer ≥ 1, got ten/,
  ],
  ['resume without checkpoint', ['train', '--resume'], /--resume needs --checkpoint/],
  [
    'checkpoint folder that cannot be created',
    ['train', '--checkpoint', join(badRecipe, 'run'), '--train-limit', '64'],
    /cannot create the checkpoint folder \(ENOTDIR\)/,
  ],
  ['missing checkpoint for eval', ['eval', '--checkpoint', join(tmp, 'none.ckpt')], /checkpoint not found/],
];
for (const [name, args, expected] of cases) {
  test(`bad input: ${name} → one line, exit ≠ 0`, () => {
    const r = cli(...args);
    assert.notEqual(r.code, 0);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 1, `one line, got:\n${r.err}`);
    assert.match(lines[0]!, expected);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  });
}

// A read-only folder (a real read-only tmpfs, which root cannot write either) is covered in test/robust.input.test.ts.

test.after(() => rmSync(tmp, { recursive: true, force: true }));
