/**
 * The way back: a checkpoint exported as a PyTorch project, its weights trained a few steps by train.py under
 * `torchrun --nproc_per_node 2` (Gloo, CPU), then `import-torch` into a spikerep run that predicts exactly as the
 * PyTorch model does on 1000 test images, and which eval and the NIR export read like any run. The untrained round
 * trip (export, import) runs everywhere and must give back the same tensors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Dataset, epochOrder, subset } from '../../src/data/dataset.js';
import { loadMnist, mnistPackageDir } from '../../src/data/mnist.js';
import { defaultValidationSize, holdOut } from '../../src/data/split.js';
import { TORCH_TEMPLATES_DIR as TEMPLATES } from '../../src/export/torch-project.js';
import { reference } from '../../src/kernels/reference/index.js';
import { argmaxRows } from '../../src/nn/loss.js';
import { Rng } from '../../src/rng.js';
import { tensor } from '../../src/tensor.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { modelFromCheckpoint } from '../../src/train/state.js';
import { cliArgs, ROOT } from '../support/cli.command.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';
import { PYTHON, TORCHRUN_ONE_NODE, torchMissing } from '../support/torch-python.js';

const skip = torchMissing();
const tmp = mkdtempSync(join(tmpdir(), 'spikerep-torch-import-'));
const { path: ckpt } = fixtureCheckpoint(join(tmp, 'ck'), 'if');
const project = join(tmp, 'project');
const N = 1000;

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('export --format torch --checkpoint, then import-torch: the same tensors back', () => {
  const e = cli('export', '--format', 'torch', '--checkpoint', ckpt, '--out', project);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /for mnistnet, DSR-IF, T=4; weights of .*best\.ckpt/);
  const run = join(tmp, 'back');
  const importArgs = ['import-torch', join(project, 'weights.safetensors'), '--recipe', join(project, 'recipe.json')];
  const i = cli(...importArgs, '--out', run);
  assert.equal(i.code, 0, i.err);
  assert.match(i.out, /wrote .*best\.ckpt and last\.ckpt: mnistnet, DSR-IF, T=4, 28 tensors from/);
  const before = loadCheckpoint(ckpt).tensors;
  const after = loadCheckpoint(join(run, 'best.ckpt')).tensors;
  let compared = 0;
  for (const [name, values] of before) {
    if (name.startsWith('optimizer.')) continue; // the optimiser's state is not exported
    const back = after.get(name);
    if (back === undefined) continue;
    assert.deepEqual(back, values, name);
    compared++;
  }
  assert.equal(compared, 28); // 20 parameters and 8 running statistics
  const again = cli(...importArgs, '--out', run);
  assert.equal(again.code, 1);
  assert.match(again.err, /^spikerep: --out: already holds best\.ckpt/);
});

test('import-torch and export --format torch: bad inputs give one line', () => {
  const junk = join(tmp, 'junk.safetensors');
  writeFileSync(junk, 'hello, not a header');
  const recipe = join(project, 'recipe.json');
  if (!existsSync(recipe)) cli('export', '--format', 'torch', '--checkpoint', ckpt, '--out', project);
  const other = join(tmp, 'other');
  cli('export', '--format', 'torch', '--recipe', 'cifar10', '--out', other);
  for (const [args, pattern] of [
    [
      ['import-torch', junk, '--recipe', recipe, '--out', join(tmp, 'r1')],
      /^spikerep: .*junk\.safetensors: not a safetensors file of float32 tensors: header of \d+ bytes in a file of 19/,
    ],
    [
      ['import-torch', join(tmp, 'none.safetensors'), '--recipe', recipe, '--out', join(tmp, 'r2')],
      /^spikerep: .*none\.safetensors: cannot read the weights \(ENOENT\)/,
    ],
    [
      ['import-torch', join(other, 'weights.safetensors'), '--recipe', recipe, '--out', join(tmp, 'r3')],
      /^spikerep: .*weights\.safetensors: has no tensor features\.0\.weight of 288 values for this model/,
    ],
    [
      ['export', '--format', 'torch', '--recipe', 'mnist', '--out', junk],
      /^spikerep: --out: is a file; expected the folder/,
    ],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.out}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('torchrun --nproc_per_node 2 (Gloo) trains a few steps; import-torch predicts as PyTorch does', { skip }, () => {
  if (!existsSync(join(project, 'train.py')))
    cli('export', '--format', 'torch', '--checkpoint', ckpt, '--out', project);
  const out = join(tmp, 'ddp');
  const args = [...TORCHRUN_ONE_NODE, '--nproc_per_node', '2', join(project, 'train.py')];
  const flags = ['--data-dir', mnistPackageDir(), '--out', out, '--train-limit', '256', '--test-limit', '64'];
  const r = spawnSync(
    'nice',
    ['torchrun', ...args, ...flags, '--batch-size', '32', '--lr', '0.02', '--max-steps', '6', '--threads', '1'],
    {
      encoding: 'utf8',
      timeout: 180_000,
    },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const line = JSON.parse(
    r.stdout
      .split('\n')
      .find((l) => l.includes('"epoch"'))!
      .replace(/^\[\w+\]:/, ''),
  ) as {
    iteration: number;
    validationAccuracy: number;
    bestEpoch: number;
  };
  assert.equal(line.iteration, 6);
  // 26 training images held out, as spikerep holds them out, chose the epoch best.safetensors holds
  assert.ok(line.validationAccuracy >= 0 && line.validationAccuracy <= 1 && line.bestEpoch === 1, JSON.stringify(line));
  assert.ok(existsSync(join(out, 'best.safetensors')));
  const weights = join(out, 'checkpoint.safetensors');
  const p = spawnSync(
    'nice',
    [PYTHON, join(ROOT, 'test', 'support', 'torch_predict.py'), project, weights, mnistPackageDir(), String(N)],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.equal(p.status, 0, p.stderr);
  const torchPredictions = (JSON.parse(p.stdout) as { predictions: number[] }).predictions;
  const run = join(tmp, 'trained');
  const i = cli('import-torch', weights, '--recipe', join(project, 'recipe.json'), '--out', run);
  assert.equal(i.code, 0, i.err);
  const { net } = modelFromCheckpoint(reference, join(run, 'best.ckpt'));
  const testSet = loadMnist('test');
  const ours: number[] = [];
  const B = 250; // batches of 250 keep the T·B activations small
  for (let start = 0; start < N; start += B) {
    const x = new Float32Array(B * 784);
    for (let s = 0; s < B; s++) testSet.read(start + s, x, s * 784);
    const logits = net.forward(tensor([B, 28, 28, 1], x), { training: false, rng: new Rng(1) });
    ours.push(...argmaxRows(logits));
  }
  assert.deepEqual(ours, torchPredictions);
  assert.ok(new Set(ours).size >= 3, `predictions use ${new Set(ours).size} classes: too trivial a check`);
  // the imported run is a run like any other: eval reads it, report draws it, export writes it, for a target too
  const evalJson = join(tmp, 'eval.json');
  const ev = cli(
    'eval',
    '--checkpoint',
    run,
    '--test-limit',
    '200',
    '--backend',
    'wasm',
    '--threads',
    '1',
    '--json',
    evalJson,
  );
  assert.equal(ev.code, 0, ev.err);
  assert.match(ev.out, /test accuracy .* on 200 mnist test images \(if, T=4\)/);
  const html = join(tmp, 'report.html');
  const rep = cli('report', evalJson, '--checkpoint', run, '--sweep-limit', '20', '--out', html, '--quiet');
  assert.equal(rep.code, 0, rep.err);
  assert.ok(readFileSync(html, 'utf8').includes('<svg'), 'the report has its figures');
  const nir = cli('export', '--checkpoint', run, '--format', 'nir', '--out', join(tmp, 'trained.nir'));
  assert.equal(nir.code, 0, nir.err);
  assert.match(nir.out, /wrote .*trained\.nir: 13 nodes/);
  const chip = cli('export', '--checkpoint', run, '--target', 'generic', '--out', join(tmp, 'trained-int8.nir'));
  assert.equal(chip.code, 0, chip.err);
  assert.match(chip.out, /wrote .*trained-int8\.nir/);
  // the trained weights moved away from the exported ones
  const start = loadCheckpoint(ckpt).tensors.get('features.0.bias')!;
  const trained = loadCheckpoint(join(run, 'best.ckpt')).tensors.get('features.0.bias')!;
  assert.notDeepEqual(trained, start);
});

test("train.py: spikerep's validation hold-out and (--order spikerep) epoch orders, in Python", (t) => {
  const n = 60000;
  const seed = 3;
  const trainLimit = 2000;
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(TEMPLATES)})`,
    'from spikerep_order import EpochOrders, split_indices',
    `idx, held = split_indices("mnist", ${n}, ${seed}, ${trainLimit})`,
    `o = EpochOrders(idx, ${seed})`,
    'print(json.dumps([idx, o.epoch(0), o.epoch(1), held]))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  if (r.error !== undefined) return t.skip(`${PYTHON} is not installed`);
  assert.equal(r.status, 0, r.stderr);
  const [indices, epoch0, epoch1, held] = JSON.parse(r.stdout) as number[][];
  // spikerep's side: a dataset whose labels are the file indices, through the training run's own split and shuffles
  const all: Dataset = {
    name: 'ids',
    length: n,
    sampleShape: [1],
    classes: [],
    stats: undefined,
    normalized: false,
    label: (i) => i,
    read: () => {},
  };
  const { train: rest, val } = holdOut(all, defaultValidationSize('mnist', n, trainLimit), seed);
  const train = subset(rest, trainLimit);
  const ids = (ds: Dataset, order: ArrayLike<number>): number[] => Array.from(order, (i) => ds.label(i));
  assert.deepEqual(indices, ids(train, epochOrder(train.length)));
  assert.equal(held!.length, 200); // a tenth of --train-limit, as spikerep holds out
  assert.deepEqual(held, ids(val!, epochOrder(val!.length))); // the images that choose the best epoch
  const stream = new Rng(seed).fork(); // the order stream: the master's first fork (train/epoch.ts)
  assert.deepEqual(epoch0, ids(train, epochOrder(train.length, stream)));
  assert.deepEqual(epoch1, ids(train, epochOrder(train.length, stream)));
});
