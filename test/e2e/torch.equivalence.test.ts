/**
 * `export --format torch` end to end, and the two engines on the same weights and batch: the exported project's
 * PyTorch model (its DSR autograd Functions) must give every neuron layer's spikes exactly as spikerep does, and the
 * logits, loss, every parameter gradient and the batch-norm running statistics within float32 tolerance — for IF and
 * LIF, mnistnet, several T. Runs where /usr/bin/python3 imports torch (Debian's python3-torch); skipped elsewhere.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeFrames } from '../../src/data/encoders.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../src/export/safetensors.js';
import { torchLayout, torchTensors } from '../../src/export/torch-layout.js';
import { TORCH_TEMPLATES_DIR } from '../../src/export/torch-project.js';
import { reference } from '../../src/kernels/reference/index.js';
import { buildModel } from '../../src/models/index.js';
import { neuronSpec } from '../../src/models/neurons.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { NormBlock } from '../../src/nn/norm-block.js';
import { layersOf, neuronLayers } from '../../src/nn/walk.js';
import { Rng } from '../../src/rng.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { cliArgs, ROOT } from '../support/cli.command.js';
import { PYTHON, torchMissing } from '../support/torch-python.js';

const COMPARE = join(ROOT, 'test', 'support', 'torch_equivalence.py');
const skip = torchMissing();

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-torch-'));
const project = join(tmp, 'project');

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function exportProject(): { code: number; out: string; err: string } {
  return cli('export', '--format', 'torch', '--recipe', 'mnist', '--out', project);
}

test('export --format torch --recipe mnist: the project, its recipe and the seeded weights in PyTorch layout', () => {
  const r = exportProject();
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /wrote .*project: a PyTorch project \(cifar_bin\.py, dsr\.py, .*train\.py, recipe\.json, weights\.safetensors, README\.md\) for mnistnet, DSR-IF, T=4; initialised by spikerep with seed 1/,
  );
  for (const f of ['cifar_bin.py', 'dsr.py', 'models.py', 'mnist_idx.py', 'safetensors_io.py', 'train.py', 'README.md'])
    assert.ok(existsSync(join(project, f)), f);
  const recipe = JSON.parse(readFileSync(join(project, 'recipe.json'), 'utf8')) as {
    config: { T: number; lr: number; neuronConfig: { kind: string; vth: number; alpha: number } };
  };
  assert.equal(recipe.config.T, 4);
  assert.equal(recipe.config.lr, 0.05);
  assert.deepEqual(recipe.config.neuronConfig, { kind: 'if', vth: 6, alpha: 0.5, vthBound: 0.01, vthGradScale: 1 });
  const { tensors } = decodeSafetensors(readFileSync(join(project, 'weights.safetensors')), 'weights');
  const { net } = buildModel(reference, {
    model: 'mnistnet',
    input: [28, 28, 1],
    classes: 10,
    neuron: 'if',
    T: 4,
    seed: 1,
  });
  const conv = tensors.get('features.0.weight')!;
  assert.deepEqual(conv.shape, [32, 1, 3, 3]);
  const w = net.params().find((p) => p.name === 'features.4.weight')!; // [64, 3, 3, 32] in spikerep
  // spikerep [o, y, x, i] is PyTorch [o, i, y, x]
  assert.equal(
    tensors.get('features.4.weight')!.data[((5 * 32 + 7) * 3 + 2) * 3 + 1],
    w.value[((5 * 3 + 2) * 3 + 1) * 32 + 7],
  );
  const lin = tensors.get('classifier.0.weight')!; // columns from (H, W, C) = (7, 7, 64) to (C, H, W)
  const sr = net.params().find((p) => p.name === 'classifier.0.weight')!;
  assert.equal(lin.data[9 * 3136 + (10 * 7 + 2) * 7 + 1], sr.value[9 * 3136 + (2 * 7 + 1) * 64 + 10]);
  assert.equal(tensors.size, net.params().length + 2 * 4); // and each BN's running mean and variance
});

test('the project templates parse as Python (where a python3 is installed; CI installs one)', (t) => {
  const files = readdirSync(TORCH_TEMPLATES_DIR)
    .filter((f) => f.endsWith('.py'))
    .map((f) => join(TORCH_TEMPLATES_DIR, f));
  const check = 'import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f).read(), f)\nprint(len(sys.argv) - 1)';
  const r = spawnSync(PYTHON, ['-c', check, ...files], { encoding: 'utf8' });
  if (r.error !== undefined) return t.skip(`${PYTHON} is not installed`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), String(files.length));
  assert.ok(files.length >= 6);
});

test('--sync-bn over two Gloo processes computes what one process computes on the whole batch', { skip }, () => {
  if (!existsSync(join(project, 'sync_bn.py'))) assert.equal(exportProject().code, 0);
  const r = spawnSync('nice', [PYTHON, join(ROOT, 'test', 'support', 'torch_sync_bn.py'), project], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  type Side = { spikesDiffering: number; largestRelativeDifference: number; worst: string };
  const got = JSON.parse(r.stdout) as { synced: Side; unsynced: Side; fired: Record<string, number> };
  // float64: the synchronised statistics are the whole batch's up to the order of sums
  assert.equal(got.synced.spikesDiffering, 0);
  assert.ok(got.synced.largestRelativeDifference < 1e-9, JSON.stringify(got.synced));
  // the comparison can tell: per-rank statistics change spikes and gradients
  assert.ok(got.unsynced.spikesDiffering > 0 && got.unsynced.largestRelativeDifference > 1e-3, JSON.stringify(got));
  for (const [layer, rate] of Object.entries(got.fired)) assert.ok(rate > 0 && rate < 1, `${layer} fires at ${rate}`);
});

test('export --format torch: bad inputs give one line', () => {
  for (const [args, pattern] of [
    [
      ['export', '--format', 'torch', '--out', join(tmp, 'x')],
      /^spikerep: --recipe: expected a recipe for --format torch/,
    ],
    [
      ['export', '--format', 'torch', '--recipe', 'mnist-speck', '--out', join(tmp, 'x')],
      /^spikerep: --model: model specknet: the PyTorch export has mnistnet, resnet18, vgg11 so far/,
    ],
    [
      ['export', '--format', 'nir', '--out', join(tmp, 'x.nir')],
      /^spikerep: --checkpoint: expected the run folder or checkpoint file/,
    ],
    [
      ['export', '--format', 'torch', '--recipe', 'mnist', '--target', 'speck', '--out', join(tmp, 'x')],
      /^spikerep: --target: applies to --format nir only/,
    ],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.out}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

/** [rows, H, W, C] → [rows, C, H, W]; other ranks unchanged. */
function nchw(shape: readonly number[], data: ArrayLike<number>): SafeTensor & { name: '' } {
  if (shape.length !== 4) return { name: '', shape: [...shape], data: Float32Array.from(data) };
  const [R, H, W, C] = shape as [number, number, number, number];
  const out = new Float32Array(R * C * H * W);
  for (let r = 0; r < R; r++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++) out[((r * C + c) * H + y) * W + x] = data[((r * H + y) * W + x) * C + c]!;
  return { name: '', shape: [R, C, H, W], data: out };
}

/** The small inputs of each model: mnistnet's 12/4 = 3 makes the flatten's reordering matter; 8×8 takes the
 * PreAct-ResNet-18 down to 1×1 through its three stride-2 stages; VGG-11's five pools take 32×32 to 1×1, which its
 * 7×7 adaptive pool replicates 49 times. */
const INPUTS = { mnistnet: [12, 12, 1], resnet18: [8, 8, 3], vgg11: [32, 32, 2] } as const;

/** Event frames: the input changes every step, as DVS data does (2 polarity channels of event counts). */
const FRAME_INPUTS = { mnistnet: [12, 12, 2], resnet18: [8, 8, 2], vgg11: [32, 32, 2] } as const;

/**
 * spikerep's forward and backward on one batch, written for the PyTorch side; returns the files and the counts.
 * `frames`: a batch [B, T, H, W, C] of event counts fed one frame per step, instead of one image shown at every step.
 */
function dumpCase(
  model: keyof typeof INPUTS,
  neuron: 'if' | 'lif' | 'bptt',
  T: number,
  dir: string,
  frames = false,
): { dump: string; spec: string; layers: number; params: number } {
  const input = frames ? FRAME_INPUTS[model] : INPUTS[model];
  const [H, W, C] = input;
  const B = 4;
  const { net } = buildModel(reference, { model, input, classes: 10, neuron, T, seed: 3, dropout: 0 }); // no random masks
  const rng = new Rng(11);
  for (const l of layersOf(net.body)) {
    if (!(l instanceof BatchNorm)) continue; // larger BN gains so that every layer fires at some but not all steps
    for (let c = 0; c < l.opts.channels; c++) {
      l.weight.value[c] = 3 * (0.8 + 0.4 * rng.uniform());
      l.bias.value[c] = 1.5 * rng.normal();
    }
  }
  const out: SafeTensor[] = torchTensors(net).map((t) => ({ ...t, name: `weight.${t.name}` }));
  const spikes = new Map<string, SafeTensor>();
  for (const l of neuronLayers(net.body)) {
    const forward = l.forward.bind(l);
    const forwardRepeated = l.forwardRepeated.bind(l);
    const keep = (y: Tensor): Tensor => {
      spikes.set(l.opts.name, { ...nchw(y.shape, y.data), name: `spikes.${l.opts.name}` });
      return y;
    };
    l.forward = (x, ctx) => keep(forward(x, ctx));
    // the first neuron after the time-invariant first layers is handed their output once
    l.forwardRepeated = (x, ctx) => keep(forwardRepeated(x, ctx));
  }
  const steps = frames ? T : 1;
  const x = new Float32Array(B * steps * H * W * C);
  // event counts where frames change per step (0, 1 or 2; 70 %, 20 %, 10 %), else normal "normalised pixels"
  for (let i = 0; i < x.length; i++) x[i] = frames ? Math.max(0, Math.floor(5 * rng.uniform() - 2.5)) : rng.normal();
  const labels = Int32Array.from([0, 3, 7, 9]);
  const batch = frames ? encodeFrames(x, [B, T, H, W, C]).input : tensor([B, ...input], x);
  const logits = net.forward(batch, {
    training: true,
    rng: new Rng(5),
    encoding: frames ? 'time-major' : 'direct',
  });
  const loss = crossEntropy(logits, labels, reference);
  out.push({ name: 'logits', shape: [B, 10], data: Float32Array.from(logits.data) });
  out.push({ name: 'loss', shape: [1], data: Float32Array.of(loss.loss) });
  net.backward(loss.grad);
  const convert = torchLayout(net);
  for (const p of net.params()) out.push({ ...convert(p.name, p.grad), name: `grad.${p.name}` });
  for (const t of torchTensors(net)) if (t.name.includes('running')) out.push({ ...t, name: `after.${t.name}` });
  // the PyTorch model takes frames as [B, T, C, H, W] (models.py time_major): B·T rows of [C, H, W]
  const pixels = nchw([B * steps, H, W, C], x);
  out.push({ ...pixels, shape: frames ? [B, T, C, H, W] : pixels.shape, name: 'input' });
  out.push({ name: 'labels', shape: [B], data: Float32Array.from(labels) });
  out.push(...spikes.values());
  const stem = `${model}-${neuron}-T${T}${frames ? '-frames' : ''}`;
  const dump = join(dir, `${stem}.safetensors`);
  writeFileSync(dump, encodeSafetensors(out));
  const spec = join(dir, `${stem}.json`);
  const { config: neuronConfig, mode: neuronMode, surrogateSlope } = neuronSpec(neuron);
  const config = { model, T, neuronConfig, neuronMode, surrogateSlope, dropout: 0 };
  // the biases whose output a batch norm reads (alone or summed with a shortcut): their gradient is 0 in exact arithmetic
  const biasesBeforeBn = layersOf(net.body)
    .filter((l): l is NormBlock => l instanceof NormBlock)
    .flatMap((b) => b.branches.flatMap((br) => (br.weight?.params() ?? []).filter((p) => p.role === 'bias')))
    .map((p) => p.name);
  writeFileSync(spec, JSON.stringify({ config, inputShape: [C, H, W], classes: 10, biasesBeforeBn }));
  return { dump, spec, layers: spikes.size, params: net.params().length };
}

for (const [model, neuron, T, frames] of [
  ['mnistnet', 'if', 2],
  ['mnistnet', 'if', 4],
  ['mnistnet', 'lif', 3],
  ['mnistnet', 'bptt', 3],
  ['resnet18', 'if', 2],
  ['resnet18', 'lif', 2],
  ['resnet18', 'bptt', 2],
  ['vgg11', 'if', 2],
  ['mnistnet', 'if', 3, true],
  ['vgg11', 'if', 2, true],
] as const) {
  const what = frames === true ? ', event frames' : '';
  test(`same weights and batch, ${model} ${neuron.toUpperCase()} T=${T}${what}: identical spikes, equal gradients in PyTorch`, {
    skip,
  }, (t) => {
    if (!existsSync(join(project, 'dsr.py'))) exportProject(); // when the export test was filtered out
    const { dump, spec, layers, params } = dumpCase(model, neuron, T, tmp, frames === true);
    const r = spawnSync('nice', [PYTHON, COMPARE, project, dump, spec], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      layers: number;
      grads: number;
      fired: Record<string, number>;
      worstRelative: number;
    };
    t.diagnostic(
      `largest relative difference ${result.worstRelative.toExponential(2)}; firing ${JSON.stringify(result.fired)}`,
    );
    assert.equal(result.layers, layers); // every neuron layer compared (mnistnet 4, PreAct-ResNet-18 19)
    assert.equal(result.grads, params); // and every parameter's gradient
    const firing = Object.values(result.fired).filter((rate) => rate > 0 && rate < 1).length;
    assert.ok(firing >= layers - 1, `only ${firing} of ${layers} layers fire at some but not all steps`);
  });
}
