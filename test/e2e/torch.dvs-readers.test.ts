/**
 * The exported project's event-camera readers (templates/torch/dvs_datasets.py and the files it imports) against
 * spikerep's own loaders, on fixture folders written in the real formats by the generators spikerep's loader tests
 * use (N-MNIST's 5-byte events, AEDAT 2 for DVS-CIFAR10, AEDAT 3.1 packets and label CSVs for DVS Gesture): the same
 * items in the same order, the same labels, and frames equal bit for bit (spikerep's [T, H, W, 2] read as PyTorch's
 * [T, 2, H, W]); a bad file stops both with the same line. Runs where /usr/bin/python3 imports torch.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CIFAR10_CLASSES } from '../../src/data/cifar.js';
import type { Dataset } from '../../src/data/dataset.js';
import { DvsCifar10, dvsFileName } from '../../src/data/dvsCifar10.js';
import { DvsGesture } from '../../src/data/dvsGesture.js';
import { encodeFrames } from '../../src/data/encoders.js';
import { NMnist } from '../../src/data/nmnist.js';
import { isSpikerepError } from '../../src/errors.js';
import { decodeSafetensors } from '../../src/export/safetensors.js';
import { TORCH_TEMPLATES_DIR } from '../../src/export/torch-project.js';
import { reference } from '../../src/kernels/reference/index.js';
import { Rng } from '../../src/rng.js';
import { modelFromCheckpoint } from '../../src/train/state.js';
import { cliArgs, ROOT } from '../support/cli.command.js';
import { aedatBytes, put, tempDir } from '../support/data.fixtures.js';
import {
  aedat3Bytes,
  type CameraEvent,
  nmnistBytes,
  polarityPacket,
  randomEvents,
  specialPacket,
} from '../support/event.fixtures.js';
import { PYTHON, TORCHRUN_ONE_NODE, torchMissing } from '../support/torch-python.js';

const READ = join(ROOT, 'test', 'support', 'torch_dvs_frames.py');
const skip = torchMissing();

/** N-MNIST: 3 training files per digit (names whose string order is not their numeric order, one upper-case
 * extension), 1 test file; one file with an overflow marker, one with fewer events than frames, one stray file. */
function nmnistFolder(): string {
  const dir = tempDir('torch-nmnist');
  const names = ['9.bin', '10.BIN', '00001.bin'];
  for (const split of ['Train', 'Test'])
    for (let c = 0; c < 10; c++)
      for (let j = 0; j < (split === 'Train' ? 3 : 1); j++) {
        const n = c === 4 && j === 1 ? 3 : 40 + 11 * c + 7 * j;
        let bytes = nmnistBytes(randomEvents(97 * c + 13 * j + split.length, n, 34, 5000 * j));
        if (c === 2) bytes = Uint8Array.from([...bytes.subarray(0, 10), 0, 240, 0, 0, 0, ...bytes.subarray(10)]);
        put(join(dir, split, String(c), names[j]!), bytes);
      }
  put(join(dir, 'Train', '3', 'README.txt'), 'not an event file: ignored');
  return dir;
}

/** DVS-CIFAR10: 3 files per class; header variants (none, indented '#' lines) and a file of 2 events. */
function cifarFolder(): string {
  const dir = tempDir('torch-dvs-cifar');
  CIFAR10_CLASSES.forEach((cls, c) => {
    for (let i = 0; i < 3; i++) {
      const ev = randomEvents(31 * c + i, c === 6 && i === 2 ? 2 : 1500 + 17 * i, 128, 100);
      const header = c === 1 ? [] : c === 2 ? ['  #!AER-DAT2.0', '\t# indented'] : undefined;
      put(join(dir, dvsFileName(cls, i)), aedatBytes(ev, header));
    }
  });
  return dir;
}

/** A recording with the 11 gestures: gesture k spans [o + 1000(k+1), o + 1000(k+1) + 900) µs, o = overflow·2³¹;
 * a special packet, spare capacity, an invalid event inside a window and events between windows are all skipped. */
function recording(seed: number, overflow: number): { bytes: Uint8Array; csv: string } {
  const all: CameraEvent[] = [];
  for (let k = 0; k < 11; k++) {
    all.push(...randomEvents(seed + k, k === 0 ? 3 : 30 + 5 * k, 128, 1000 * (k + 1)));
    all.push({ x: 1, y: 1, pol: 0, t: 1000 * (k + 1) + 950 });
  }
  const half = Math.floor(all.length / 2);
  const bytes = aedat3Bytes([
    specialPacket(3),
    polarityPacket(all.slice(0, half), overflow, new Set(), 2),
    polarityPacket([{ x: 5, y: 5, pol: 1, t: 1500 }], overflow, new Set([0])),
    polarityPacket(all.slice(half), overflow),
  ]);
  const o = overflow * 2 ** 31;
  const rows = Array.from({ length: 11 }, (_, k) => `${k + 1},${o + 1000 * (k + 1)},${o + 1000 * (k + 1) + 900}`);
  return { bytes, csv: `class,startTime_usec,endTime_usec\r\n${rows.join('\r\n')}\r\n` };
}

/** DVS Gesture: users 1, 2 (timestamps past 2³¹) and 24; with `lists`, trial lists that reorder them. */
function gestureFolder(lists: boolean): string {
  const dir = tempDir('torch-gesture');
  for (const [name, seed, overflow] of [
    ['user01_fluorescent', 1, 0],
    ['user02_led', 50, 1],
    ['user24_natural', 90, 0],
  ] as const) {
    const r = recording(seed, overflow);
    put(join(dir, `${name}.aedat`), r.bytes);
    put(join(dir, `${name}_labels.csv`), r.csv);
  }
  if (lists) {
    put(join(dir, 'trials_to_train.txt'), 'user24_natural.aedat\r\nuser01_fluorescent.aedat\r\nnotes\r\n');
    put(join(dir, 'trials_to_test.txt'), ' user02_led.aedat\n');
  }
  return dir;
}

interface Job {
  name: string;
  dataset: 'n-mnist' | 'dvs-gesture' | 'dvs-cifar10';
  root: string;
  split: 'train' | 'test';
  T: number;
  filesPerClass?: number;
  trainPerClass?: number;
}

function spikerepDataset(j: Job): Dataset {
  const opts = { dataDir: j.root, T: j.T };
  if (j.dataset === 'n-mnist') return new NMnist(j.split, opts);
  if (j.dataset === 'dvs-gesture') return new DvsGesture(j.split, opts);
  return new DvsCifar10(j.split, { ...opts, filesPerClass: j.filesPerClass, trainPerClass: j.trainPerClass });
}

/** Every sample of spikerep's dataset as [N, T, 2, H, W], its labels, or the line it stopped with. */
function spikerepFrames(j: Job): { frames: Float32Array; labels: number[] } | string {
  try {
    const ds = spikerepDataset(j);
    const [T, H, W, C] = ds.sampleShape as [number, number, number, number];
    const n = T * H * W * C;
    const sample = new Float32Array(n);
    const frames = new Float32Array(ds.length * n);
    for (let i = 0; i < ds.length; i++) {
      ds.read(i, sample, 0);
      for (let t = 0; t < T; t++)
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++)
            for (let c = 0; c < C; c++)
              frames[i * n + ((t * C + c) * H + y) * W + x] = sample[((t * H + y) * W + x) * C + c]!;
    }
    return { frames, labels: Array.from({ length: ds.length }, (_, i) => ds.label(i)) };
  } catch (e) {
    if (isSpikerepError(e)) return e.message;
    throw e;
  }
}

/** The PyTorch readers on every job: frames and labels by job name, or the line a job stopped with. */
function torchFrames(jobs: Job[]): {
  tensors: Map<string, { shape: readonly number[]; data: Float32Array }>;
  errors: Record<string, string>;
} {
  const dir = tempDir('torch-dvs-jobs');
  const spec = join(dir, 'jobs.json');
  const out = join(dir, 'frames.safetensors');
  writeFileSync(spec, JSON.stringify(jobs));
  const r = spawnSync('nice', [PYTHON, READ, TORCH_TEMPLATES_DIR, spec, out], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const errors = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, string>;
  return { tensors: decodeSafetensors(readFileSync(out), out).tensors, errors };
}

test('event readers: N-MNIST, DVS Gesture and DVS-CIFAR10 items, labels and frames identical in both engines', {
  skip,
}, () => {
  const nmnist = nmnistFolder();
  const cifar = cifarFolder();
  const gesture = gestureFolder(false);
  const listed = gestureFolder(true);
  const jobs: Job[] = [
    { name: 'nmnist-train', dataset: 'n-mnist', root: nmnist, split: 'train', T: 5 },
    { name: 'nmnist-test', dataset: 'n-mnist', root: nmnist, split: 'test', T: 3 },
    { name: 'gesture-train', dataset: 'dvs-gesture', root: gesture, split: 'train', T: 4 },
    { name: 'gesture-test', dataset: 'dvs-gesture', root: gesture, split: 'test', T: 2 },
    { name: 'listed-train', dataset: 'dvs-gesture', root: listed, split: 'train', T: 3 },
    { name: 'listed-test', dataset: 'dvs-gesture', root: listed, split: 'test', T: 3 },
    {
      name: 'cifar-train',
      dataset: 'dvs-cifar10',
      root: cifar,
      split: 'train',
      T: 4,
      filesPerClass: 3,
      trainPerClass: 2,
    },
    {
      name: 'cifar-test',
      dataset: 'dvs-cifar10',
      root: cifar,
      split: 'test',
      T: 4,
      filesPerClass: 3,
      trainPerClass: 2,
    },
    { name: 'cifar-default-split', dataset: 'dvs-cifar10', root: cifar, split: 'train', T: 3, filesPerClass: 3 },
  ];
  const { tensors, errors } = torchFrames(jobs);
  assert.deepEqual(errors, {});
  const counts: Record<string, number> = {};
  for (const j of jobs) {
    const want = spikerepFrames(j);
    assert.ok(typeof want !== 'string', want as string);
    const frames = tensors.get(`frames.${j.name}`)!;
    const labels = tensors.get(`labels.${j.name}`)!;
    assert.deepEqual(Array.from(labels.data), want.labels, `${j.name}: labels`);
    assert.equal(frames.data.length, want.frames.length, `${j.name}: [${frames.shape.join(', ')}]`);
    assert.equal(frames.shape[1], j.T);
    let differ = 0;
    for (let k = 0; k < want.frames.length; k++) if (frames.data[k] !== want.frames[k]) differ++;
    assert.equal(differ, 0, `${j.name}: ${differ} frame values differ`);
    counts[j.name] = want.labels.length;
  }
  // the splits and orders the fixtures were built for, so that the comparison covers each rule
  assert.deepEqual(counts, {
    'nmnist-train': 30,
    'nmnist-test': 10,
    'gesture-train': 22,
    'gesture-test': 11,
    'listed-train': 22,
    'listed-test': 11,
    'cifar-train': 20,
    'cifar-test': 10,
    'cifar-default-split': 30,
  });
  assert.deepEqual(
    Array.from(tensors.get('labels.listed-test')!.data),
    Array.from({ length: 11 }, (_, i) => i),
  );
  assert.deepEqual(tensors.get('frames.cifar-train')!.shape, [20, 4, 2, 48, 48]);
  assert.deepEqual(tensors.get('frames.gesture-test')!.shape, [11, 2, 2, 128, 128]);
  // the resized frames hold fractions, so equality tests the rounding, not only the counts
  assert.ok(tensors.get('frames.cifar-test')!.data.some((v) => v !== Math.round(v)));
});

test('event readers: a bad file or folder stops both engines with the same line', { skip }, () => {
  const jobs: Job[] = [];
  const add = (name: string, dataset: Job['dataset'], root: string, split: Job['split'] = 'train'): void => {
    jobs.push({
      name,
      dataset,
      root,
      split,
      T: 2,
      ...(dataset === 'dvs-cifar10' ? { filesPerClass: 1, trainPerClass: 1 } : {}),
    });
  };
  const nmnist = (edit: (dir: string) => void): string => {
    const dir = tempDir('torch-nmnist-bad');
    for (let c = 0; c < 10; c++) put(join(dir, 'Train', String(c), '00001.bin'), nmnistBytes(randomEvents(c, 20, 34)));
    edit(dir);
    return dir;
  };
  const cut = nmnist((d) =>
    put(join(d, 'Train', '5', '00002.bin'), nmnistBytes(randomEvents(5, 20, 34)).subarray(0, 97)),
  );
  add('nmnist-cut', 'n-mnist', cut);
  add('nmnist-no-test', 'n-mnist', cut, 'test');
  add(
    'nmnist-wide',
    'n-mnist',
    nmnist((d) => put(join(d, 'Train', '7', '00002.bin'), nmnistBytes([{ x: 34, y: 2, pol: 0, t: 1 }]))),
  );
  const cifar = tempDir('torch-dvs-cifar-bad');
  for (const cls of CIFAR10_CLASSES) {
    const good = aedatBytes(randomEvents(3, 4, 128));
    put(join(cifar, dvsFileName(cls, 0)), cls === 'dog' ? good.subarray(0, good.length - 3) : good);
  }
  add('cifar-cut', 'dvs-cifar10', cifar);
  const gesture = (edit: (dir: string) => void): string => {
    const dir = gestureFolder(false);
    edit(dir);
    return dir;
  };
  add(
    'gesture-class',
    'dvs-gesture',
    gesture((d) =>
      put(join(d, 'user02_led_labels.csv'), 'class,startTime_usec,endTime_usec\n1,1000,1900\n12,2000,2900\n'),
    ),
  );
  add(
    'gesture-empty',
    'dvs-gesture',
    gesture((d) => put(join(d, 'user01_fluorescent_labels.csv'), '3,1000,1900\n4,100000,100900\n')),
  );
  add(
    'gesture-cut',
    'dvs-gesture',
    gesture((d) => {
      const r = recording(1, 0);
      put(join(d, 'user01_fluorescent.aedat'), r.bytes.subarray(0, r.bytes.length - 5));
    }),
  );
  const { errors } = torchFrames(jobs);
  for (const j of jobs) {
    const want = spikerepFrames(j);
    assert.equal(typeof want, 'string', `${j.name}: spikerep read it`);
    assert.equal(errors[j.name], want, j.name);
  }
  assert.match(errors['nmnist-cut']!, /00002\.bin: N-MNIST event data of 97 bytes/);
});

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('an N-MNIST project trains under torchrun on event frames; import-torch gives the logits PyTorch gives', {
  skip,
}, () => {
  const dir = tempDir('torch-nmnist-run');
  const data = nmnistFolder();
  // a low threshold, so that the sparse fixture frames make the output layer fire after 3 steps
  const mnist = JSON.parse(readFileSync(join(ROOT, 'recipes', 'mnist.json'), 'utf8')) as { config: object };
  const recipe = put(
    join(dir, 'n-mnist.json'),
    JSON.stringify({
      description: 'N-MNIST',
      config: { ...mnist.config, dataset: 'n-mnist', T: 2, flip: true, vth: 0.1 },
    }),
  );
  const project = join(dir, 'project');
  const e = cli('export', '--format', 'torch', '--recipe', recipe, '--out', project);
  assert.equal(e.code, 0, e.err);
  const shape = JSON.parse(readFileSync(join(project, 'recipe.json'), 'utf8')) as { inputShape: number[] };
  assert.deepEqual(shape.inputShape, [34, 34, 2]);
  const run = join(dir, 'run');
  const args = [...TORCHRUN_ONE_NODE, '--nproc_per_node', '2', join(project, 'train.py')];
  const flags = ['--data-dir', data, '--out', run, '--batch-size', '8', '--max-steps', '3', '--threads', '1'];
  const r = spawnSync('nice', ['torchrun', ...args, ...flags], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /"epoch": 1, "iteration": 3, .*"testAccuracy"/);
  const weights = join(run, 'checkpoint.safetensors');
  const code = [
    'import json, sys, torch',
    `sys.path.insert(0, ${JSON.stringify(project)})`,
    'from dvs_datasets import NMnistFrames',
    'from models import build_model, load_weights',
    'from safetensors_io import load_file',
    `cfg = json.load(open(${JSON.stringify(join(project, 'recipe.json'))}))["config"]`,
    `test = NMnistFrames(${JSON.stringify(data)}, "test", cfg["T"])`,
    'model = build_model(cfg, test.input_shape, 10)',
    `load_weights(model, load_file(${JSON.stringify(weights)}))`,
    'model.eval()',
    'with torch.no_grad():',
    '    logits = model(torch.stack([test[i][0] for i in range(len(test))]))',
    'print(json.dumps(logits.tolist()))',
  ].join('\n');
  const p = spawnSync('nice', [PYTHON, '-c', code], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(p.status, 0, p.stderr);
  const torchLogits = (JSON.parse(p.stdout) as number[][]).flat();
  const back = join(dir, 'back');
  const i = cli('import-torch', weights, '--recipe', join(project, 'recipe.json'), '--out', back);
  assert.equal(i.code, 0, i.err);
  const { net } = modelFromCheckpoint(reference, join(back, 'best.ckpt'));
  const testSet = new NMnist('test', { dataDir: data, T: 2 });
  const n = 2 * 34 * 34 * 2;
  const x = new Float32Array(testSet.length * n);
  for (let s = 0; s < testSet.length; s++) testSet.read(s, x, s * n);
  const input = encodeFrames(x, [testSet.length, 2, 34, 34, 2]).input;
  const logits = net.forward(input, { training: false, rng: new Rng(1), encoding: 'time-major' });
  assert.equal(torchLogits.length, logits.data.length);
  const worst = Math.max(...torchLogits.map((v, k) => Math.abs(v - logits.data[k]!)));
  assert.ok(worst < 1e-5, `logits differ by up to ${worst}`);
  assert.ok(new Set(torchLogits).size > 1, `every logit equal (${torchLogits[0]}): too trivial a check`);
  const ev = cli('eval', '--checkpoint', back, '--data-dir', data, '--backend', 'wasm', '--threads', '1', '--quiet');
  assert.equal(ev.code, 0, ev.err);
  assert.match(ev.out, /test accuracy .* on 10 n-mnist test images \(if, T=2\)/);
});

test('export --format torch --recipe dvs-cifar10: VGG-11 for 48×48 two-channel frames, T = 20', () => {
  const project = join(tempDir('torch-dvs-cifar-export'), 'project');
  const e = cli('export', '--format', 'torch', '--recipe', 'dvs-cifar10', '--out', project);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /dvs_datasets\.py, event_files\.py, event_frames\.py, .* for vgg11, DSR-IF, T=20/);
  const recipe = JSON.parse(readFileSync(join(project, 'recipe.json'), 'utf8')) as {
    inputShape: number[];
    classes: number;
    config: { cropPad: number };
  };
  assert.deepEqual([recipe.inputShape, recipe.classes, recipe.config.cropPad], [[48, 48, 2], 10, 4]);
  const { tensors } = decodeSafetensors(readFileSync(join(project, 'weights.safetensors')), 'weights');
  assert.deepEqual(tensors.get('features.0.weight')!.shape, [64, 2, 3, 3]);
});
