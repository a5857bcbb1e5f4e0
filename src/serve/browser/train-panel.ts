/**
 * The page's "train here" panel: fetches the chosen dataset's first images from the server (train-data.ts), trains
 * in a Web Worker (train-worker.ts) so the page stays responsive, draws the loss and accuracy curves as the steps
 * come in and the trained network's spike raster, and offers the network as a checkpoint and as NIR.
 */
import { lineChart, rasterChart } from '../../report/svg.js';
import type { TrainDatasetInfo } from '../train-data.js';
import type { TrainBackendChoice, TrainData, TrainEvent, TrainSettings } from './train-protocol.js';

const doc = document;
const $ = <E extends HTMLElement = HTMLElement>(id: string): E => doc.getElementById(id) as E;

type Point = [number, number];

/** The curves so far: per step for training, a few points per epoch for the test set. */
interface Curves {
  loss: Point[];
  trainAccuracy: Point[];
  testAccuracy: Point[];
}

function numberIn(id: string, lo: number, hi: number): number {
  const input = $<HTMLInputElement>(id);
  const v = Number(input.value);
  if (!(Number.isInteger(v) && v >= lo && v <= hi))
    throw new Error(`${input.dataset.label ?? id}: expected an integer from ${lo} to ${hi}, got "${input.value}"`);
  return v;
}

async function fetchImages(dataset: string, split: 'train' | 'test', n: number, size: number) {
  const r = await fetch(`/train-data.bin?dataset=${dataset}&split=${split}&n=${n}`);
  if (!r.ok) throw new Error((await r.text()).trim());
  const bytes = new Uint8Array(await r.arrayBuffer());
  return { pixels: bytes.subarray(0, n * size), labels: bytes.subarray(n * size) };
}

function drawCurves(c: Curves, sizes: { train: number; test: number }): void {
  const x = 'epoch';
  const epochs = { integer: true, pad: 0 } as const;
  $('train-loss').innerHTML = lineChart(
    'train-loss-chart',
    'Training loss per step',
    x,
    'cross-entropy',
    [{ name: 'train', color: '#1f4e9c', points: c.loss, dots: false }],
    { x: epochs, subtitle: `each batch's mean, on ${sizes.train} training images per epoch` },
  );
  $('train-accuracy').innerHTML = lineChart(
    'train-accuracy-chart',
    'Accuracy',
    x,
    'fraction correct',
    [
      { name: 'train (per step)', color: '#1f4e9c', points: c.trainAccuracy, dots: false },
      { name: 'test', color: '#d9822b', points: c.testAccuracy },
    ],
    {
      x: epochs,
      y: { bounds: [0, 1], minSpan: 0.02 },
      subtitle: `train: each batch; test: ${sizes.test} test images`,
    },
  );
  $('train-loss').dataset.points = String(c.loss.length);
  $('train-accuracy').dataset.testPoints = String(c.testAccuracy.length);
}

function download(name: string, bytes: ArrayBuffer, a: HTMLAnchorElement): void {
  if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  a.download = name;
}

export async function setupTrainPanel(): Promise<void> {
  const status = $('train-status');
  const panel = $('train-panel');
  const say = (s: string, state?: string): void => {
    status.textContent = s;
    if (state !== undefined) panel.dataset.state = state;
  };
  const info = (await fetch('/train-data.json').then((r) => r.json())) as TrainDatasetInfo[];
  const select = $<HTMLSelectElement>('train-dataset');
  for (const d of info) {
    const o = doc.createElement('option');
    o.value = d.name;
    o.textContent = 'missing' in d ? `${d.name} (not installed)` : d.name;
    o.disabled = 'missing' in d;
    select.appendChild(o);
  }
  const missing = info.filter((d) => 'missing' in d).map((d) => `${d.name}: ${(d as { missing: string }).missing}`);
  $('train-missing').textContent = missing.join(' · ');
  let worker: Worker | null = null;
  let checkpointName = 'spikerep-browser.ckpt';
  const start = $<HTMLButtonElement>('train-start');
  const stop = $<HTMLButtonElement>('train-stop');
  const nirButton = $<HTMLButtonElement>('train-nir');
  const ckptLink = $<HTMLAnchorElement>('train-checkpoint');

  const finish = (): void => {
    start.disabled = false;
    stop.disabled = true;
  };
  stop.onclick = () => {
    worker?.terminate();
    worker = null;
    finish();
    say('stopped', 'stopped');
  };

  start.onclick = () => {
    void (async () => {
      let settings: TrainSettings;
      let nTrain: number;
      let nTest: number;
      const d = info.find((x) => x.name === select.value);
      try {
        if (d === undefined || 'missing' in d)
          throw new Error(d === undefined ? 'pick a dataset' : `${d.name}: ${d.missing}`);
        nTrain = numberIn('train-size', 1, d.train);
        nTest = numberIn('train-test-size', 1, d.test);
        settings = {
          dataset: d.name,
          T: numberIn('train-T', 1, 32),
          neuron: $<HTMLSelectElement>('train-neuron').value === 'lif' ? 'lif' : 'if',
          epochs: numberIn('train-epochs', 1, 100),
          batchSize: numberIn('train-batch', 1, 1024),
          lr: 0.05,
          seed: 1,
        };
      } catch (e) {
        say(`error: ${(e as Error).message}`, 'error');
        return;
      }
      worker?.terminate();
      start.disabled = true;
      stop.disabled = false;
      nirButton.disabled = true;
      ckptLink.hidden = true;
      $('train-raster').innerHTML = '';
      say(`fetching ${nTrain} + ${nTest} ${d.name} images…`, 'loading');
      const size = d.shape[0] * d.shape[1] * d.shape[2];
      let data: TrainData;
      try {
        const [train, test] = await Promise.all([
          fetchImages(d.name, 'train', nTrain, size),
          fetchImages(d.name, 'test', nTest, size),
        ]);
        data = {
          shape: [...d.shape],
          classes: [...d.classes],
          stats: { mean: [...d.stats.mean], std: [...d.stats.std] },
          train,
          test,
        };
      } catch (e) {
        finish();
        say(`error: ${(e as Error).message}`, 'error');
        return;
      }
      const curves: Curves = { loss: [], trainAccuracy: [], testAccuracy: [] };
      const w = new Worker('/train-worker.js', { type: 'module' });
      worker = w;
      w.onerror = (e) => {
        finish();
        say(`error: ${e.message}`, 'error');
      };
      w.onmessage = (e: MessageEvent<TrainEvent>) => {
        const m = e.data;
        switch (m.type) {
          case 'backend':
            $('train-backend-note').textContent = `backend: ${m.backend}${m.note ? ` (${m.note})` : ''}`;
            say('training…', 'training');
            break;
          case 'step': {
            const at = m.epoch + m.step / m.steps;
            curves.loss.push([at, m.loss]);
            curves.trainAccuracy.push([at, m.accuracy]);
            drawCurves(curves, { train: nTrain, test: nTest });
            say(
              `epoch ${m.epoch + 1}/${settings.epochs}, step ${m.step}/${m.steps}: loss ${m.loss.toFixed(3)}, ` +
                `${m.imagesPerSecond.toFixed(0)} images/s`,
            );
            break;
          }
          case 'test':
            curves.testAccuracy.push([m.at, m.accuracy]);
            drawCurves(curves, { train: nTrain, test: nTest });
            break;
          case 'epoch':
            panel.dataset.trainLoss = String(m.record.trainLoss);
            break;
          case 'done': {
            finish();
            checkpointName = `spikerep-${settings.dataset}-${settings.neuron}-T${settings.T}.ckpt`;
            download(checkpointName, m.checkpoint, ckptLink);
            ckptLink.hidden = false;
            nirButton.disabled = false;
            const names = data.classes;
            $('train-raster').innerHTML = rasterChart(
              'train-raster-chart',
              `Trained network on test image 1 (label ${names[m.label]}, predicted ${names[m.raster.prediction]})`,
              m.raster.T,
              m.raster.layers,
              { classNames: names },
            );
            panel.dataset.testAccuracy = String(m.testAccuracy);
            panel.dataset.imagesPerSecond = String(m.imagesPerSecond);
            say(
              `done: test accuracy ${(100 * m.testAccuracy).toFixed(1)}% on ${nTest} images, ` +
                `${m.imagesPerSecond.toFixed(0)} training images/s`,
              'done',
            );
            break;
          }
          case 'nir': {
            const a = doc.createElement('a');
            download(checkpointName.replace(/\.ckpt$/, '.nir'), m.file, a);
            a.click();
            nirButton.disabled = false;
            break;
          }
          case 'error':
            finish();
            nirButton.disabled = false;
            say(`error: ${m.message}`, 'error');
            break;
        }
      };
      const backend = $<HTMLSelectElement>('train-backend').value as TrainBackendChoice;
      // every core, as Node's wasm backend takes by default: training is the page's one heavy job
      const threads = Math.min(64, navigator.hardwareConcurrency ?? 1);
      w.postMessage({ type: 'train', settings, data, backend, threads }, [
        data.train.pixels.buffer,
        data.test.pixels.buffer,
      ]);
    })();
  };
  nirButton.onclick = () => {
    nirButton.disabled = true;
    worker?.postMessage({ type: 'nir' });
  };
  panel.dataset.state = 'idle';
}
