/**
 * The demo page: draw a digit (or pick a test image), see the prediction, the spike raster through every layer
 * and each layer's firing rate over the T steps. Inference runs in a Web Worker (worker.ts); the "train here" panel
 * is train-panel.ts. Type-checked with the
 * DOM lib by this folder's tsconfig.json. `window.spikerep` lets tests drive it.
 */

import { ratePercent } from '../../report/format.js';
import type { SampleRaster } from '../../report/raster.js';
import { barChart, CHART_CSS, lineChart, rasterChart } from '../../report/svg.js';
import type { ModelMeta } from './model.js';
import { setupTrainPanel } from './train-panel.js';

const doc = document;
/** The element the page shell (page-html.ts) gives this id. */
const $ = <E extends HTMLElement = HTMLElement>(id: string): E => doc.getElementById(id) as E;
/** What the worker answers (worker.ts). */
type WorkerMessage =
  | { type: 'ready'; backend: string; note?: string }
  | { type: 'result'; id: number; raster: SampleRaster; ms: number }
  | { type: 'error'; id?: number; message: string };

declare global {
  interface Window {
    spikerep?: {
      meta: ModelMeta;
      samples: unknown;
      classify(pixels: number[]): Promise<Result>;
      backend: string | null;
    };
  }
}
const COLORS: readonly [string, ...string[]] = [
  '#1f4e9c',
  '#d9822b',
  '#3a8a3a',
  '#a33',
  '#7a4ea0',
  '#2a9d8f',
  '#555',
  '#b58900',
];

interface Result {
  raster: SampleRaster;
  ms: number;
}

async function main(): Promise<void> {
  const style = doc.createElement('style');
  style.textContent = CHART_CSS;
  doc.head.appendChild(style);
  const training = setupTrainPanel().catch((e: Error) => {
    $('train-status').textContent = `error: ${e.message}`;
  });
  const [meta, bin, samples] = await Promise.all([
    fetch('/model.json').then((r) => r.json() as Promise<ModelMeta>),
    fetch('/model.bin').then((r) => r.arrayBuffer()),
    fetch('/samples.json').then((r) => r.json() as Promise<{ pixels: number[]; label: number }[]>),
  ]);
  $('model').textContent =
    `${meta.dataset} · ${meta.model} · ${meta.neuron} · T=${meta.T}${meta.testAccuracy !== undefined ? ` · test accuracy ${(100 * meta.testAccuracy).toFixed(1)}%` : ''}`;
  const worker = new Worker('/worker.js');
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  const backend = new URLSearchParams(location.search).get('backend') === 'reference' ? 'reference' : 'wasm';
  const ready = new Promise<string>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if (m.type === 'ready') {
        $('backend').textContent = `backend: ${m.backend}${m.note ? ` (${m.note})` : ''}`;
        resolve(m.backend);
      } else if (m.type === 'result') {
        pending.get(m.id)?.resolve({ raster: m.raster, ms: m.ms });
        pending.delete(m.id);
      } else if (m.type === 'error') {
        if (m.id === undefined) reject(new Error(m.message));
        else pending.get(m.id)?.reject(new Error(m.message));
        if (m.id !== undefined) pending.delete(m.id);
        $('status').textContent = `error: ${m.message}`;
      }
    };
  });
  const threads = Math.min(4, navigator.hardwareConcurrency ?? 1);
  worker.postMessage({ type: 'load', meta, bin, backend, threads });
  await ready;
  $('status').textContent = 'ready: draw a digit';

  const classify = (pixels: number[]): Promise<Result> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'classify', id, pixels });
    });
  // a result that arrives after Clear (or after a newer request) is dropped, not drawn over the cleared page
  let generation = 0;
  const show = (r: Result, label?: number): void => {
    const names = meta.classNames;
    const ras = r.raster;
    const predicted = names[ras.prediction] ?? String(ras.prediction);
    $('prediction').textContent = predicted;
    $('prediction').dataset.prediction = String(ras.prediction);
    const rate = ras.outputRates[ras.prediction] ?? 0;
    $('detail').textContent =
      `${label !== undefined ? `label ${names[label] ?? label} · ` : ''}output neuron "${predicted}" fired in ` +
      `${Math.round(rate * ras.T)} of ${ras.T} steps (rate ${rate.toFixed(2)}) · ${r.ms.toFixed(0)} ms`;
    $('output-rates').innerHTML = barChart(
      'output-rates',
      'Output firing rate per class',
      'fraction of the T steps the class neuron fired (0–1)',
      ras.outputRates.map((v, c) => ({
        label: names[c] ?? String(c),
        value: v,
        text: v.toFixed(2),
        color: c === ras.prediction ? COLORS[0] : '#9aa9c4',
      })),
      { x: { bounds: [0, 1], pad: 0 }, subtitle: 'the prediction is the class with the highest (weighted) rate' },
    );
    $('raster').innerHTML = rasterChart('raster', `Spikes over ${ras.T} time steps`, ras.T, ras.layers, {
      classNames: names,
      subtitle: `${Math.max(...ras.layers.filter((l) => !l.output).map((l) => l.shown.length))} randomly sampled neurons per layer, every output neuron`,
    });
    $('rates').innerHTML = lineChart(
      'rates',
      'Share of each layer’s neurons firing at each step',
      'time step',
      'neurons firing (%)',
      ras.layers.map((l, i) => ({
        name: `${l.label}: ${ratePercent(l.rate)} mean`,
        color: COLORS[i % COLORS.length]!,
        points: l.ratePerStep.map((v, t) => [t + 1, 100 * v] as [number, number]),
      })),
      {
        x: { integer: true, pad: 0 },
        y: { zero: true, bounds: [0, 100] },
        subtitle: 'over all neurons of the layer, for this image',
      },
    );
    $('status').textContent = 'done';
  };
  const clearResult = (): void => {
    generation++;
    $('prediction').textContent = '–';
    delete $('prediction').dataset.prediction;
    for (const id of ['detail', 'output-rates', 'raster', 'rates']) $(id).innerHTML = '';
    $('status').textContent = 'ready: draw a digit';
  };
  const [H, W, C] = meta.input;
  const pad = setupPad(H, W);
  const run = async (pixels: number[], label?: number): Promise<Result> => {
    const mine = ++generation;
    $('status').textContent = 'running…';
    const r = await classify(pixels);
    if (mine === generation) show(r, label);
    return r;
  };
  pad.onDone = (pixels) => void run(C === 1 ? pixels : pixels.flatMap((p) => Array(C).fill(p)));
  $('clear').onclick = () => {
    pad.clear();
    clearResult();
  };
  let which = 0;
  $('sample').onclick = () => {
    const s = samples[which++ % samples.length]!;
    pad.show(s.pixels, C);
    void run(s.pixels, s.label);
  };
  window.spikerep = { meta, samples, classify: (pixels: number[]) => run(pixels), backend: $('backend').textContent };
  await training;
  doc.body.dataset.ready = 'true';
}

/** A 280×280 drawing pad; on release its ink is fitted into H×W as MNIST digits are (20×20 box, centred by mass). */
function setupPad(
  H: number,
  W: number,
): { clear(): void; show(p: number[], C: number): void; onDone: (pixels: number[]) => void } {
  const canvas = $<HTMLCanvasElement>('pad');
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const api = { onDone: (_: number[]) => {}, clear, show };
  function clear(): void {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }
  function show(p: number[], C: number): void {
    const img = ctx.createImageData(W, H);
    for (let i = 0; i < H * W; i++) {
      const v = p[i * C]!;
      img.data.set([v, v, v, 255], i * 4);
    }
    const small = doc.createElement('canvas');
    small.width = W;
    small.height = H;
    (small.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  }
  clear();
  let drawing = false;
  const pos = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  };
  canvas.onpointerdown = (e: PointerEvent) => {
    drawing = true;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...pos(e));
    canvas.setPointerCapture?.(e.pointerId);
  };
  canvas.onpointermove = (e: PointerEvent) => {
    if (!drawing) return;
    ctx.lineTo(...pos(e));
    ctx.stroke();
  };
  canvas.onpointerup = () => {
    if (!drawing) return;
    drawing = false;
    api.onDone(fitInk(canvas, H, W));
  };
  return api;
}

function fitInk(canvas: HTMLCanvasElement, H: number, W: number): number[] {
  const src = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height);
  let x0 = canvas.width,
    y0 = canvas.height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < canvas.height; y++)
    for (let x = 0; x < canvas.width; x++) {
      if (src.data[(y * canvas.width + x) * 4]! > 32) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  if (x1 < 0) return new Array(H * W).fill(0);
  const box = Math.round((Math.min(H, W) * 20) / 28);
  const s = box / Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const small = doc.createElement('canvas');
  small.width = W;
  small.height = H;
  const sc = small.getContext('2d') as CanvasRenderingContext2D;
  sc.fillStyle = '#000';
  sc.fillRect(0, 0, W, H);
  const w = (x1 - x0 + 1) * s,
    h = (y1 - y0 + 1) * s;
  sc.drawImage(canvas, x0, y0, x1 - x0 + 1, y1 - y0 + 1, (W - w) / 2, (H - h) / 2, w, h);
  const d = sc.getImageData(0, 0, W, H).data;
  const px = Array.from({ length: H * W }, (_, i) => d[i * 4]!);
  // shift so the centre of mass sits in the middle
  let m = 0,
    cx = 0,
    cy = 0;
  px.forEach((v, i) => {
    m += v;
    cx += v * (i % W);
    cy += v * Math.floor(i / W);
  });
  const dx = Math.round(W / 2 - 0.5 - cx / m),
    dy = Math.round(H / 2 - 0.5 - cy / m);
  const out = new Array(H * W).fill(0);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const xs = x - dx,
        ys = y - dy;
      if (xs >= 0 && xs < W && ys >= 0 && ys < H) out[y * W + x] = px[ys * W + xs]!;
    }
  return out;
}

main().catch((e: Error) => {
  $('status').textContent = `error: ${e.message}`;
  doc.body.dataset.error = e.message;
});
