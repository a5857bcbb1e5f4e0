/** The CLI's argument parsing, in-process through main(argv, io): help, defaults, bad values, unknown flags. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRAIN_FIELDS } from '../../src/train/config.js';
import { optionMeta } from '../../src/train/fields.js';
import { type Ran, runCli } from '../support/cli.in-process.js';

const cli = (...argv: string[]): Promise<Ran> => runCli(argv);

/** The resolved settings of `train … --print-config`. */
async function settings(...argv: string[]): Promise<{
  config: Record<string, unknown>;
  effective: { neuron: Record<string, unknown>; dropout: number; gradMode: string; calibrateVth: number | null };
}> {
  const r = await cli('train', ...argv, '--print-config');
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

/** The help line of one flag (commander wraps long lines: the continuation lines are joined). */
function helpOf(help: string, flag: string): string {
  const lines = help.split('\n');
  // a flag with a one-letter form is listed after it ("-T, --T <steps>")
  const i = lines.findIndex(
    (l) =>
      l
        .trimStart()
        .replace(/^-\w, /, '')
        .split(' ')[0] === flag,
  );
  assert.ok(i >= 0, `help lists ${flag}`);
  let text = lines[i]!;
  for (let j = i + 1; j < lines.length && /^\s{6,}\S/.test(lines[j]!) && !lines[j]!.trimStart().startsWith('-'); j++)
    text += ` ${lines[j]!.trim()}`;
  return text.replace(/\s+/g, ' ');
}

test('spikerep --help lists every command and exits 0', async () => {
  const r = await cli('--help');
  assert.equal(r.code, 0);
  for (const c of ['train', 'eval', 'bench', 'export', 'import', 'report', 'serve'])
    assert.match(r.out, new RegExp(`^  ${c} `, 'm'));
  assert.equal(r.err, '');
});

test('train --help shows every setting of the schema with its help and its default', async () => {
  const r = await cli('train', '--help');
  assert.equal(r.code, 0);
  for (const f of Object.values(TRAIN_FIELDS)) {
    const meta = optionMeta.get(f)!;
    assert.ok(helpOf(r.out, meta.flag).includes(meta.help.split(' ').slice(0, 3).join(' ')), `help of ${meta.flag}`);
  }
  assert.match(helpOf(r.out, '--T'), /^ *-T, --T <steps> time steps; also --timesteps \(default 4\)$/);
  assert.match(helpOf(r.out, '--batch-size'), /\(default 64\)$/);
  assert.match(helpOf(r.out, '--lr'), /\(default 0\.2\)$/);
  assert.match(
    helpOf(r.out, '--calibrate-vth'),
    /\(default 95 where no vth, hybrid training or recipe sets the thresholds\)$/,
  );
  assert.match(helpOf(r.out, '--warmup'), /\(default 100\)$/);
  assert.match(helpOf(r.out, '--vth-bound'), /\(default if\/ann\/relu 0\.01, lif\/cubalif\/bptt 0\.0005\)$/);
  assert.match(helpOf(r.out, '--vth'), /\(default if\/ann\/relu 6, lif\/cubalif\/bptt 0\.3\)$/);
  assert.match(helpOf(r.out, '--dropout'), /vgg11 0\.1, specknet 0, mlp 0, srnn 0\)$/);
  assert.match(helpOf(r.out, '--vth-grad-scale'), /\(default 1\)$/);
  assert.doesNotMatch(helpOf(r.out, '--flip'), /default/, 'a switch shows no default');
  for (const extra of ['--recipe', '--full', '--json', '--quiet', '--report', '--print-config']) helpOf(r.out, extra);
});

test('every command that takes --backend offers the same five backends with the same help', async () => {
  const lines: string[] = [];
  for (const c of ['train', 'eval', 'import', 'report']) {
    const line = helpOf((await cli(c, '--help')).out, '--backend');
    for (const b of ['reference', 'wasm', 'native', 'webgpu', 'auto'])
      assert.ok(line.includes(b), `${c} --backend mentions ${b}: ${line}`);
    lines.push(line.slice(line.indexOf('--backend')));
  }
  assert.equal(new Set(lines).size, 1, 'one definition');
});

test('no flag: the schema defaults (the values the README documents)', async () => {
  const { config, effective } = await settings();
  assert.deepEqual(
    { ...config },
    {
      dataset: 'mnist',
      download: false,
      model: 'mnistnet',
      neuron: 'if',
      T: 4,
      epochs: 2,
      batchSize: 64,
      testBatchSize: 256,
      lr: 0.2,
      schedule: 'cosine-step',
      optimizer: 'sgd',
      momentum: 0.9,
      weightDecay: 0.0005,
      warmupIters: 100,
      readout: 'rate',
      encoder: 'direct',
      cropPad: 0,
      flip: false,
      hybridAnnEpochs: 0,
      calibrateBatches: 5,
      gradMode: 'auto',
      quantScale: 'layer',
      seed: 1,
      backend: 'wasm',
      resume: false,
      overwrite: false,
    },
  );
  assert.deepEqual(effective.neuron, { kind: 'if', vth: 6, alpha: 0.5, vthBound: 0.01, vthGradScale: 1 });
  assert.equal(effective.dropout, 0);
  assert.equal(effective.gradMode, 'representation', 'IF without dropout: the same gradients, flat in T');
  assert.equal(effective.calibrateVth, 95);
});

test('flags set their settings; --full lifts the train limit; switches are true', async () => {
  const { config, effective } = await settings(
    '--batch-size',
    '32',
    '--lr',
    '0.1',
    '--flip',
    '--full',
    '--neuron',
    'lif',
    '--vth-grad-scale',
    '0.001',
    '--warmup',
    '7',
    '--hybrid',
    '2',
    '--checkpoint',
    'runs/x',
    '--time-chunk',
    '2',
    '--grad-mode',
    'representation',
    '--backend',
    'native',
    '--weight-bits',
    '4',
    '--quant-scale',
    'channel',
  );
  assert.equal(config['weightBits'], 4);
  assert.equal(config['quantScale'], 'channel');
  assert.equal(config['batchSize'], 32);
  assert.equal(config['lr'], 0.1);
  assert.equal(config['flip'], true);
  assert.equal('trainLimit' in config, false);
  assert.equal(config['warmupIters'], 7);
  assert.equal(config['hybridAnnEpochs'], 2);
  assert.equal(config['checkpointDir'], 'runs/x');
  assert.equal(config['timeChunk'], 2);
  assert.equal(config['backend'], 'native');
  assert.equal(effective.neuron['kind'], 'lif');
  assert.equal(effective.neuron['vthGradScale'], 0.001, 'the threshold-gradient scale reaches the neuron config');
  assert.equal(effective.neuron['vthBound'], 0.0005);
});

test('a recipe, then its settings for the neuron kind, then the flags', async () => {
  const lif = await settings('--recipe', 'cifar10', '--neuron', 'lif');
  assert.equal(lif.config['lr'], 0.1);
  assert.deepEqual(lif.effective.neuron, {
    kind: 'lif',
    vth: 0.3,
    alpha: 0.3,
    tau: 1,
    dt: 0.05,
    vthBound: 0.0005,
    vthGradScale: 1,
  });
  const low = await settings('--recipe', 'cifar10-lowlatency');
  assert.deepEqual(low.effective.neuron, {
    kind: 'lif',
    vth: 0.6,
    alpha: 0.5,
    tau: 1,
    dt: 0.1,
    vthBound: 0.001,
    vthGradScale: 1,
  });
  const lowIf = await settings('--recipe', 'cifar10-lowlatency', '--neuron', 'if');
  assert.deepEqual(lowIf.effective.neuron, { kind: 'if', vth: 6, alpha: 0.5, vthBound: 0.01, vthGradScale: 1 });
  const over = await settings('--recipe', 'cifar10-lowlatency', '--vth-bound', '0.002', '--epochs', '3');
  assert.equal(over.effective.neuron['vthBound'], 0.002);
  assert.equal(over.config['epochs'], 3);
  assert.equal((await settings('--model', 'vgg11')).effective.dropout, 0.1);
  assert.equal((await settings('--model', 'vgg11', '--dropout', '0')).effective.dropout, 0);
  assert.equal((await settings('--recipe', 'cifar10')).effective.dropout, 0);
});

const bad: [string[], RegExp][] = [
  [['train', '--T', '0'], /^spikerep: --T: must be an integer ≥ 1, got 0$/],
  [['train', '--T', '2.5'], /^spikerep: --T: expected an integer, got '2\.5'$/],
  [['train', '--lr', 'abc'], /^spikerep: --lr: expected a number, got 'abc'$/],
  [['train', '--lr', '-1'], /^spikerep: --lr: learning rate must be a number > 0, got -1$/],
  [['train', '--momentum', '1'], /^spikerep: --momentum: momentum must be in \[0, 1\), got 1$/],
  [['train', '--vth-grad-scale', '-1'], /^spikerep: --vth-grad-scale: must be a number ≥ 0, got -1$/],
  [['train', '--warmup', '-1'], /^spikerep: --warmup: must be an integer ≥ 0, got -1$/],
  [['train', '--hybrid', '-2'], /^spikerep: --hybrid: must be an integer ≥ 0, got -2$/],
  [
    ['train', '--checkpoint', 'x', '--resume', '--neuron', 'bptt', '--grad-mode', 'representation'],
    /^spikerep: --grad-mode: the BPTT baseline needs --grad-mode exact$/,
  ],
  [['train', '--resume'], /^spikerep: --resume: --resume needs --checkpoint \(the folder holding last\.ckpt\)$/],
  [['train', '--neuron', 'sigmoid'], /^spikerep: --neuron: expected one of if\|lif\|.*relu, got sigmoid$/],
  [
    ['train', '--backend', 'cuda'],
    /^spikerep: --backend: expected one of reference\|wasm\|native\|webgpu\|auto, got cuda$/,
  ],
  [
    ['eval', '--checkpoint', 'c.ckpt', '--backend', 'cuda'],
    /^spikerep: --backend: expected one of reference\|wasm\|native\|webgpu\|auto, got cuda$/,
  ],
  [
    ['import', 'g.nir', '--backend', 'cuda'],
    /^spikerep: --backend: expected one of reference\|wasm\|native\|webgpu\|auto, got cuda$/,
  ],
  [
    ['report', 'r.json', '--out', 'r.html', '--backend', 'cuda'],
    /^spikerep: --backend: expected one of reference\|wasm\|native\|webgpu\|auto, got cuda$/,
  ],
  [
    ['bench', '--backend', 'wasm,cuda'],
    /^spikerep: --backend: expected one of reference\|wasm\|native\|webgpu\|auto, got cuda$/,
  ],
  [
    ['report', 'r.json', '--out', 'r.html', '--t-sweep', '1,0'],
    /^spikerep: --t-sweep: expected T values ≥ 1 as a list \(1,2,4,8\) or a range \(1-16\), got '1,0'$/,
  ],
  [
    ['eval', '--checkpoint', 'c.ckpt', '--t-sweep', 'x'],
    /^spikerep: --t-sweep: expected T values ≥ 1 as a list \(1,2,4,8\) or a range \(1-16\), got 'x'$/,
  ],
  [
    ['eval', '--checkpoint', 'c.ckpt', '--within', '-2'],
    /^spikerep: --within: tolerance must be a number ≥ 0, got -2$/,
  ],
  [['train', '--weight-bits', '3'], /^spikerep: --weight-bits: must be one of 8\|4\|2, got 3$/],
  [['train', '--quant-scale', 'tensor'], /^spikerep: --quant-scale: expected one of layer\|channel, got tensor$/],
  [['train', '--calibrate-vth', '101'], /^spikerep: --calibrate-vth: percentile must be in \[0, 100\], got 101$/],
  [
    ['import', 'g.nir', '--if-r', 'sometimes'],
    /^spikerep: --if-r: expected one of auto\|one\|inverse-dt, got sometimes$/,
  ],
  [
    ['export', '--checkpoint', 'c', '--out', 'o.nir', '--format', 'onnx'],
    /^spikerep: --format: expected one of nir\|torch, got onnx$/,
  ],
  [['serve', '--checkpoint', 'c', '--port', '-1'], /^spikerep: --port: must be an integer in \[0, 65535\], got -1$/],
  [
    ['serve', '--checkpoint', 'c', '--port', '70000'],
    /^spikerep: --port: must be an integer in \[0, 65535\], got 70000$/,
  ],
  [['train', '--epoch', '3'], /^spikerep: unknown option '--epoch' \(Did you mean --epochs\?\) \(see --help\)$/],
  [['train', '--bogus'], /^spikerep: unknown option '--bogus' \(see --help\)$/],
  [['eval'], /^spikerep: required option '--checkpoint <run\|file>' not specified \(see --help\)$/],
  [['train', '--T'], /^spikerep: option '-T, --T <steps>' argument missing \(see --help\)$/],
  [['frobnicate'], /^spikerep: unknown command 'frobnicate'/],
];
for (const [argv, expected] of bad) {
  test(`${argv.join(' ')} → one line naming the flag, exit ≠ 0`, async () => {
    const r = await cli(...argv);
    assert.notEqual(r.code, 0);
    assert.equal(r.out, '');
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line, got:\n${r.err}`);
    assert.match(lines[0]!, expected);
  });
}
