/**
 * The training, checkpoint and export paths under the webgpu backend's memory model (test/support/split-memory.ts:
 * the reference kernels behind the webgpu link, buffers over 64 floats kept on the stand-in device). The split
 * backend runs the very same reference kernels, so every number must equal the reference backend's bit for bit;
 * a host read without toHost or a host write without fromHost anywhere in the loop shows up as a difference.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportNir } from '../../src/export/nir-export.js';
import { readNir, writeNir } from '../../src/export/nir-h5.js';
import { importNir } from '../../src/export/nir-import.js';
import { disposeKernels } from '../../src/kernels/backend.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { ReferenceKernels } from '../../src/kernels/reference/index.js';
import type { Network } from '../../src/nn/network.js';
import { type SampleRaster, sampleRaster } from '../../src/report/raster.js';
import { Rng } from '../../src/rng.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { type TrainHooks, type TrainResult, train } from '../../src/train/loop.js';
import { modelFromCheckpoint } from '../../src/train/state.js';
import { predict } from '../../src/train/step.js';
import { idxBytes, put, tempDir } from '../support/data.fixtures.js';
import { splitMemoryKernels } from '../support/split-memory.js';

const tmp = tempDir('memory-model');
/**
 * Host-mirrored up to 256 floats: mnistnet's widest per-channel vector (a 256-channel batch-norm), which layers may
 * read directly (kernels.ts: HOST_VECTOR_MAX). Everything larger stays on the device: the staged input batch, the
 * activations, the conv and linear weights with their gradients and optimiser state, the evaluation's logits.
 */
const split = splitMemoryKernels(256);
/**
 * The reference kernels under webgpu's name: layers choose between a dense and an event-driven forward by the
 * backend's name (nn/forward-path.ts), and the comparison needs the same choices, hence the same float32 sums.
 */
const reference = Object.defineProperty(new ReferenceKernels(), 'name', { value: 'webgpu' }) as Kernels;
after(() => {
  disposeKernels(split);
  rmSync(tmp, { recursive: true, force: true });
});

/** A Fashion-MNIST folder of random images (labels cycle through the classes). */
function fashionDir(train: number, test: number): string {
  const dir = join(tmp, 'data');
  const rng = new Rng(3);
  const pixels = (n: number) => Uint8Array.from({ length: n * 784 }, () => rng.int(256));
  const labels = (n: number) => Array.from({ length: n }, (_, i) => i % 10);
  put(join(dir, 'train-images-idx3-ubyte'), idxBytes(0x803, [train, 28, 28], pixels(train)));
  put(join(dir, 'train-labels-idx1-ubyte'), idxBytes(0x801, [train], labels(train)));
  put(join(dir, 't10k-images-idx3-ubyte'), idxBytes(0x803, [test, 28, 28], pixels(test)));
  put(join(dir, 't10k-labels-idx1-ubyte'), idxBytes(0x801, [test], labels(test)));
  return dir;
}

let cfg: TrainConfig;
/** Two epochs of two steps each, on the reference backend and on the split memory model. */
const runs = new Map<'reference' | 'split', { r: TrainResult; dir: string; net: Network }>();

async function trainIn(
  k: Kernels,
  name: string,
  over: Partial<TrainConfig> = {},
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  return train(k, { ...cfg, checkpointDir: join(tmp, name), ...over }, hooks);
}

before(async () => {
  cfg = {
    ...DEFAULT_CONFIG,
    dataset: 'fashion-mnist',
    dataDir: fashionDir(16, 32),
    trainLimit: 16,
    testLimit: 32,
    batchSize: 8,
    testBatchSize: 32,
    T: 2,
    epochs: 2,
    warmupIters: 0,
    lr: 0.05,
  };
  for (const [name, k] of [
    ['reference', reference],
    ['split', split],
  ] as const) {
    let net: Network | undefined;
    const r = await trainIn(k, name, {}, { onFinish: (n: Network) => (net = n) });
    runs.set(name, { r, dir: join(tmp, name), net: net! });
  }
});

/** Every tensor of a checkpoint file: weights, BN statistics, optimiser state. */
function tensorsOf(path: string): Map<string, Float32Array> {
  return loadCheckpoint<unknown>(path).tensors;
}

function assertSameTensors(a: Map<string, Float32Array>, b: Map<string, Float32Array>, what: string): void {
  assert.deepEqual([...a.keys()], [...b.keys()], `${what}: tensor names`);
  for (const [name, v] of a) assert.deepEqual(v, b.get(name), `${what}: ${name}`);
}

test('the train loop on the split memory model: the reference losses, accuracies, metrics and checkpoints, bit for bit', () => {
  const ref = runs.get('reference')!;
  const got = runs.get('split')!;
  const history = (r: TrainResult) => r.history.map((h) => [h.trainLoss, h.trainAccuracy, h.testAccuracy, h.lr]);
  assert.deepEqual(history(got.r), history(ref.r));
  assert.ok(
    ref.r.history.every((h) => Number.isFinite(h.trainLoss) && h.trainLoss > 0),
    'losses to compare',
  );
  assert.deepEqual(got.r.firingRates, ref.r.firingRates);
  assert.deepEqual(got.r.thresholds, ref.r.thresholds);
  assert.ok(
    ref.r.firingRates.some((f) => f.firingRate > 0),
    'neurons fire',
  );
  for (const file of ['last.ckpt', 'best.ckpt'])
    assertSameTensors(tensorsOf(join(got.dir, file)), tensorsOf(join(ref.dir, file)), file);
  // the optimiser moved the weights: the comparison above covers updated, device-resident parameters
  const state = [...tensorsOf(join(ref.dir, 'last.ckpt'))].filter(([name]) => name.startsWith('optimizer.'));
  assert.ok(
    state.some(([, v]) => v.some((x) => x !== 0)),
    'optimiser state was written',
  );
});

test('a run killed after epoch 1 and resumed on the split memory model ends where the uninterrupted one does', async () => {
  const killAfterFirst = {
    onEpoch: (r: { epoch: number }) => {
      if (r.epoch === 1) throw new Error('killed');
    },
  };
  await assert.rejects(trainIn(split, 'resumed', {}, killAfterFirst), /killed/);
  const resumed = await trainIn(split, 'resumed', { resume: true });
  const ref = runs.get('reference')!;
  assert.deepEqual(
    resumed.history.map((h) => [h.trainLoss, h.testAccuracy]),
    ref.r.history.map((h) => [h.trainLoss, h.testAccuracy]),
  );
  assertSameTensors(tensorsOf(join(tmp, 'resumed', 'last.ckpt')), tensorsOf(join(ref.dir, 'last.ckpt')), 'resumed');
});

/** One image of noise (the network's input is normalised). */
function image(seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: 28 * 28 }, () => 2 * rng.normal());
}

/** What a network makes of two inputs: eval-mode logits of a batch, and one sample's spikes in every layer. */
function responses(net: Network): { logits: Float32Array; raster: SampleRaster } {
  const x = new Float32Array(2 * 28 * 28);
  x.set(image(1));
  x.set(image(2), 28 * 28);
  const logits = predict(net, { shape: [2, 28, 28, 1], data: x }, new Rng(0)).data.slice();
  return { logits, raster: sampleRaster(net, image(3)) };
}

function assertActive(r: { raster: SampleRaster }, what: string): void {
  assert.ok(
    r.raster.layers.some((l) => l.rate > 0),
    `${what}: some layer fires`,
  );
}

test('a checkpoint loaded into a fresh split-memory model responds as the reference model does', () => {
  const path = join(runs.get('split')!.dir, 'last.ckpt');
  const want = responses(modelFromCheckpoint(reference, path).net);
  assertActive(want, 'reference');
  assert.deepEqual(responses(modelFromCheckpoint(split, path).net), want);
});

test('NIR export of the network the split-memory run trained equals the reference export, and imports back onto split', async () => {
  // the trained networks themselves: their weights were last written by kernels
  const got = exportNir(runs.get('split')!.net);
  assert.deepEqual(got, exportNir(runs.get('reference')!.net));
  const file = join(tmp, 'model.nir');
  await writeNir(got, file);
  const graph = await readNir(file);
  const want = responses(importNir(reference, graph, { T: cfg.T }).net);
  assertActive(want, 'imported on reference');
  assert.deepEqual(responses(importNir(split, graph, { T: cfg.T }).net), want);
});

test('hybrid training on the split memory model: the ANN phase, the calibrated thresholds and the SNN weights equal the reference', async () => {
  const hybrid = { hybridAnnEpochs: 1, epochs: 1, trainLimit: 8, testLimit: 8, T: 1 };
  const want = await trainIn(reference, 'hybrid-reference', hybrid);
  const got = await trainIn(split, 'hybrid-split', hybrid);
  assert.ok(want.hybrid !== undefined && Object.values(want.hybrid.thresholds).some((v) => v > 0), 'thresholds set');
  assert.deepEqual(got.hybrid, want.hybrid);
  assert.deepEqual(
    got.history.map((h) => [h.trainLoss, h.testAccuracy]),
    want.history.map((h) => [h.trainLoss, h.testAccuracy]),
  );
  for (const run of ['', 'ann'])
    assertSameTensors(
      tensorsOf(join(tmp, 'hybrid-split', run, 'last.ckpt')),
      tensorsOf(join(tmp, 'hybrid-reference', run, 'last.ckpt')),
      `hybrid ${run || 'snn'}`,
    );
});

test('threshold calibration on the split memory model: the same thresholds and the same run as on the reference', async () => {
  const calibrated = { calibrateVth: 99.9, calibrateBatches: 2, epochs: 1, trainLimit: 8, testLimit: 8, T: 2 };
  const want = await trainIn(reference, 'calibrate-reference', calibrated);
  const got = await trainIn(split, 'calibrate-split', calibrated);
  assert.ok(want.calibration !== undefined && Object.keys(want.calibration.thresholds).length > 0, 'thresholds set');
  assert.deepEqual(got.calibration, want.calibration);
  assertSameTensors(
    tensorsOf(join(tmp, 'calibrate-split', 'last.ckpt')),
    tensorsOf(join(tmp, 'calibrate-reference', 'last.ckpt')),
    'calibrated run',
  );
});
