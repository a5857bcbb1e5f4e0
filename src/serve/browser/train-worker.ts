/**
 * The demo's training worker: trains a network on the images the page sends, with the library's own training
 * code (train/epoch.ts: the CLI's model, optimiser, schedule, seeded streams and step), on the kernels
 * train-backend.ts picks. It reports every step and a few test evaluations per epoch, then the trained network's
 * spike raster on the first test image and its checkpoint; NIR on request. The page ends a run by terminating
 * the worker.
 */
import { U8ImageDataset } from '../../data/imageDataset.js';
import { exportNir } from '../../export/nir-export.js';
import type { Network } from '../../nn/network.js';
import { sampleRaster } from '../../report/raster.js';
import { checkpointLead, checkpointPayload } from '../../train/checkpoint-bytes.js';
import { BACKEND_NAME, DEFAULT_CONFIG, type TrainConfig, validateConfig } from '../../train/config.js';
import { EpochTrainer, evaluationSteps, setupTraining } from '../../train/epoch.js';
import { type EpochRecord, type RunState, runMeta, runTensors } from '../../train/run-meta.js';
import type { nirFileBytes } from './nir-file.js';
import { trainingKernels } from './train-backend.js';
import type { ImageSet, TrainData, TrainEvent, TrainRequest } from './train-protocol.js';

interface Scope {
  onmessage: ((e: { data: TrainRequest }) => void) | null;
  postMessage(m: TrainEvent, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as Scope;
const post = (m: TrainEvent, transfer?: Transferable[]): void => scope.postMessage(m, transfer);

/** Test evaluations per epoch, for the live test curve. */
const TEST_POINTS_PER_EPOCH = 4;

let trained: { net: Network; cfg: TrainConfig } | null = null;

function imageSet(name: string, data: TrainData, set: ImageSet): U8ImageDataset {
  return new U8ImageDataset({
    name,
    pixels: set.pixels,
    labels: set.labels,
    shape: data.shape,
    classes: data.classes,
    stats: data.stats,
    normalize: true,
  });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function train({
  settings,
  data,
  backend: choice,
  threads,
}: Extract<TrainRequest, { type: 'train' }>): Promise<void> {
  const { k, backend, note } = await trainingKernels(choice, threads);
  post({ type: 'backend', backend, note });
  const trainSet = imageSet(settings.dataset, data, data.train);
  const testSet = imageSet(settings.dataset, data, data.test);
  // the CLI's defaults, but no warm-up: a run here is a few dozen steps, not thousands
  const cfg = validateConfig({
    ...DEFAULT_CONFIG,
    ...settings,
    model: 'mnistnet',
    warmupIters: 0,
    // a constant rate over a run's one or two epochs, from the neuron kind's thresholds (the page does not calibrate)
    schedule: 'cosine',
    calibrateVth: 0,
    trainLimit: trainSet.length,
    testLimit: testSet.length,
    // the backend it trained on, where the config knows that name
    backend: BACKEND_NAME.safeParse(k.name).data ?? 'wasm',
  });
  const setup = setupTraining(k, cfg, data.shape, data.classes.length, trainSet.length);
  const { net, params, opt, streams } = setup;
  const trainer = new EpochTrainer(setup, opt.init(params, k));
  const testAccuracy = (): number => {
    const steps = evaluationSteps(k, net, testSet, cfg);
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value / testSet.length;
    }
  };
  const steps = Math.ceil(trainSet.length / cfg.batchSize);
  const testEvery = Math.max(1, Math.ceil(steps / TEST_POINTS_PER_EPOCH));
  const history: EpochRecord[] = [];
  const best = -1; // no validation split: nothing chooses an epoch
  let trainMs = 0;
  let trainedImages = 0;
  post({ type: 'test', at: 0, accuracy: testAccuracy() });
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    const t0 = performance.now();
    const batches = trainer.epoch(trainSet, epoch);
    let tally = null;
    let tested = 0;
    for (;;) {
      const s0 = performance.now();
      const r = batches.next();
      tally = r.value;
      if (r.done === true) break;
      trainMs += performance.now() - s0;
      trainedImages += tally.last.size;
      post({
        type: 'step',
        epoch,
        step: tally.batches,
        steps,
        loss: tally.last.loss,
        accuracy: tally.last.correct / tally.last.size,
        imagesPerSecond: (1000 * trainedImages) / trainMs,
      });
      // the last step always evaluates: that is the epoch's test accuracy
      if (tally.batches % testEvery === 0 || tally.batches === steps) {
        tested = testAccuracy();
        post({ type: 'test', at: epoch + tally.batches / steps, accuracy: tested });
      }
    }
    const record: EpochRecord = {
      epoch: epoch + 1,
      trainLoss: tally.lossSum / tally.seen,
      trainAccuracy: tally.correct / tally.seen,
      valAccuracy: null, // a run in the page has no validation split: the last epoch is kept
      testAccuracy: tested,
      lr: tally.lr,
      seconds: (performance.now() - t0) / 1000,
      steps: tally.curve,
    };
    history.push(record);
    post({ type: 'epoch', record });
  }
  const run: RunState = { epoch: cfg.epochs, iteration: trainer.iteration, best, history };
  const tensors = runTensors(net, params, trainer.optState);
  const { entries, payload } = checkpointPayload(tensors);
  const lead = checkpointLead(
    runMeta(cfg, net, trainer.optState, streams, run),
    entries,
    payload.length,
    await sha256Hex(payload),
  );
  const file = new Uint8Array(lead.length + payload.length);
  file.set(lead);
  file.set(payload, lead.length);
  const x = new Float32Array(data.shape[0] * data.shape[1] * data.shape[2]);
  testSet.read(0, x, 0);
  trained = { net, cfg };
  post(
    {
      type: 'done',
      testAccuracy: history[history.length - 1]?.testAccuracy ?? 0,
      imagesPerSecond: trainMs > 0 ? (1000 * trainedImages) / trainMs : 0,
      raster: sampleRaster(net, x),
      label: testSet.label(0),
      checkpoint: file.buffer,
    },
    [file.buffer],
  );
}

/** The trained network as a NIR file, exported as `spikerep export` does; h5wasm loads on the first request. */
async function nir(): Promise<void> {
  if (trained === null) throw new Error('no trained network yet');
  const { net, cfg } = trained;
  const graph = exportNir(net, {
    metadata: { dataset: cfg.dataset, normalized: cfg.encoder === 'direct' ? 1 : 0, model: cfg.model },
  });
  const url = new URL('/nir-file.js', (globalThis as unknown as { location: { href: string } }).location.href).href;
  const mod = (await import(url)) as { nirFileBytes: typeof nirFileBytes };
  const bytes = await mod.nirFileBytes(graph);
  const file = bytes.slice().buffer;
  post({ type: 'nir', file }, [file]);
}

scope.onmessage = (e) => {
  const m = e.data;
  (m.type === 'train' ? train(m) : nir()).catch((err: Error) =>
    post({ type: 'error', message: err.message.split('\n')[0]! }),
  );
};
